"""The audit trail: who did what to which subject (ids only, never personal data)."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.models import AuditLog


def record(
    s: Session,
    *,
    team_id: str,
    actor_id: str | None,
    action: str,
    subject: str,
    at: datetime,
    **detail: Any,
) -> None:
    s.add(
        AuditLog(
            team_id=team_id,
            actor_id=actor_id,
            action=action,
            subject=subject,
            detail=detail,
            created_at=at,
        )
    )
