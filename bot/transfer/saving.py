"""People into the database, deduplicated against it and each other, a batch at a time."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.transfer import shapes
from bot.transfer.records import Counts, NoteIn, Person
from storage.db import Sessions
from storage.models import Candidate, Note
from storage.repositories import audit, candidates
from storage.types import CandidateSource, CandidateStatus, new_public_id


def save(
    sessions: Sessions, team_id: str, clock: Clock, rows: list[Person], counts: Counts
) -> None:
    """One batch in one transaction; retried when a concurrent referral took a contact first."""
    for attempt in range(3):
        try:
            with sessions.begin() as s:
                batch = _Batch(s, team_id, clock(), rows)
                for row in rows:
                    batch.add(row)
                batch.finish()
            counts.imported += batch.imported
            counts.merged += batch.merged
            return
        except IntegrityError:
            # The retry sees the other transaction's candidate and merges into it.
            if attempt == 2:
                raise


@dataclass
class _New:
    """A candidate this batch adds: inserted in bulk at the end, notes included."""

    public_id: str
    name: str
    email: str | None
    profile_url: str | None
    company: str | None
    headline: str | None
    tags: str
    status: CandidateStatus
    notes: list[NoteIn] = field(default_factory=list)


class _Batch:
    """The rows of one transaction, deduplicated against the database and each other.

    New candidates are gathered and inserted in bulk by ``finish`` (row by row, the ORM's unit
    of work costs more than all the rest of the import); merges change ORM objects, flushed at
    commit. One query first lists which of the batch's contacts the database holds, so
    find_duplicate runs only for rows that may be duplicates.
    """

    def __init__(self, s: Session, team_id: str, now: datetime, rows: list[Person]) -> None:
        self.s, self.team_id, self.now = s, team_id, now
        s.autoflush = False  # nothing to flush before a lookup: new rows wait for finish()
        self.new: list[_New] = []
        self.by_email: dict[str, Candidate | _New] = {}
        self.by_url: dict[str, Candidate | _New] = {}
        emails = {row.email for row in rows if row.email is not None}
        urls = {row.profile_url for row in rows if row.profile_url is not None}
        held = s.execute(
            select(Candidate.email, Candidate.profile_url).where(
                Candidate.team_id == team_id,
                or_(Candidate.email.in_(emails), Candidate.profile_url.in_(urls)),
            )
        ).all()
        self.stored_emails = {email for email, _ in held if email in emails}
        self.stored_urls = {url for _, url in held if url in urls}
        self.bodies: dict[int, set[str]] = {}  # id(candidate) -> note bodies this batch added
        self.imported = self.merged = 0

    def add(self, row: Person) -> None:
        found = self._find(row.email, row.profile_url)
        if found is None:
            found = _New(
                public_id=new_public_id(),
                name=row.name,
                email=row.email,
                profile_url=row.profile_url,
                company=row.company,
                headline=row.headline,
                tags=", ".join(row.tags),
                status=row.status,
            )
            self.new.append(found)
            self.imported += 1
        else:
            self._merge(found, row)
            self.merged += 1
        self._remember(found)
        for note in row.notes:
            self._add_note(found, note)

    def finish(self) -> None:
        """Insert the new candidates, then their notes (which need the candidates' ids)."""
        if not self.new:
            return
        now, team_id = self.now, self.team_id
        # Core, not the ORM's bulk insert: that one splits the executemany wherever the set of
        # NULL columns changes, which imported rows do every few rows.
        self.s.execute(
            insert(Candidate.__table__),
            [
                {
                    "public_id": new.public_id,
                    "team_id": team_id,
                    "name": new.name,
                    "email": new.email,
                    "profile_url": new.profile_url,
                    "headline": new.headline,
                    "company": new.company,
                    "tags": new.tags,
                    "source": CandidateSource.IMPORT,
                    "status": new.status,
                    "owner_id": None,
                    "consent": False,
                    "last_activity_at": now,
                    "created_at": now,
                    "archived_at": now if new.status == CandidateStatus.ARCHIVED else None,
                }
                for new in self.new
            ],
        )
        noted = [new for new in self.new if new.notes]
        if not noted:
            return
        ids = {
            public_id: id_
            for public_id, id_ in self.s.execute(
                select(Candidate.public_id, Candidate.id).where(
                    Candidate.public_id.in_([new.public_id for new in noted])
                )
            )
        }
        self.s.execute(
            insert(Note.__table__),
            [
                {
                    "team_id": team_id,
                    "candidate_id": ids[new.public_id],
                    "author_id": note.author,
                    "kind": note.kind,
                    "body": note.body,
                    "created_at": note.created_at or now,
                }
                for new in noted
                for note in new.notes
            ],
        )

    def _find(self, email: str | None, url: str | None) -> Candidate | _New | None:
        """Like find_duplicate (the email wins), over the database and this batch."""
        if email is not None and (mine := self.by_email.get(email)) is not None:
            return mine
        found = None
        if email in self.stored_emails or url in self.stored_urls:
            found = candidates.find_duplicate(self.s, self.team_id, email=email, profile_url=url)
        if found is not None and email is not None and found.email == email:
            return found
        if url is not None and (mine := self.by_url.get(url)) is not None:
            return mine
        return found

    def _merge(self, found: Candidate | _New, row: Person) -> None:
        # found has no email only if nobody has this one (_find looks emails up first).
        if found.email is None and row.email is not None:
            found.email = row.email
        if found.profile_url is None and row.profile_url is not None:
            owner = self.by_url.get(row.profile_url)
            if owner is None and row.profile_url in self.stored_urls:
                owner = candidates.find_duplicate(
                    self.s, self.team_id, email=None, profile_url=row.profile_url
                )
            if owner is None:  # else it is someone else's, matched by email to this one
                found.profile_url = row.profile_url
        found.company = found.company or row.company
        found.headline = found.headline or row.headline
        tags = ", ".join(shapes.tags([*found.tags.split(","), *row.tags]))
        if tags != found.tags:
            found.tags = tags

    def _remember(self, candidate: Candidate | _New) -> None:
        if candidate.email is not None:
            self.by_email[candidate.email] = candidate
        if candidate.profile_url is not None:
            self.by_url[candidate.profile_url] = candidate

    def _add_note(self, candidate: Candidate | _New, note: NoteIn) -> None:
        added = self.bodies.setdefault(id(candidate), set())
        if note.body in added:
            return
        added.add(note.body)
        if isinstance(candidate, _New):
            candidate.notes.append(note)
            return
        there = self.s.scalar(  # imported before?
            select(Note.id)
            .where(Note.candidate_id == candidate.id, Note.body == note.body)
            .limit(1)
        )
        if there is None:
            self.s.add(
                Note(
                    team_id=self.team_id,
                    candidate_id=candidate.id,
                    author_id=note.author,
                    kind=note.kind,
                    body=note.body,
                    created_at=note.created_at or self.now,
                )
            )


def audit_run(
    sessions: Sessions, team_id: str, clock: Clock, counts: Counts, *, aborted: bool
) -> None:
    """One audit line per run: counts only, never a name or an address."""
    with sessions.begin() as s:
        audit.record(
            s,
            team_id=team_id,
            actor_id=None,
            action="import",
            subject=f"team:{team_id}",
            at=clock(),
            imported=counts.imported,
            merged=counts.merged,
            skipped=len(counts.errors),
            **({"aborted": True} if aborted else {}),
        )
