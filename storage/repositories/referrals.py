"""Referral queries."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from storage.models import IntroRequest, Referral
from storage.types import IntroStatus


def by_referrer(s: Session, team_id: str, referrer_id: str, *, limit: int) -> Sequence[Referral]:
    """The referrer's latest referrals with their candidate and role loaded."""
    return s.scalars(
        select(Referral)
        .where(Referral.team_id == team_id, Referral.referrer_id == referrer_id)
        .options(joinedload(Referral.candidate), joinedload(Referral.role))
        .order_by(Referral.created_at.desc(), Referral.id.desc())
        .limit(limit)
    ).all()


def for_candidate(s: Session, candidate_id: int) -> Sequence[Referral]:
    """A candidate's referrals, oldest first, roles loaded."""
    return s.scalars(
        select(Referral)
        .where(Referral.candidate_id == candidate_id)
        .options(joinedload(Referral.role))
        .order_by(Referral.created_at, Referral.id)
    ).all()


def credited_since(s: Session, candidate_id: int, since: datetime) -> Referral | None:
    """The referral holding credit for the candidate within the credit window, if any."""
    return s.scalar(
        select(Referral)
        .where(
            Referral.candidate_id == candidate_id,
            Referral.credited.is_(True),
            Referral.created_at >= since,
        )
        .limit(1)
    )


def add(s: Session, referral: Referral) -> Referral:
    s.add(referral)
    s.flush()
    return referral


def by_public_id(s: Session, team_id: str, public_id: str) -> Referral | None:
    return s.scalar(
        select(Referral)
        .where(Referral.team_id == team_id, Referral.public_id == public_id)
        .options(joinedload(Referral.candidate))
    )


def intro_by_public_id(s: Session, team_id: str, public_id: str) -> IntroRequest | None:
    return s.scalar(
        select(IntroRequest)
        .where(IntroRequest.team_id == team_id, IntroRequest.public_id == public_id)
        .options(joinedload(IntroRequest.candidate))
    )


def add_intro(s: Session, intro: IntroRequest) -> IntroRequest:
    s.add(intro)
    s.flush()
    return intro


def intros_waiting(s: Session, team_id: str, recruiter_id: str) -> int:
    """Introductions the recruiter asked for that have no answer yet."""
    return int(
        s.scalar(
            select(func.count()).where(
                IntroRequest.team_id == team_id,
                IntroRequest.recruiter_id == recruiter_id,
                IntroRequest.status == IntroStatus.REQUESTED,
            )
        )
        or 0
    )


def intros_for_candidate(s: Session, candidate_id: int) -> Sequence[IntroRequest]:
    return s.scalars(select(IntroRequest).where(IntroRequest.candidate_id == candidate_id)).all()
