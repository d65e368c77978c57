"""Candidate queries."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session

from storage.models import (
    Candidate,
    CandidateContact,
    CandidateFile,
    IntroRequest,
    Note,
    Outreach,
    Referral,
    Role,
)
from storage.types import CandidateStatus, ContactKind, NoteKind, new_public_id

# What is left of a forgotten candidate's name: the row stays for counts and the audit trail.
REMOVED_NAME = "[removed]"


def find_duplicate(
    s: Session, team_id: str, *, email: str | None, profile_url: str | None, lock: bool = False
) -> Candidate | None:
    """The team's candidate with this normalized email or profile URL, if any: hers or one of
    her other contacts (`candidate_contacts`). An email match wins over a profile URL's, and
    her own contact over another she holds. `lock`: her row stays locked until the caller's
    transaction ends (PostgreSQL), so what it reads of her next is not decided twice at once."""
    # A None must not become "IS NULL": it would match every candidate without one.
    if email is None and profile_url is None:
        return None
    statement = _duplicate(email is not None, profile_url is not None, lock)
    return s.scalars(statement, _given(team_id=team_id, email=email, url=profile_url)).first()


def _given(**values: str | None) -> dict[str, str]:
    return {name: value for name, value in values.items() if value is not None}


# Built once per shape (email, link, or both), with bound parameters: every referral runs it,
# and building a select costs more than running it (benchmarks/ack_profile.py).
@cache
def _duplicate(by_email: bool, by_url: bool, lock: bool) -> Select[tuple[Candidate]]:
    """One statement: each way of matching is a lookup in its (team_id, …) unique index,
    ranked: her email, an email among her other contacts, her link, a link among them."""
    team = bindparam("team_id")
    ways: list[tuple[ContactKind, str, Any]] = []
    if by_email:
        ways.append((ContactKind.EMAIL, "email", Candidate.email))
    if by_url:
        ways.append((ContactKind.PROFILE_URL, "url", Candidate.profile_url))
    lookups: list[Select[Any]] = []
    for kind, name, column in ways:
        rank = len(lookups)
        lookups += [
            select(Candidate.id.label("id"), literal(rank).label("rank")).where(
                Candidate.team_id == team, column == bindparam(name)
            ),
            select(CandidateContact.candidate_id, literal(rank + 1)).where(
                CandidateContact.team_id == team, _contact(kind, bindparam(name))
            ),
        ]
    hits = union_all(*lookups).subquery()
    statement = select(Candidate).join(hits, hits.c.id == Candidate.id)
    statement = statement.order_by(hits.c.rank).limit(1)
    return statement.with_for_update(of=Candidate) if lock else statement


def _contact(kind: ContactKind, value: Any) -> ColumnElement[bool]:
    # (kind, value) after team_id: a lookup in the (team_id, kind, value) unique index.
    return and_(CandidateContact.kind == kind, CandidateContact.value == value)


def holding(
    s: Session, team_id: str, *, emails: Collection[str], urls: Collection[str]
) -> Sequence[Candidate]:
    """The team's candidates holding any of these emails or links, theirs or among their other
    contacts: an import's batch looks its contacts up at once, not row by row."""
    if not emails and not urls:
        return []
    # One lookup per column and kind, each in its unique index (an OR of two IN lists may
    # be planned as a scan of the team's candidates).
    lookups = []
    if emails:
        lookups += [
            select(Candidate.id).where(
                Candidate.team_id == team_id, Candidate.email.in_(list(emails))
            ),
            _holding_other(team_id, ContactKind.EMAIL, emails),
        ]
    if urls:
        lookups += [
            select(Candidate.id).where(
                Candidate.team_id == team_id, Candidate.profile_url.in_(list(urls))
            ),
            _holding_other(team_id, ContactKind.PROFILE_URL, urls),
        ]
    ids = set(s.scalars(union(*lookups)))
    if not ids:
        return []
    return s.scalars(select(Candidate).where(Candidate.id.in_(ids))).all()


def _holding_other(team_id: str, kind: ContactKind, values: Collection[str]) -> Select[tuple[int]]:
    return select(CandidateContact.candidate_id).where(
        CandidateContact.team_id == team_id,
        CandidateContact.kind == kind,
        CandidateContact.value.in_(list(values)),
    )


def other_contacts(s: Session, candidate_ids: Collection[int]) -> Sequence[CandidateContact]:
    """These candidates' other emails and links, oldest first."""
    if not candidate_ids:
        return []
    return s.scalars(
        select(CandidateContact)
        .where(CandidateContact.candidate_id.in_(list(candidate_ids)))
        .order_by(CandidateContact.id)
    ).all()


def forget_other_contacts(s: Session, candidate_id: int) -> None:
    """Erase a candidate's other emails and links (`/refbot forget`, retention)."""
    s.execute(delete(CandidateContact).where(CandidateContact.candidate_id == candidate_id))


def by_public_id(s: Session, team_id: str, public_id: str) -> Candidate | None:
    return s.scalar(_BY_PUBLIC_ID, {"team_id": team_id, "public_id": public_id})


# Built once: every card, click and decision looks its candidate up (building a select costs
# more than running it, benchmarks/ack_profile.py --dispatch).
_BY_PUBLIC_ID = select(Candidate).where(
    Candidate.team_id == bindparam("team_id"), Candidate.public_id == bindparam("public_id")
)


@dataclass(frozen=True)
class Holdings:
    """Which of a candidate's optional parts exist: a card reads only those (most cards are
    of people just referred, who have none)."""

    intros: bool
    outreach: bool
    notes: bool
    files: bool


def for_card(s: Session, team_id: str, public_id: str) -> tuple[Candidate, Holdings] | None:
    """The candidate, and which of her optional parts exist, in one statement."""
    row = s.execute(_FOR_CARD, {"team_id": team_id, "public_id": public_id}).first()
    if row is None:
        return None
    candidate, *held = row
    return candidate, Holdings(*map(bool, held))


def _has(model: type[IntroRequest | Outreach | Note | CandidateFile], *where: Any) -> Any:
    return exists().where(model.candidate_id == Candidate.id, *where)


_FOR_CARD = select(
    Candidate,
    _has(IntroRequest),
    _has(Outreach),
    _has(Note, Note.kind == NoteKind.NOTE),
    _has(CandidateFile),
).where(Candidate.team_id == bindparam("team_id"), Candidate.public_id == bindparam("public_id"))


def add(s: Session, candidate: Candidate) -> Candidate:
    s.add(candidate)
    s.flush()
    return candidate


# A Core statement built once: a referral's hot path inserts with it, with no ORM unit of work
# and its compiled form cached (benchmarks/ack_profile.py).
_INSERT = insert(Candidate.__table__).returning(Candidate.__table__.c.id)


def insert_new(s: Session, **values: Any) -> tuple[int, str]:
    """Insert a candidate from column values (defaults for the rest); its id and public id."""
    public_id = new_public_id()
    found = s.connection().execute(_INSERT, {**values, "public_id": public_id}).scalar_one()
    return int(found), public_id


def notes(s: Session, candidate_id: int) -> Sequence[Note]:
    """The candidate's notes, oldest first."""
    return s.scalars(
        select(Note).where(Note.candidate_id == candidate_id).order_by(Note.created_at, Note.id)
    ).all()


def add_note(s: Session, note: Note) -> Note:
    s.add(note)
    s.flush()
    return note


def note_by_id(s: Session, note_id: int) -> Note | None:
    return s.get(Note, note_id)


def count_new(s: Session, team_id: str) -> int:
    """Candidates nobody has reviewed yet."""
    return int(
        s.scalar(
            select(func.count()).where(
                Candidate.team_id == team_id, Candidate.status == CandidateStatus.NEW
            )
        )
        or 0
    )


def by_public_ids(s: Session, team_id: str, public_ids: Sequence[str]) -> dict[str, Candidate]:
    found = s.scalars(
        select(Candidate).where(Candidate.team_id == team_id, Candidate.public_id.in_(public_ids))
    )
    return {c.public_id: c for c in found}


def ids_by_status(s: Session, team_id: str, statuses: Sequence[str], *, limit: int) -> list[int]:
    """Ids of the team's candidates in these statuses, most recently active first (`/refbot
    find status:snoozed` with no words: a filter alone is a list, not a search)."""
    return list(
        s.scalars(
            select(Candidate.id)
            .where(Candidate.team_id == team_id, Candidate.status.in_(list(statuses)))
            .order_by(Candidate.last_activity_at.desc(), Candidate.id.desc())
            .limit(limit)
        )
    )


def newest_unreviewed(s: Session, team_id: str, *, limit: int) -> Sequence[Candidate]:
    return s.scalars(
        select(Candidate)
        .where(Candidate.team_id == team_id, Candidate.status == CandidateStatus.NEW)
        .order_by(Candidate.created_at.desc(), Candidate.id.desc())
        .limit(limit)
    ).all()


def pooled_for_role(s: Session, role_id: int) -> Sequence[Candidate]:
    """Candidates referred for a role (its pool while it was upcoming)."""
    return s.scalars(
        select(Candidate)
        .join(Referral, Referral.candidate_id == Candidate.id)
        .where(Referral.role_id == role_id)
        .distinct()
        .order_by(Candidate.created_at)
    ).all()


def resting_matching(
    s: Session, team_id: str, words: Sequence[str], *, limit: int
) -> Sequence[Candidate]:
    """Snoozed and archived candidates whose headline, company, tags or notes mention any word."""
    if not words:
        return []
    matches = []
    for word in words:
        pattern = f"%{word}%"
        matches += [
            func.lower(Candidate.headline).like(pattern),
            func.lower(Candidate.company).like(pattern),
            func.lower(Candidate.tags).like(pattern),
            exists().where(Note.candidate_id == Candidate.id, func.lower(Note.body).like(pattern)),
        ]
    return s.scalars(
        select(Candidate)
        .where(
            Candidate.team_id == team_id,
            Candidate.status.in_([CandidateStatus.SNOOZED, CandidateStatus.ARCHIVED]),
            or_(*matches),
        )
        .order_by(Candidate.last_activity_at.desc())
        .limit(limit)
    ).all()


def teams_with_archived(s: Session) -> list[str]:
    """Workspaces holding archived candidates not yet erased (retention's worklist)."""
    return list(
        s.scalars(
            select(Candidate.team_id)
            .where(Candidate.status == CandidateStatus.ARCHIVED, Candidate.name != REMOVED_NAME)
            .distinct()
        )
    )


def archived_before(
    s: Session, team_id: str, before: datetime, *, limit: int
) -> Sequence[Candidate]:
    """One workspace's archived candidates untouched since `before`, oldest first."""
    return s.scalars(
        select(Candidate)
        .where(
            Candidate.team_id == team_id,
            Candidate.status == CandidateStatus.ARCHIVED,
            Candidate.archived_at < before,
            Candidate.name != REMOVED_NAME,
        )
        .order_by(Candidate.archived_at, Candidate.id)
        .limit(limit)
    ).all()


def by_ids(s: Session, ids: Sequence[int]) -> dict[int, Candidate]:
    return {c.id: c for c in s.scalars(select(Candidate).where(Candidate.id.in_(ids)))}


def _theirs(recruiter_id: str) -> ColumnElement[bool]:
    """A recruiter's candidates: those they own, and those nobody owns yet (a general referral
    goes to every recruiter until one takes it)."""
    return or_(Candidate.owner_id == recruiter_id, Candidate.owner_id.is_(None))


def unreviewed_for(
    s: Session, team_id: str, recruiter_id: str, *, limit: int
) -> Sequence[Candidate]:
    """A recruiter's candidates nobody has reviewed yet, newest first."""
    return s.scalars(
        select(Candidate)
        .where(
            Candidate.team_id == team_id,
            Candidate.status == CandidateStatus.NEW,
            _theirs(recruiter_id),
        )
        .order_by(Candidate.created_at.desc(), Candidate.id.desc())
        .limit(limit)
    ).all()


IN_PROCESS = (
    CandidateStatus.NEW,
    CandidateStatus.REVIEWING,
    CandidateStatus.CONTACTED,
    CandidateStatus.INTERVIEWING,
)


def for_manager(
    s: Session, team_id: str, manager_id: str, *, limit: int
) -> Sequence[tuple[Candidate, Role]]:
    """Candidates in process for the roles this person is hiring manager of, newest first,
    each with the (first) role of theirs the person was referred to."""
    rows = s.execute(
        select(Candidate, Role)
        .join(Referral, Referral.candidate_id == Candidate.id)
        .join(Role, Role.id == Referral.role_id)
        .where(
            Candidate.team_id == team_id,
            Role.hiring_manager_id == manager_id,
            Candidate.status.in_(IN_PROCESS),
        )
        .order_by(Candidate.created_at.desc(), Candidate.id.desc(), Referral.id)
    ).all()
    seen: dict[int, tuple[Candidate, Role]] = {}
    for candidate, role in rows:
        seen.setdefault(candidate.id, (candidate, role))
        if len(seen) >= limit:
            break
    return list(seen.values())
