"""Outreach: what was sent to a candidate, with which template variant, and whether they replied."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Outreach


def add(s: Session, outreach: Outreach) -> Outreach:
    s.add(outreach)
    s.flush()
    return outreach


def latest(s: Session, candidate_id: int) -> Outreach | None:
    return s.scalar(
        select(Outreach)
        .where(Outreach.candidate_id == candidate_id)
        .order_by(Outreach.created_at.desc(), Outreach.id.desc())
        .limit(1)
    )


def response_rates(s: Session, team_id: str) -> Sequence[tuple[str, int, int]]:
    """(variant, sent, replied) per template variant."""
    rows = s.execute(
        select(Outreach.variant, func.count(), func.count(Outreach.replied_at))
        .where(Outreach.team_id == team_id, Outreach.sent_at.is_not(None))
        .group_by(Outreach.variant)
        .order_by(Outreach.variant)
    ).all()
    return [(variant or "-", int(sent), int(replied)) for variant, sent, replied in rows]


def unanswered(s: Session, ids: Sequence[int]) -> set[int]:
    """Which of these outreach ids have no reply yet."""
    if not ids:
        return set()
    return set(
        s.scalars(select(Outreach.id).where(Outreach.id.in_(ids), Outreach.replied_at.is_(None)))
    )


def for_candidate(s: Session, candidate_id: int) -> Sequence[Outreach]:
    return s.scalars(
        select(Outreach).where(Outreach.candidate_id == candidate_id).order_by(Outreach.created_at)
    ).all()
