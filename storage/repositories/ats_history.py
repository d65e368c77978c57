"""Rediscovery of the ATS's past candidates (bot.services.ats_history): who of a page refbot
holds already, the page's new people in bulk, and where the next pull starts."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from storage.models import AtsCursor, AtsLink, Candidate, CandidateContact, Delivery
from storage.types import AtsKind, DeliveryKind, DeliveryStatus

RESOURCE = "history"  # ats_cursors.resource of the rediscovery pull
PULLED = "pulled"  # ats_links.outcome of a candidate a rediscovery pull created
EXISTING = "existing"  # ... of one refbot held already (the ATS knew her too)


def cursor(s: Session, team_id: str, ats: AtsKind) -> AtsCursor | None:
    """Where the next pull starts (position) and when the last one finished (updated_at)."""
    return s.scalar(
        select(AtsCursor).where(
            AtsCursor.team_id == team_id, AtsCursor.ats == ats, AtsCursor.resource == RESOURCE
        )
    )


def finish(s: Session, team_id: str, ats: AtsKind, *, position: datetime, now: datetime) -> None:
    """A pull ended: the next one starts at `position` (never moved back) and is a new run."""
    found = cursor(s, team_id, ats)
    if found is None:
        s.add(
            AtsCursor(
                team_id=team_id, ats=ats, resource=RESOURCE, position=position, updated_at=now
            )
        )
    else:
        found.position = max(found.position, position)
        found.updated_at = now
    s.flush()


def running(s: Session, team_id: str) -> bool:
    """Whether a page of a pull waits or is being read (a new pull would double it)."""
    return (
        s.scalar(
            select(func.count()).where(
                Delivery.team_id == team_id,
                Delivery.kind == DeliveryKind.ATS_HISTORY,
                Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)),
            )
        )
        or 0
    ) > 0


def links(
    s: Session, team_id: str, ats: AtsKind, ats_ids: Collection[str]
) -> dict[str, tuple[int, str]]:
    """ATS person id -> (candidate id, link outcome) for the page's people refbot links."""
    if not ats_ids:
        return {}
    rows = s.execute(
        select(AtsLink.ats_candidate_id, AtsLink.candidate_id, AtsLink.outcome).where(
            AtsLink.team_id == team_id,
            AtsLink.ats == ats,
            AtsLink.ats_candidate_id.in_(list(ats_ids)),
        )
    )
    return {ats_id: (candidate_id, outcome) for ats_id, candidate_id, outcome in rows}


def linked_to_ats(s: Session, ats: AtsKind, candidate_ids: Collection[int]) -> set[int]:
    """Which of these candidates already have a link to this ATS (one link each)."""
    if not candidate_ids:
        return set()
    return set(
        s.scalars(
            select(AtsLink.candidate_id).where(
                AtsLink.ats == ats, AtsLink.candidate_id.in_(list(candidate_ids))
            )
        )
    )


def insert_candidates(s: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """New candidates in one executemany (the index triggers run per row); public id -> id."""
    if not rows:
        return {}
    s.execute(insert(Candidate.__table__), list(rows))
    wanted = [row["public_id"] for row in rows]
    found = s.execute(
        select(Candidate.public_id, Candidate.id).where(Candidate.public_id.in_(wanted))
    )
    return {public_id: id_ for public_id, id_ in found}


def insert_links(s: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        s.execute(insert(AtsLink.__table__), list(rows))


def insert_contacts(s: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        s.execute(insert(CandidateContact.__table__), list(rows))


def by_ids(s: Session, ids: Collection[int]) -> dict[int, Candidate]:
    if not ids:
        return {}
    return {c.id: c for c in s.scalars(select(Candidate).where(Candidate.id.in_(list(ids))))}
