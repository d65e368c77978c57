"""The audit trail: who did what to which subject (ids only, never personal data)."""

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, insert, select
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
    # Core, at once (no row object for the unit of work to flush): every use case writes one.
    s.connection().execute(
        _INSERT,
        {
            "team_id": team_id,
            "actor_id": actor_id,
            "action": action,
            "subject": subject,
            "detail": detail,
            "created_at": at,
        },
    )


_INSERT = insert(AuditLog.__table__)


def recorded(s: Session, *, team_id: str, action: str) -> bool:
    """Whether the workspace's trail holds `action` at least once."""
    found = s.scalar(
        select(AuditLog.id).where(AuditLog.team_id == team_id, AuditLog.action == action).limit(1)
    )
    return found is not None


def trail(
    s: Session,
    *,
    team_id: str,
    subject: str,
    actions: tuple[str, ...],
    actor_id: str | None = None,
    limit: int = 20,
) -> Sequence[AuditLog]:
    """A subject's lines of `actions` (by `actor_id` when given), newest first: who did what
    and when, for the messages that say so."""
    given = {"team_id": team_id, "subject": subject, "actions": list(actions), "limit": limit}
    if actor_id is not None:
        given["actor_id"] = actor_id
    return s.scalars(_trail(actor_id is not None), given).all()


# Built once per shape: every card reads its candidate's trail (building a select costs more
# than running it, benchmarks/ack_profile.py --dispatch).
@cache
def _trail(by_actor: bool) -> Select[tuple[AuditLog]]:
    query = select(AuditLog).where(
        AuditLog.team_id == bindparam("team_id"),
        AuditLog.subject == bindparam("subject"),
        AuditLog.action.in_(bindparam("actions", expanding=True)),
    )
    if by_actor:
        query = query.where(AuditLog.actor_id == bindparam("actor_id"))
    return query.order_by(AuditLog.id.desc()).limit(bindparam("limit", type_=Integer))


def subjects_done(
    s: Session, *, team_id: str, actor_id: str, action: str, subjects: Sequence[str]
) -> set[str]:
    """Which of `subjects` this person already did `action` to."""
    if not subjects:
        return set()
    return set(
        s.scalars(
            select(AuditLog.subject)
            .where(
                AuditLog.team_id == team_id,
                AuditLog.actor_id == actor_id,
                AuditLog.action == action,
                AuditLog.subject.in_(list(subjects)),
            )
            .distinct()
        )
    )
