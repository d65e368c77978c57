"""The audit trail: who did what to which subject (ids only, never personal data)."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
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


def recorded(s: Session, *, team_id: str, action: str) -> bool:
    """Whether the workspace's trail holds `action` at least once."""
    found = s.scalar(
        select(AuditLog.id).where(AuditLog.team_id == team_id, AuditLog.action == action).limit(1)
    )
    return found is not None
