"""Role roundups and recognition (issue 17): settings, preferences and the month's figures."""

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import (
    AuditLog,
    Candidate,
    IntroRequest,
    Referral,
    Role,
    RoundupPreference,
    RoundupSettings,
)
from storage.types import IntroStatus, RoleStatus

HIRED_STATUS = "candidate.status"  # bot.services.changes.STATUS: storage may not import bot


def settings(s: Session, team_id: str) -> RoundupSettings | None:
    return s.scalar(select(RoundupSettings).where(RoundupSettings.team_id == team_id))


def all_settings(s: Session) -> Sequence[RoundupSettings]:
    """Every workspace that configured roundups or thank-yous (the schedulers' round)."""
    return s.scalars(select(RoundupSettings).order_by(RoundupSettings.id)).all()


def save_settings(s: Session, team_id: str, *, now: datetime, **values: object) -> None:
    found = settings(s, team_id)
    if found is None:
        found = RoundupSettings(team_id=team_id, channels=[], hour=10, updated_at=now)
        s.add(found)
    for name, value in values.items():
        setattr(found, name, value)
    found.updated_at = now
    s.flush()


def preference(s: Session, team_id: str, user_id: str) -> RoundupPreference | None:
    return s.scalar(
        select(RoundupPreference).where(
            RoundupPreference.team_id == team_id, RoundupPreference.user_id == user_id
        )
    )


def save_preference(
    s: Session, team_id: str, user_id: str, *, now: datetime, **values: object
) -> None:
    found = preference(s, team_id, user_id)
    if found is None:
        found = RoundupPreference(
            team_id=team_id, user_id=user_id, dm=False, unnamed=False, updated_at=now
        )
        s.add(found)
    for name, value in values.items():
        setattr(found, name, value)
    found.updated_at = now
    s.flush()


def subscribers(s: Session) -> Sequence[RoundupPreference]:
    """Everyone who asked for the weekly DM, every workspace."""
    return s.scalars(
        select(RoundupPreference)
        .where(RoundupPreference.dm.is_(True))
        .order_by(RoundupPreference.id)
    ).all()


def unnamed(s: Session, team_id: str) -> set[str]:
    """Who asked not to be named in thank-you posts."""
    return set(
        s.scalars(
            select(RoundupPreference.user_id).where(
                RoundupPreference.team_id == team_id, RoundupPreference.unnamed.is_(True)
            )
        )
    )


def open_roles(s: Session, team_id: str) -> Sequence[Role]:
    """Open roles, oldest first: a stable order, so a long roundup splits the same way twice."""
    return s.scalars(
        select(Role)
        .where(Role.team_id == team_id, Role.status == RoleStatus.OPEN)
        .order_by(Role.opened_at, Role.id)
    ).all()


def open_by_public_ids(s: Session, team_id: str, public_ids: Collection[str]) -> list[Role]:
    """Those of these roles still open, in the order given."""
    found = {
        r.public_id: r
        for r in s.scalars(
            select(Role).where(
                Role.team_id == team_id,
                Role.public_id.in_(list(public_ids)),
                Role.status == RoleStatus.OPEN,
            )
        )
    }
    return [found[p] for p in public_ids if p in found]


def opened_since(s: Session, team_id: str, since: datetime) -> Sequence[Role]:
    return s.scalars(
        select(Role)
        .where(
            Role.team_id == team_id,
            Role.status == RoleStatus.OPEN,
            Role.opened_at >= since,
        )
        .order_by(Role.opened_at, Role.id)
    ).all()


def referrals_made(s: Session, team_id: str, start: datetime, end: datetime) -> int:
    return int(
        s.scalar(
            select(func.count()).where(
                Referral.team_id == team_id,
                Referral.created_at >= start,
                Referral.created_at < end,
            )
        )
        or 0
    )


def intros_given(s: Session, team_id: str, start: datetime, end: datetime) -> int:
    """Introductions referrers accepted or made in the period."""
    return int(
        s.scalar(
            select(func.count()).where(
                IntroRequest.team_id == team_id,
                IntroRequest.status.in_([IntroStatus.ACCEPTED, IntroStatus.MADE]),
                IntroRequest.answered_at >= start,
                IntroRequest.answered_at < end,
            )
        )
        or 0
    )


def referred_hires(s: Session, team_id: str, start: datetime, end: datetime) -> int:
    """Referred candidates moved to hired in the period (each person once)."""
    changes = s.execute(
        select(AuditLog.subject, AuditLog.detail).where(
            AuditLog.team_id == team_id,
            AuditLog.action == HIRED_STATUS,
            AuditLog.created_at >= start,
            AuditLog.created_at < end,
        )
    ).all()
    hired = {
        subject.removeprefix("candidate:")
        for subject, detail in changes
        if (detail or {}).get("to") == "hired"
    }
    if not hired:
        return 0
    found = s.scalars(
        select(Candidate.id)
        .join(Referral, Referral.candidate_id == Candidate.id)
        .where(Candidate.team_id == team_id, Candidate.public_id.in_(hired))
        .distinct()
    ).all()
    return len(found)


def top_referrers(
    s: Session, team_id: str, start: datetime, end: datetime, *, leave_out: Collection[str]
) -> Sequence[tuple[str, int]]:
    """(referrer, referrals made in the period), most first, without those left out."""
    count = func.count()
    query = (
        select(Referral.referrer_id, count)
        .where(
            Referral.team_id == team_id,
            Referral.created_at >= start,
            Referral.created_at < end,
        )
        .group_by(Referral.referrer_id)
        .order_by(count.desc(), Referral.referrer_id)
    )
    if leave_out:
        query = query.where(Referral.referrer_id.not_in(list(leave_out)))
    return [(user, int(n)) for user, n in s.execute(query.limit(5)).all()]
