"""Role queries."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Role
from storage.types import RoleStatus


def referable(s: Session, team_id: str) -> Sequence[Role]:
    """Open roles first, then upcoming ones: the roles a referral may target."""
    return s.scalars(
        select(Role)
        .where(Role.team_id == team_id, Role.status.in_([RoleStatus.OPEN, RoleStatus.UPCOMING]))
        .order_by(Role.status, Role.title)  # "open" sorts before "upcoming"
    ).all()


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
