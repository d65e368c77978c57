"""Sourcing sessions and what was added during them."""

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from storage.models import Referral, SourcingSession
from storage.types import SessionStatus


def add(s: Session, session: SourcingSession) -> SourcingSession:
    s.add(session)
    s.flush()
    return session


def by_public_id(s: Session, team_id: str, public_id: str) -> SourcingSession | None:
    return s.scalar(
        select(SourcingSession).where(
            SourcingSession.team_id == team_id, SourcingSession.public_id == public_id
        )
    )


def active_in(s: Session, team_id: str, channel_id: str, now: datetime) -> SourcingSession | None:
    """The channel's running session, if any (one at a time per channel)."""
    return s.scalar(
        select(SourcingSession)
        .where(
            SourcingSession.team_id == team_id,
            SourcingSession.channel_id == channel_id,
            SourcingSession.status == SessionStatus.RUNNING,
            SourcingSession.ends_at > now,
        )
        .order_by(SourcingSession.starts_at.desc())
        .limit(1)
    )


def running(s: Session, team_id: str, now: datetime) -> Sequence[SourcingSession]:
    return s.scalars(
        select(SourcingSession).where(
            SourcingSession.team_id == team_id,
            SourcingSession.status == SessionStatus.RUNNING,
            SourcingSession.ends_at > now,
        )
    ).all()


def contributions(s: Session, session_id: int) -> Sequence[Referral]:
    """Every referral made in the session, oldest first, candidates loaded."""
    return s.scalars(
        select(Referral)
        .where(Referral.session_id == session_id)
        .options(joinedload(Referral.candidate))
        .order_by(Referral.created_at, Referral.id)
    ).all()


def public_ids(s: Session, ids: Collection[int]) -> list[str]:
    """The public ids of these sessions (an erasure edits their summaries)."""
    if not ids:
        return []
    return list(
        s.scalars(select(SourcingSession.public_id).where(SourcingSession.id.in_(list(ids))))
    )
