"""Role queries."""

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditLog, Role
from storage.types import RoleStatus


def referable(s: Session, team_id: str) -> Sequence[Role]:
    """Open roles first, then upcoming ones: the roles a referral may target."""
    return s.scalars(
        select(Role)
        .where(Role.team_id == team_id, Role.status.in_([RoleStatus.OPEN, RoleStatus.UPCOMING]))
        .order_by(Role.status, Role.title)  # "open" sorts before "upcoming"
    ).all()


def closed(s: Session, team_id: str, *, limit: int) -> Sequence[Role]:
    """The most recently closed roles."""
    return s.scalars(
        select(Role)
        .where(Role.team_id == team_id, Role.status == RoleStatus.CLOSED)
        .order_by(Role.closed_at.desc().nulls_last(), Role.id.desc())
        .limit(limit)
    ).all()


def last_move(
    s: Session,
    team_id: str,
    public_id: str,
    actions: Collection[str],
    *,
    actor_id: str | None = None,
) -> tuple[str | None, datetime | None]:
    """Who last did one of `actions` ("role.open", "role.close"...) to the role (that actor
    only, when given), and when, from the audit trail; (None, None) when it holds none (a
    role created open, say)."""
    query = select(AuditLog.actor_id, AuditLog.created_at).where(
        AuditLog.team_id == team_id,
        AuditLog.subject == f"role:{public_id}",
        AuditLog.action.in_(list(actions)),
    )
    if actor_id is not None:
        query = query.where(AuditLog.actor_id == actor_id)
    row = s.execute(query.order_by(AuditLog.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (None, None)


def by_public_id(s: Session, team_id: str, public_id: str) -> Role | None:
    return s.scalar(select(Role).where(Role.team_id == team_id, Role.public_id == public_id))


def add(s: Session, role: Role) -> Role:
    s.add(role)
    s.flush()
    return role


def by_id(s: Session, role_id: int) -> Role | None:
    return s.get(Role, role_id)


def managed_by(s: Session, team_id: str, user_id: str) -> set[str]:
    """Public ids of the roles this person is the hiring manager of (ids, never titles: two
    roles may share a title, and one of them may be confidential)."""
    return set(
        s.scalars(
            select(Role.public_id).where(Role.team_id == team_id, Role.hiring_manager_id == user_id)
        )
    )
