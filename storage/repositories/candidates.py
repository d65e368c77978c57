"""Candidate queries."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, case, exists, func, or_, select
from sqlalchemy.orm import Session

from storage.models import Candidate, Note, Referral, Role
from storage.types import CandidateStatus

# What is left of a forgotten candidate's name: the row stays for counts and the audit trail.
REMOVED_NAME = "[removed]"


def find_duplicate(
    s: Session, team_id: str, *, email: str | None, profile_url: str | None
) -> Candidate | None:
    """The team's candidate with this normalized email or profile URL, if any."""
    matches: list[ColumnElement[bool]] = []
    # A None must not become "IS NULL": it would match every candidate without one.
    if email is not None:
        matches.append(Candidate.email == email)
    if profile_url is not None:
        matches.append(Candidate.profile_url == profile_url)
    if not matches:
        return None
    # Each side of the OR is a lookup in its (team_id, …) unique index.
    statement = select(Candidate).where(Candidate.team_id == team_id, or_(*matches)).limit(1)
    if len(matches) == 2:
        # Two people can match, one per side: the email, the stronger identity, wins.
        statement = statement.order_by(case((Candidate.email == email, 0), else_=1))
    return s.scalars(statement).first()


def by_public_id(s: Session, team_id: str, public_id: str) -> Candidate | None:
    return s.scalar(
        select(Candidate).where(Candidate.team_id == team_id, Candidate.public_id == public_id)
    )


def add(s: Session, candidate: Candidate) -> Candidate:
    s.add(candidate)
    s.flush()
    return candidate


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
