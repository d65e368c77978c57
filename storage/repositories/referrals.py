"""Referral queries."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session, joinedload

from storage.models import IntroRequest, Note, Outreach, Referral
from storage.types import IntroStatus, NoteKind, new_public_id


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
    return for_candidates(s, [candidate_id]).get(candidate_id, [])


def for_candidates(s: Session, candidate_ids: Sequence[int]) -> dict[int, list[Referral]]:
    """Many candidates' referrals in one query, each list oldest first, roles loaded."""
    found: dict[int, list[Referral]] = {}
    for referral in s.scalars(_FOR_CANDIDATES, {"ids": list(dict.fromkeys(candidate_ids))}):
        found.setdefault(referral.candidate_id, []).append(referral)
    return found


# Built once: every card and every duplicate referral reads them (building a select costs more
# than running it, benchmarks/ack_profile.py).
_FOR_CANDIDATES = (
    select(Referral)
    .where(Referral.candidate_id.in_(bindparam("ids", expanding=True)))
    .options(joinedload(Referral.role))
    .order_by(Referral.created_at, Referral.id)
)


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


# Built once, run with Core on the session's connection: see candidates.insert_new.
_INSERT = insert(Referral.__table__)


def insert_new(s: Session, **values: Any) -> str:
    """Insert a referral from column values; its public id."""
    public_id = new_public_id()
    s.connection().execute(_INSERT, {**values, "public_id": public_id})
    return public_id


def by_public_id(s: Session, team_id: str, public_id: str) -> Referral | None:
    return s.scalar(_BY_PUBLIC_ID, {"team_id": team_id, "public_id": public_id})


# Built once: every referrer's update looks its referral up (see for_candidates).
_BY_PUBLIC_ID = (
    select(Referral)
    .where(Referral.team_id == bindparam("team_id"), Referral.public_id == bindparam("public_id"))
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
    return s.scalars(_INTROS, {"candidate_id": candidate_id}).all()


# Built once, like the other reads of every card (see for_candidates).
_INTROS = select(IntroRequest).where(IntroRequest.candidate_id == bindparam("candidate_id"))


def intro_pending(s: Session, candidate_id: int, referrer_id: str) -> IntroRequest | None:
    """An introduction already asked of this referrer and not answered yet."""
    return s.scalar(
        select(IntroRequest)
        .where(
            IntroRequest.candidate_id == candidate_id,
            IntroRequest.referrer_id == referrer_id,
            IntroRequest.status == IntroStatus.REQUESTED,
        )
        .order_by(IntroRequest.id.desc())
        .limit(1)
    )


def referrer_notes(s: Session, candidate_id: int) -> Sequence[Note]:
    """Notes the candidate's referrers added by referring them again, oldest first."""
    return s.scalars(_REFERRER_NOTES, {"candidate_id": candidate_id}).all()


_REFERRER_NOTES = (
    select(Note)
    .join(
        Referral,
        (Referral.candidate_id == Note.candidate_id) & (Referral.referrer_id == Note.author_id),
    )
    .where(Note.candidate_id == bindparam("candidate_id"), Note.kind == NoteKind.NOTE)
    .order_by(Note.created_at, Note.id)
)


@dataclass(frozen=True)
class ContactFacts:
    """What is known about reaching a candidate, for deciding the next step."""

    lead: bool  # they don't know they were referred, and nobody has told them since
    awaiting_reply: bool  # the latest outreach has no reply yet
    introduced: bool = False  # a referrer accepted to introduce them (or says they did)


def contact_facts(s: Session, candidate_ids: Sequence[int]) -> dict[int, ContactFacts]:
    """The facts of many candidates in three queries (Home, search results, role pools)."""
    ids = list(dict.fromkeys(candidate_ids))
    if not ids:
        return {}
    # The first referrer who answered "do they know?" decides: a later referral never makes
    # a lead look like someone who already knows (it only says what that referrer did).
    first_answer: dict[int, bool] = {}
    for candidate_id, knows in s.execute(
        select(Referral.candidate_id, Referral.candidate_knows)
        .where(Referral.candidate_id.in_(ids), Referral.candidate_knows.is_not(None))
        .order_by(Referral.created_at, Referral.id)
    ):
        first_answer.setdefault(candidate_id, bool(knows))
    latest_replied: dict[int, bool] = {}
    for candidate_id, replied_at in s.execute(
        select(Outreach.candidate_id, Outreach.replied_at)
        .where(Outreach.candidate_id.in_(ids))
        .order_by(Outreach.created_at, Outreach.id)
    ):
        latest_replied[candidate_id] = replied_at is not None
    # An accepted introduction told them (the referrer makes it).
    introduced = set(
        s.scalars(
            select(IntroRequest.candidate_id).where(
                IntroRequest.candidate_id.in_(ids),
                IntroRequest.status.in_([IntroStatus.ACCEPTED, IntroStatus.MADE]),
            )
        )
    )
    return {i: facts_of(first_answer.get(i), latest_replied.get(i), i in introduced) for i in ids}


def facts_of(
    first_answer: bool | None, latest_replied: bool | None, introduced: bool
) -> ContactFacts:
    """`first_answer`: the first referrer's "do they know?" (None: nobody answered);
    `latest_replied`: whether the latest outreach has a reply (None: never contacted)."""
    return ContactFacts(
        lead=first_answer is False and latest_replied is None and not introduced,
        awaiting_reply=latest_replied is False,
        introduced=introduced,
    )


def latest_outreach_replied(s: Session, candidate_id: int) -> bool | None:
    """Whether the candidate's latest outreach has a reply (None: never contacted)."""
    replied = s.execute(_LATEST_OUTREACH, {"candidate_id": candidate_id}).first()
    return None if replied is None else replied.replied_at is not None


_LATEST_OUTREACH = (
    select(Outreach.replied_at)
    .where(Outreach.candidate_id == bindparam("candidate_id"))
    .order_by(Outreach.created_at.desc(), Outreach.id.desc())
    .limit(1)
)


def intros_waiting_for(
    s: Session, team_id: str, recruiter_id: str, *, limit: int
) -> Sequence[IntroRequest]:
    """Introductions the recruiter asked for that have no answer yet, oldest first."""
    return s.scalars(
        select(IntroRequest)
        .options(joinedload(IntroRequest.candidate))
        .where(
            IntroRequest.team_id == team_id,
            IntroRequest.recruiter_id == recruiter_id,
            IntroRequest.status == IntroStatus.REQUESTED,
        )
        .order_by(IntroRequest.created_at, IntroRequest.id)
        .limit(limit)
    ).all()
