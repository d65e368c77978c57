"""People into the database, deduplicated against it and each other, a batch at a time.

The rules, for operators:

- Every email and profile link of a person finds her: in the database (her own or one of her
  other contacts), earlier in the file, and in the same batch. An email match wins over a link
  match. Her first email and first link are primary (``candidates.email``, ``.profile_url``),
  the others are kept as her other contacts (``candidate_contacts``). A contact someone else
  holds stays theirs: that piece of the row is dropped, the rest kept.
- A shared inbox (jobs@, info@): when the person a row's email finds has profile links and
  another name, and the row has links too, none of them hers, the row is someone else. It is
  imported as its own person, by its links, without the emails others hold, and its line is
  reported in ``Counts.warnings`` (imported, not skipped).
- Status: a candidate held before the run keeps hers (the live pipeline wins). Of one person's
  rows in a run (Lever: one row per opportunity), the furthest ``Person.stage`` gives the status
  and its dates, across batches too; on a tie the first row's stands.
- Dates: ``created_at`` from the file (the earliest of her rows), else the import's clock.
  Archived and not-a-fit people are ``archived_at`` the file's date, else the import's clock:
  retention counts from it. ``hired_at`` has no column: it goes into the status history, the
  audit line ``candidate.status`` to hired, dated then, by nobody. ``last_activity_at`` is the
  latest of these dates.
- Snoozed: what a snooze made in Slack writes (a snooze note, a ``snooze_end`` delivery), for
  every recruiter of the workspace since nobody owns an imported person, at 09:00 in each one's
  zone on the file's date (a time of day given is kept), or in the workspace's default months
  when the file gives no date; a date already past comes back at the next sweep. With no
  recruiter yet she stays snoozed, listed by ``/refbot snoozed``. The summary counts each case.
- A bad value (a NUL byte, a value longer than its column) rejects its row, by line; the rest of
  the batch is kept. Should the database refuse a batch all the same, it is saved again row by
  row, and only the rows it refuses are rejected.
"""

import logging
import unicodedata
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.timecalc import in_months, on_date, zone
from bot.transfer import shapes
from bot.transfer.records import AUTHOR_MAX, IMPORT_AUTHOR, Counts, NoteIn, Person
from storage.db import Sessions
from storage.models import Candidate, CandidateContact, Note
from storage.repositories import audit, candidates, deliveries, forgotten, members, settings
from storage.types import (
    CandidateSource,
    CandidateStatus,
    ContactKind,
    DeliveryKind,
    NoteKind,
    new_public_id,
)

log = logging.getLogger(__name__)

EMAIL, URL = ContactKind.EMAIL, ContactKind.PROFILE_URL
DATED = (CandidateStatus.ARCHIVED, CandidateStatus.NOT_A_FIT)  # archived_at: since when
_COLUMNS = Candidate.__table__.c
LIMITS = (  # what the columns hold: a longer value would fail its whole batch
    ("name", _COLUMNS.name.type.length),
    ("email", _COLUMNS.email.type.length),
    ("profile URL", _COLUMNS.profile_url.type.length),
    ("company", _COLUMNS.company.type.length),
    ("headline", _COLUMNS.headline.type.length),
)
NUL = "a value holds a NUL byte"
REFUSED = "the database refused a value of this row"
FORGOTTEN = "forgotten at their request: refbot keeps them out"
SHARED_INBOX = (
    "shares an email with another person (another name and profile link): imported as "
    "someone else, without that email"
)
UNDATED_SNOOZE = "snoozed without a date: back in {months} months (the workspace default)"
PAST_SNOOZE = "snoozed until a date already past: back at the next sweep"
UNHEARD_SNOOZE = "snoozed with no recruiter to tell yet: they stay snoozed (/refbot snoozed)"


def save(
    sessions: Sessions,
    team_id: str,
    clock: Clock,
    rows: list[Person],
    counts: Counts,
    *,
    recruiters: Collection[str] = (),
) -> None:
    """One batch in one transaction; row by row, to keep the others, when the database refuses
    one of its rows that the checks let through. `recruiters`: REFBOT_RECRUITERS (``U…`` or
    ``T…:U…``), recruiters of the workspace even before refbot met them (snoozes tell them)."""
    pairs = (entry.rpartition(":") for entry in recruiters)
    mine = {user for team, _, user in pairs if team in ("", team_id)}
    good = []
    for row in rows:
        refusal = _refusal(row)
        if refusal is None:
            good.append(row)
        else:
            counts.errors.append((row.line, refusal))
    if good:  # someone forgotten at her request is not brought back by a file
        with sessions() as s:
            gone = forgotten.matching(
                s, team_id, [v for row in good for v in (*row.emails, *row.profile_urls)]
            )
        if gone:
            kept = []
            for row in good:
                if any(forgotten.digest(v) in gone for v in (*row.emails, *row.profile_urls)):
                    counts.errors.append((row.line, FORGOTTEN))
                else:
                    kept.append(row)
            good = kept
    if not good:
        return
    try:
        _save(sessions, team_id, clock, good, counts, mine)
    except (StatementError, ValueError):  # ValueError: a value no driver could bind
        for row in good:
            try:
                _save(sessions, team_id, clock, [row], counts, mine)
            except (StatementError, ValueError) as error:
                log.warning("import: line %d refused (%s)", row.line, type(error).__name__)
                counts.errors.append((row.line, REFUSED))


def notices(counts: Counts) -> tuple[str, ...]:
    """What saving decided for several rows, counted: "3 snoozed without a date: back in 6
    months (the workspace default)"."""
    return tuple(f"{n:,} {notice}" for notice, n in counts.notices.items())


def _save(
    sessions: Sessions,
    team_id: str,
    clock: Clock,
    rows: list[Person],
    counts: Counts,
    recruiters: set[str],
) -> None:
    """The batch in one transaction; retried when a concurrent referral took a contact first."""
    for attempt in range(3):
        try:
            with sessions.begin() as s:
                batch = _Batch(s, team_id, clock(), rows, counts.created, recruiters)
                for row in rows:
                    batch.add(row)
                batch.finish()
        except IntegrityError:
            # The retry sees the other transaction's candidate and merges into it.
            if attempt == 2:
                raise
            continue
        batch.settle(counts)  # only once committed: a failed attempt leaves no trace
        return


def _refusal(row: Person) -> str | None:
    """Why the database would refuse this row (and with it its batch), or None."""
    texts = [row.name, row.company, row.headline, row.snooze_note, *row.emails]
    texts += [*row.profile_urls, *row.tags, *(n.body for n in row.notes)]
    texts += [n.author for n in row.notes]
    # PostgreSQL's text types cannot hold NUL (SQLite can: one rule on both).
    if any(text is not None and "\x00" in text for text in texts):
        return NUL
    values = (
        (row.name,),
        row.emails,
        row.profile_urls,
        (row.company,),
        (row.headline,),
    )
    for (label, limit), given in zip(LIMITS, values, strict=True):
        if any(value is not None and len(value) > limit for value in given):
            return f"{label} longer than {limit:,} characters"
    if any(len(note.author) > AUTHOR_MAX for note in row.notes):
        return f"note author longer than {AUTHOR_MAX} characters"
    return None


@dataclass
class _New:
    """A candidate this batch adds: inserted in bulk at the end, notes and contacts included."""

    public_id: str
    name: str
    company: str | None
    headline: str | None
    tags: str
    status: CandidateStatus
    stage: int
    created_at: datetime | None
    archived_at: datetime | None
    hired_at: datetime | None
    snoozed_until: datetime | None
    snooze_note: str | None
    emails: list[str] = field(default_factory=list)  # the primary first
    urls: list[str] = field(default_factory=list)
    notes: list[NoteIn] = field(default_factory=list)

    def take(self, row: Person) -> None:
        """This row's status and its dates: it went further than the rows before."""
        self.status, self.stage = row.status, row.stage
        self.archived_at, self.hired_at = row.archived_at, row.hired_at or self.hired_at
        self.snoozed_until, self.snooze_note = row.snoozed_until, row.snooze_note


Someone = Candidate | _New


class _Batch:
    """The rows of one transaction, deduplicated against the database and each other.

    A few queries first load every candidate holding one of the batch's contacts, with all her
    contacts, so each row is matched in memory (no lookup per row). New candidates are gathered
    and inserted in bulk by ``finish`` (row by row, the ORM's unit of work costs more than all
    the rest of the import); merges change ORM objects, flushed at commit.
    """

    def __init__(
        self,
        s: Session,
        team_id: str,
        now: datetime,
        rows: list[Person],
        run: dict[str, int],
        configured: set[str],
    ) -> None:
        self.s, self.team_id, self.now, self.run = s, team_id, now, run
        self.configured = configured
        s.autoflush = False  # nothing to flush before a lookup: new rows wait for finish()
        self.new: list[_New] = []
        self.by: dict[ContactKind, dict[str, Someone]] = {EMAIL: {}, URL: {}}
        self.others: dict[int, list[str]] = {}  # a held candidate's other links, by id
        self.contacts: list[dict[str, object]] = []  # held candidates' new other contacts
        self.bodies: dict[int, set[str]] = {}  # id(candidate) -> note bodies this batch added
        self.created: dict[str, int] = {}  # the run's candidates whose stage this batch set
        self.warnings: list[tuple[int, str]] = []
        self.notices: Counter[str] = Counter()
        self.imported = self.merged = 0
        self._recruiters: list[tuple[str, str]] | None = None  # (user id, time zone)
        self._months = 6
        held = candidates.holding(
            s,
            team_id,
            emails={email for row in rows for email in row.emails},
            urls={url for row in rows for url in row.profile_urls},
        )
        by_id = {c.id: c for c in held}
        for c in held:
            self._hold(c, EMAIL, c.email)
            self._hold(c, URL, c.profile_url)
        for contact in candidates.other_contacts(s, list(by_id)):
            self._hold(by_id[contact.candidate_id], contact.kind, contact.value)
            if contact.kind == URL:
                self.others.setdefault(contact.candidate_id, []).append(contact.value)

    def add(self, row: Person) -> None:
        emails, urls = list(row.emails), list(row.profile_urls)
        found, kind = self._find(emails, urls)
        if found is not None and kind == EMAIL and self._strangers(found, row.name, urls):
            self.warnings.append((row.line, SHARED_INBOX))
            emails = [email for email in emails if email not in self.by[EMAIL]]
            found, kind = self._find([], urls)
        if found is None:
            found = self._new(row)
            self.imported += 1
        else:
            self.merged += 1
        for email in emails:
            self._give(found, EMAIL, email)
        for url in urls:
            self._give(found, URL, url)
        if kind is not None:
            self._merge(found, row)
        for note in row.notes:
            self._add_note(found, note)

    def finish(self) -> None:
        """Insert the new candidates, then what needs their ids: notes, other contacts,
        snoozes; and the other contacts that held candidates gained."""
        if self.new:
            self._insert_new()
        if self.contacts:
            self.s.execute(insert(CandidateContact.__table__), self.contacts)

    def settle(self, counts: Counts) -> None:
        """What the committed batch adds to the run's counts."""
        counts.imported += self.imported
        counts.merged += self.merged
        counts.warnings.extend(self.warnings)
        for notice, n in self.notices.items():
            counts.notices[notice] = counts.notices.get(notice, 0) + n
        counts.created.update(self.created)

    def _find(
        self, emails: list[str], urls: list[str]
    ) -> tuple[Someone | None, ContactKind | None]:
        """Who the row is: the person an email names, else the person a link names."""
        for email in emails:
            if (found := self.by[EMAIL].get(email)) is not None:
                return found, EMAIL
        for url in urls:
            if (found := self.by[URL].get(url)) is not None:
                return found, URL
        return None, None

    def _strangers(self, found: Someone, name: str, urls: list[str]) -> bool:
        """Whether a row found by email is someone else sharing that inbox: both have profile
        links, none in common, and their names differ."""
        if isinstance(found, _New):
            theirs = found.urls
        else:
            theirs = [found.profile_url] if found.profile_url else []
            theirs += self.others.get(found.id, [])
        return bool(
            urls and theirs and not set(urls) & set(theirs) and _name(name) != _name(found.name)
        )

    def _new(self, row: Person) -> _New:
        new = _New(
            public_id=new_public_id(),
            name=row.name,
            company=row.company,
            headline=row.headline,
            tags=", ".join(row.tags),
            status=row.status,
            stage=row.stage,
            created_at=row.created_at,
            archived_at=row.archived_at,
            hired_at=row.hired_at,
            snoozed_until=row.snoozed_until,
            snooze_note=row.snooze_note,
        )
        self.new.append(new)
        return new

    def _give(self, someone: Someone, kind: ContactKind, value: str) -> None:
        """Her primary contact of this kind if she has none, else one of her other contacts;
        nothing if she or someone else holds it already."""
        if value in self.by[kind]:
            return
        self.by[kind][value] = someone
        if isinstance(someone, _New):
            (someone.emails if kind == EMAIL else someone.urls).append(value)
            return
        column = "email" if kind == EMAIL else "profile_url"
        if getattr(someone, column) is None:
            setattr(someone, column, value)
            return
        if kind == URL:
            self.others.setdefault(someone.id, []).append(value)
        self.contacts.append(self._contact(someone.id, kind, value))

    def _merge(self, found: Someone, row: Person) -> None:
        found.company = found.company or row.company
        found.headline = found.headline or row.headline
        tags = ", ".join(shapes.tags([*found.tags.split(","), *row.tags]))
        if tags != found.tags:
            found.tags = tags
        if isinstance(found, _New):
            found.created_at = _earliest(found.created_at, row.created_at)
            if row.stage > found.stage:
                found.take(row)
            return
        stage = self.created.get(found.public_id, self.run.get(found.public_id))
        if stage is None:
            return  # held before this run: her dates and status stand
        if row.created_at is not None and row.created_at < found.created_at:
            found.created_at = row.created_at
        if row.stage > stage:
            self.created[found.public_id] = row.stage
            self._restate(found, row)

    def _restate(self, found: Candidate, row: Person) -> None:
        """A candidate an earlier batch of this run created takes a further row's status."""
        before, subject = found.status, f"candidate:{found.public_id}"
        found.status = row.status
        found.archived_at = (row.archived_at or self.now) if row.status in DATED else None
        found.last_activity_at = max(found.last_activity_at, _latest(row) or found.last_activity_at)
        if before == CandidateStatus.SNOOZED:
            deliveries.cancel_pending(
                self.s, team_id=self.team_id, subject=subject, kinds=(DeliveryKind.SNOOZE_END,)
            )
        if row.status == CandidateStatus.SNOOZED:
            self._snooze(found.id, found.public_id, row.snoozed_until, row.snooze_note)
        if row.status == CandidateStatus.HIRED and row.hired_at is not None:
            self._hired(found.public_id, row.hired_at)

    def _insert_new(self) -> None:
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
                    "email": new.emails[0] if new.emails else None,
                    "profile_url": new.urls[0] if new.urls else None,
                    "headline": new.headline,
                    "company": new.company,
                    "tags": new.tags,
                    "source": CandidateSource.IMPORT,
                    "status": new.status,
                    "owner_id": None,
                    "consent": False,
                    "last_activity_at": _latest(new) or now,
                    "created_at": new.created_at or now,
                    "archived_at": (new.archived_at or now) if new.status in DATED else None,
                }
                for new in self.new
            ],
        )
        self.created.update((new.public_id, new.stage) for new in self.new)
        snoozed = [new for new in self.new if new.status == CandidateStatus.SNOOZED]
        wanted = [
            new.public_id
            for new in self.new
            if new.notes
            or len(new.emails) > 1
            or len(new.urls) > 1
            or new.status == CandidateStatus.SNOOZED
        ]
        if wanted:
            ids = {
                public_id: id_
                for public_id, id_ in self.s.execute(
                    select(Candidate.public_id, Candidate.id).where(Candidate.public_id.in_(wanted))
                )
            }
            notes = [
                {
                    "team_id": team_id,
                    "candidate_id": ids[new.public_id],
                    "author_id": note.author,
                    "kind": note.kind,
                    "body": note.body,
                    "created_at": note.created_at or now,
                }
                for new in self.new
                for note in new.notes
            ]
            if notes:
                self.s.execute(insert(Note.__table__), notes)
            self.contacts += [
                self._contact(ids[new.public_id], kind, value)
                for new in self.new
                for kind, values in ((EMAIL, new.emails), (URL, new.urls))
                for value in values[1:]
            ]
            for new in snoozed:
                self._snooze(ids[new.public_id], new.public_id, new.snoozed_until, new.snooze_note)
        for new in self.new:
            if new.status == CandidateStatus.HIRED and new.hired_at is not None:
                self._hired(new.public_id, new.hired_at)

    def _contact(self, candidate_id: int, kind: ContactKind, value: str) -> dict[str, object]:
        return {
            "team_id": self.team_id,
            "candidate_id": candidate_id,
            "kind": kind,
            "value": value,
            "created_at": self.now,
        }

    def _snooze(
        self, candidate_id: int, public_id: str, until: datetime | None, note: str | None
    ) -> None:
        """What a snooze made in Slack writes (bot.services.snoozes): the note, shown when it
        ends, and its snooze_end delivery, here to each recruiter since nobody owns her."""
        self.s.flush()  # her notes from the file, a snooze note among them maybe
        held = select(Note).where(Note.candidate_id == candidate_id, Note.kind == NoteKind.SNOOZE)
        if note is not None:
            held = held.where(Note.body == note)
        # The file's own snooze note, when it has one (refbot's export does), else a new one.
        written = self.s.scalars(held.order_by(Note.created_at.desc(), Note.id.desc())).first()
        if written is None:
            written = Note(
                team_id=self.team_id,
                candidate_id=candidate_id,
                author_id=IMPORT_AUTHOR,
                kind=NoteKind.SNOOZE,
                body=note or "",
                created_at=self.now,
            )
            self.s.add(written)
            self.s.flush()
        recruiters = self._recruiters_to_tell()
        if until is None:
            self.notices[UNDATED_SNOOZE.format(months=self._months)] += 1
        elif until <= self.now:
            self.notices[PAST_SNOOZE] += 1
        if not recruiters:
            self.notices[UNHEARD_SNOOZE] += 1
        for recruiter, tz in recruiters:
            deliveries.add(
                self.s,
                team_id=self.team_id,
                kind=DeliveryKind.SNOOZE_END,
                subject=f"candidate:{public_id}",
                recipient=recruiter,
                due_at=self._snooze_due(until, tz),
                dedupe_key=f"snooze:{public_id}:{written.id}:{recruiter}",
                payload={"candidate": public_id, "note": written.id},
                now=self.now,
            )

    def _snooze_due(self, until: datetime | None, tz: str) -> datetime:
        if until is None:
            return in_months(self.now, self._months, tz)
        if until.utcoffset() == timedelta(0) and until.time() == time():
            until = on_date(until.date(), tz)  # a date alone: 09:00 there, as in Slack
        return max(until, self.now)  # already past: due now, sent by the next sweep

    def _recruiters_to_tell(self) -> list[tuple[str, str]]:
        """The workspace's recruiters and their time zones, and its default snooze: once."""
        if self._recruiters is None:
            found = settings.get(self.s, self.team_id)
            self._months = found.snooze_default_months
            fallback = zone(found.timezone, "UTC").key
            # As bot.services.members.people: once someone has a row, the row decides.
            known = {m.user_id for m in members.get_many(self.s, self.team_id, self.configured)}
            ids = {*members.recruiter_ids(self.s, self.team_id), *(self.configured - known)}
            tz = {m.user_id: m.tz for m in members.get_many(self.s, self.team_id, ids)}
            self._recruiters = sorted((user, zone(tz.get(user), fallback).key) for user in ids)
        return self._recruiters

    def _hired(self, public_id: str, at: datetime) -> None:
        """The status history's line for the file's hire date (bot.services.changes)."""
        audit.record(
            self.s,
            team_id=self.team_id,
            actor_id=None,
            action="candidate.status",
            subject=f"candidate:{public_id}",
            at=at,
            imported=True,
            **{"from": None, "to": CandidateStatus.HIRED.value},
        )

    def _hold(self, someone: Someone, kind: ContactKind, value: str | None) -> None:
        if value is not None:
            self.by[kind][value] = someone

    def _add_note(self, candidate: Someone, note: NoteIn) -> None:
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


def _latest(someone: Person | _New) -> datetime | None:
    """The latest date the file gives for this person."""
    dates = [d for d in (someone.created_at, someone.archived_at, someone.hired_at) if d]
    return max(dates) if dates else None


def _earliest(one: datetime | None, other: datetime | None) -> datetime | None:
    return min(one, other) if one is not None and other is not None else one or other


def _name(name: str) -> str:
    """A name compared loosely: case, accents and spacing aside."""
    text = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


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
