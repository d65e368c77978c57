"""Referral queries."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from storage.models import Referral


def by_referrer(s: Session, team_id: str, referrer_id: str, *, limit: int) -> Sequence[Referral]:
    """The referrer's latest referrals with their candidate and role loaded."""
    return s.scalars(
        select(Referral)
        .where(Referral.team_id == team_id, Referral.referrer_id == referrer_id)
        .options(joinedload(Referral.candidate), joinedload(Referral.role))
        .order_by(Referral.created_at.desc(), Referral.id.desc())
        .limit(limit)
    ).all()
