"""Aggregates for `/refbot stats`."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.models import AuditLog, Candidate, Outreach, Referral
from storage.types import CandidateStatus


def by_source(s: Session, team_id: str, since: datetime) -> Sequence[tuple[str, int, int]]:
    """(source, candidates, hired) for candidates created since `since`."""
    hired = func.sum(case((Candidate.status == CandidateStatus.HIRED, 1), else_=0))
    rows = s.execute(
        select(Candidate.source, func.count(), hired)
        .where(Candidate.team_id == team_id, Candidate.created_at >= since)
        .group_by(Candidate.source)
        .order_by(Candidate.source)
    ).all()
    return [(source.value, int(total), int(won or 0)) for source, total, won in rows]


def status_changes(s: Session, team_id: str, since: datetime) -> Sequence[AuditLog]:
    return s.scalars(
        select(AuditLog)
        .where(
            AuditLog.team_id == team_id,
            AuditLog.action == "candidate.status",
            AuditLog.created_at >= since,
        )
        .order_by(AuditLog.created_at, AuditLog.id)
    ).all()


def created_at_by_subject(s: Session, team_id: str, since: datetime) -> dict[str, datetime]:
    rows = s.execute(
        select(Candidate.public_id, Candidate.created_at).where(
            Candidate.team_id == team_id, Candidate.created_at >= since
        )
    ).all()
    return {f"candidate:{public_id}": created for public_id, created in rows}


def variants(s: Session, team_id: str, since: datetime) -> Sequence[tuple[str, int, int]]:
    """(variant, sent, replied) of outreach sent since `since`."""
    rows = s.execute(
        select(Outreach.variant, func.count(), func.count(Outreach.replied_at))
        .where(Outreach.team_id == team_id, Outreach.sent_at >= since)
        .group_by(Outreach.variant)
        .order_by(Outreach.variant)
    ).all()
    return [(variant or "-", int(sent), int(replied)) for variant, sent, replied in rows]


def top_referrers(
    s: Session, team_id: str, since: datetime, *, limit: int
) -> Sequence[tuple[str, int, int]]:
    """(referrer, hires, referrals), by hires then referrals."""
    hires = func.sum(case((Candidate.status == CandidateStatus.HIRED, 1), else_=0))
    rows = s.execute(
        select(Referral.referrer_id, hires, func.count())
        .join(Candidate, Candidate.id == Referral.candidate_id)
        .where(Referral.team_id == team_id, Referral.created_at >= since)
        .group_by(Referral.referrer_id)
        .order_by(hires.desc(), func.count().desc(), Referral.referrer_id)
        .limit(limit)
    ).all()
    return [(user, int(won or 0), int(total)) for user, won, total in rows]
