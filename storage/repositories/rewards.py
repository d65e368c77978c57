"""Referral reward queries (issue 17)."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Candidate, Member, Reward, Role
from storage.types import RewardStatus


def add(s: Session, reward: Reward) -> Reward:
    s.add(reward)
    s.flush()
    return reward


def live_for_candidate(s: Session, candidate_id: int) -> Sequence[Reward]:
    """The candidate's rewards not cancelled (one per hire: the latest decides)."""
    return s.scalars(
        select(Reward)
        .where(Reward.candidate_id == candidate_id, Reward.status != RewardStatus.CANCELLED)
        .order_by(Reward.created_at.desc(), Reward.id.desc())
    ).all()


def by_public_id(s: Session, team_id: str, public_id: str) -> Reward | None:
    return s.scalar(select(Reward).where(Reward.team_id == team_id, Reward.public_id == public_id))


# (reward, candidate name or None when purged, role title or None)
Row = tuple[Reward, str | None, str | None]


def _listed(s: Session, *where: object, limit: int) -> list[Row]:
    rows = s.execute(
        select(Reward, Candidate.name, Role.title)
        .outerjoin(Candidate, Candidate.id == Reward.candidate_id)
        .outerjoin(Role, Role.id == Reward.role_id)
        .where(*where)
        .order_by(Reward.payable_at, Reward.id)
        .limit(limit)
    ).all()
    return [(r, name, title) for r, name, title in rows]


def payable(
    s: Session, team_id: str, *, now: datetime, limit: int, after: datetime | None = None
) -> list[Row]:
    """Rewards whose date has come (after `after`, when given) and that nobody marked paid
    yet, oldest first."""
    since = () if after is None else (Reward.payable_at > after,)
    return _listed(
        s,
        Reward.team_id == team_id,
        Reward.status == RewardStatus.PENDING,
        Reward.payable_at <= now,
        *since,
        limit=limit,
    )


def upcoming(s: Session, team_id: str, *, now: datetime, limit: int) -> list[Row]:
    """Rewards promised whose date has not come yet, soonest first."""
    return _listed(
        s,
        Reward.team_id == team_id,
        Reward.status == RewardStatus.PENDING,
        Reward.payable_at > now,
        limit=limit,
    )


def of_referrer(s: Session, team_id: str, referrer_id: str, *, limit: int) -> list[Row]:
    """A referrer's rewards, cancelled ones included (they were told), by date."""
    return _listed(s, Reward.team_id == team_id, Reward.referrer_id == referrer_id, limit=limit)


def for_team(s: Session, team_id: str) -> Sequence[Reward]:
    """Every reward of the workspace (the backup)."""
    return s.scalars(select(Reward).where(Reward.team_id == team_id).order_by(Reward.id)).all()


def count_payable(s: Session, team_id: str, *, now: datetime) -> int:
    return len(payable(s, team_id, now=now, limit=10_000))


def admins_to_tell(s: Session, *, now: datetime) -> Sequence[Member]:
    """Admins who are not recruiters, in workspaces with a reward to pay: their digest (which
    says nothing, and is not sent, when none became payable since their last one)."""
    teams = (
        select(Reward.team_id)
        .where(Reward.status == RewardStatus.PENDING, Reward.payable_at <= now)
        .distinct()
    )
    return s.scalars(
        select(Member).where(
            Member.is_admin.is_(True),
            Member.is_recruiter.is_(False),
            Member.team_id.in_(teams),
        )
    ).all()
