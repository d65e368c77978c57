"""Candidates in and out: ATS exports (Lever, Greenhouse, refbot's own) imported with dedupe,
and everything a team holds exported as CSV or JSON (DESIGN §3, §8). Pure domain and storage.

Import rules, for operators:

- Columns are found by header, case-insensitively, with the aliases in ``_ALIASES``; other
  columns are ignored. A name (or first and last name) column and an email or profile URL column
  are required. Comma, semicolon and tab separated files are recognised by their header line.
- A row needs a name and at least one valid email or profile URL; otherwise it is skipped and
  reported with its line number. Cells holding several emails or links (Lever's "Links") give the
  first valid email and the first LinkedIn profile (else the first valid link).
- Status: a refbot status (``new``, ``snoozed``…) is kept as is; anything hired-like becomes
  ``hired``, rejected-like ``not_a_fit``, everything else, blank included, ``archived``: people
  from an ATS are a rediscovery pool, not referrals awaiting review. Lever's "Archive Reason",
  when filled, decides before the stage.
- Duplicates (by normalized email or profile URL, against the database and within the file) are
  merged into the existing candidate, never added twice: missing email, profile URL, company and
  headline are filled in, tags united, and the note added unless that exact note is there. Name
  and status of an existing candidate are never changed: the live pipeline wins.
- Rows commit in batches of ``BATCH``, so re-running a file after a failure completes it;
  re-running a file that was imported changes nothing.
"""

import csv
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, Protocol

from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import contacts
from bot.clock import Clock
from bot.user_input import has_nul
from storage.db import Sessions
from storage.models import Candidate, Member, Note, Outreach, Referral, Role
from storage.repositories import audit, candidates
from storage.types import CandidateSource, CandidateStatus, NoteKind, new_public_id

BATCH = 500  # rows per transaction: bounded memory, and short locks for the live bot
IMPORT_AUTHOR = "import"  # Note.author_id of imported notes
TEXT_MAX = 200  # candidates.company and .headline are String(200)
IMPORT_NOTE_MAX = 10_000  # ATS notes run longer than the modal's 2000; still bounded
_AUTHOR_MAX = 32  # Note.author_id is a SlackId, String(32)

# Normalized header (casefolded, punctuation as single spaces) -> field; first alias wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "candidate name", "candidate", "contact name"),
    "first_name": ("first name", "firstname", "given name", "candidate first name"),
    "last_name": ("last name", "lastname", "surname", "family name", "candidate last name"),
    "email": (
        *("email", "email address", "emails", "email addresses", "e mail", "primary email"),
        *("personal email", "candidate email", "work email"),
    ),
    "profile_url": (
        *("profile url", "profile", "linkedin", "linkedin url", "linkedin profile"),
        *("linkedin profile url", "links", "link", "social media", "social media links"),
        *("social profiles", "website", "websites", "personal website", "portfolio", "github"),
        "url",
    ),
    "company": (
        *("company", "current company", "company name", "current employer", "employer"),
        *("organization", "organisation"),
    ),
    "headline": ("headline", "current title", "title", "job title", "current job title"),
    "tags": ("tags", "tag", "candidate tags", "labels"),
    "status": (
        *("status", "candidate status", "application status", "stage", "current stage"),
        "pipeline stage",
    ),
    "archive_reason": ("archive reason", "archived reason"),
    "notes": ("notes", "note", "comments", "comment"),
    "notes_json": ("notes json",),  # refbot's own export: every note, kinds and authors kept
}
_HIRED = ("hired", "hire", "offer accepted", "accepted offer")
_NOT_A_FIT = (
    *("reject", "not a fit", "unqualified", "underqualified", "overqualified", "disqualif"),
    *("not qualified", "no fit"),
)
_STATUSES = frozenset(status.value for status in CandidateStatus)
_NOTE_KINDS = frozenset(kind.value for kind in NoteKind)
_SEPARATOR = re.compile(r"[\W_]+")
_EMAILS_SPLIT = re.compile(r"[\s,;]+")
_LINKS_SPLIT = re.compile(r"[\s;]+")  # a URL has no whitespace; a bare comma may be in it
_TAGS_SPLIT = re.compile(r"[,;]")
# A cell starting with one of these is a formula to Excel and LibreOffice (OWASP "CSV
# injection"): the export prefixes a quote, which the import removes again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    *("name", "email", "profile_url", "company", "headline", "tags", "status", "notes"),
    *("public_id", "source", "owner_id", "consent", "created_at", "last_activity_at"),
    *("archived_at", "referrals_json", "notes_json", "outreach_json"),
)


class ImportFileError(Exception):
    """The file cannot be read as a candidate CSV; the message says why, in one line."""


@dataclass(frozen=True)
class ImportReport:
    imported: int  # new candidates
    merged: int  # rows that joined a candidate already held (or met earlier in the file)
    skipped: int
    errors: list[tuple[int, str]]  # (line number in the file, reason), for skipped rows

    def summary(self) -> str:
        """One line, e.g. ``imported 9,812, merged 120, skipped 3 (see errors)``."""
        line = f"imported {self.imported:,}, merged {self.merged:,}, skipped {self.skipped:,}"
        return f"{line} (see errors)" if self.errors else line


@dataclass(frozen=True)
class _NoteIn:
    kind: NoteKind
    body: str
    author: str
    created_at: datetime | None  # None: stamped with the import's clock


@dataclass(frozen=True)
class _Row:
    name: str
    email: str | None
    profile_url: str | None
    company: str | None
    headline: str | None
    tags: tuple[str, ...]
    status: CandidateStatus
    notes: tuple[_NoteIn, ...]


class _Skip(Exception):
    """This row is skipped; the message is the reason shown to the operator."""


@dataclass
class _Counts:
    imported: int = 0
    merged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    rows: int = 0


def import_csv(
    sessions: Sessions,
    path: Path,
    *,
    team_id: str,
    clock: Clock,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import candidates from a CSV file, merging duplicates; ImportFileError if unreadable."""
    counts = _Counts()
    try:
        with _lines(path) as lines:
            header_line = next(lines, None)
            if header_line is None:
                raise ImportFileError("the file is empty")
            reader = csv.reader(itertools.chain([header_line], lines), _dialect(header_line))
            columns = _columns(next(reader))
            records = _records(reader)
            while chunk := list(itertools.islice(records, BATCH)):
                parsed: list[_Row] = []
                for line, values in chunk:
                    try:
                        parsed.append(_parse(values, columns))
                    except _Skip as skip:
                        counts.errors.append((line, str(skip)))
                _save(sessions, team_id, clock, parsed, counts)
                counts.rows += len(chunk)
                if progress is not None:
                    progress(counts.rows)
    except ImportFileError:
        if counts.rows:
            _audit(sessions, team_id, clock, counts, aborted=True)  # earlier batches are in
        raise
    _audit(sessions, team_id, clock, counts, aborted=False)
    return ImportReport(counts.imported, counts.merged, len(counts.errors), counts.errors)


@contextmanager
def _lines(path: Path) -> Iterator[Iterator[str]]:
    """The file's lines, decoded one by one so that a bad byte is reported on its own line."""
    try:
        file = path.open("rb")
    except OSError as error:
        raise ImportFileError(error.strerror or str(error)) from error
    with file:
        yield _decoded(file)


def _decoded(file: BinaryIO) -> Iterator[str]:
    try:
        for number, raw in enumerate(file, start=1):
            try:
                # utf-8-sig on the first line only: Excel's byte-order mark.
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise ImportFileError(f"line {number}: not UTF-8 text; save as UTF-8") from error
    except OSError as error:
        raise ImportFileError(error.strerror or str(error)) from error


class _Semicolon(csv.excel):
    delimiter = ";"


class _Reader(Protocol):
    line_num: int

    def __next__(self) -> list[str]: ...


def _dialect(header_line: str) -> type[csv.Dialect]:
    """Excel's dialect, with ';' (European Excel) or tabs when the header uses no comma."""
    if "," in header_line:
        return csv.excel
    if ";" in header_line:
        return _Semicolon
    return csv.excel_tab if "\t" in header_line else csv.excel


def _records(reader: _Reader) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank record with the line it starts on (a quoted note may span lines)."""
    while True:
        # Blank lines come out as empty records, so line_num + 1 is where the next one starts.
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFileError(f"line {start}: {error}") from error
        if any(value.strip() for value in values):
            yield start, values


def _key(header: str) -> str:
    return _SEPARATOR.sub(" ", header.casefold()).strip()


def _columns(header: list[str]) -> dict[str, list[int]]:
    """Each field's column indexes, most specific alias first."""
    keys = [_key(h) for h in header]
    columns = {
        name: [i for alias in aliases for i, key in enumerate(keys) if key == alias]
        for name, aliases in _ALIASES.items()
    }
    if not (columns["name"] or columns["first_name"] or columns["last_name"]):
        raise ImportFileError("no name column (name, or first name and last name)")
    if not (columns["email"] or columns["profile_url"]):
        raise ImportFileError("no email or profile URL column (email, linkedin, links…)")
    return columns


def _cells(values: list[str], indexes: list[int]) -> list[str]:
    """The non-blank cells of these columns, stripped and unescaped, in column priority."""
    cells = (_unescape(values[i]).strip() for i in indexes if i < len(values))
    return [cell for cell in cells if cell]


def _cell(values: list[str], indexes: list[int]) -> str | None:
    return next(iter(_cells(values, indexes)), None)


def _parse(values: list[str], columns: dict[str, list[int]]) -> _Row:
    """One record as a clean row; _Skip with the reason when it can't be imported."""
    if any(has_nul(value) for value in values):
        # PostgreSQL refuses NUL in text: one such cell would fail (and roll back) the batch.
        raise _Skip("contains a NUL character (a binary or UTF-16 file?)")
    name = _cell(values, columns["name"]) or " ".join(
        part
        for part in (_cell(values, columns["first_name"]), _cell(values, columns["last_name"]))
        if part
    )
    try:
        name = contacts.clean_name(name)
    except contacts.ContactError as error:
        raise _Skip("missing name" if error.code == "required" else "name too long") from error
    email = _email(_cells(values, columns["email"]))
    profile_url = _profile_url(_cells(values, columns["profile_url"]))
    if email is None and profile_url is None:
        raise _Skip("no email or profile URL")
    status = _status(_cell(values, columns["status"]), _cell(values, columns["archive_reason"]))
    notes_json = _cell(values, columns["notes_json"])
    notes = _notes_json(notes_json) if notes_json else _note(_cell(values, columns["notes"]))
    return _Row(
        name=name,
        email=email,
        profile_url=profile_url,
        company=_bounded(_cell(values, columns["company"])),
        headline=_bounded(_cell(values, columns["headline"])),
        tags=_tags(
            tag for cell in _cells(values, columns["tags"]) for tag in _TAGS_SPLIT.split(cell)
        ),
        status=status,
        notes=notes,
    )


def _pieces(cells: list[str], split: re.Pattern[str]) -> list[str]:
    return [p.strip(",") for cell in cells for p in split.split(cell) if p.strip(",")]


def _email(cells: list[str]) -> str | None:
    """The first valid address among the cells' pieces; _Skip when none of them is valid."""
    pieces = _pieces(cells, _EMAILS_SPLIT)
    for piece in pieces:
        try:
            return contacts.normalize_email(piece)
        except contacts.ContactError:
            continue
    if pieces:
        raise _Skip("invalid email")
    return None


def _profile_url(cells: list[str]) -> str | None:
    """The first LinkedIn profile among the links, else the first valid link."""
    valid: list[str] = []
    first_error: contacts.ContactError | None = None
    for piece in _pieces(cells, _LINKS_SPLIT):
        try:
            valid.append(contacts.normalize_profile_url(piece))
        except contacts.ContactError as error:
            first_error = first_error or error
    if valid:
        return next((url for url in valid if url.startswith("https://linkedin.com/in/")), valid[0])
    if first_error is not None:
        too_long = first_error.code == "too_long"
        raise _Skip("profile URL too long" if too_long else "invalid profile URL")
    return None


def _status(status: str | None, archive_reason: str | None) -> CandidateStatus:
    """See the module docstring: refbot's own statuses kept, else hired, not a fit or archived."""
    for value in (archive_reason, status):
        if not value:
            continue
        text = " ".join(_SEPARATOR.sub(" ", value.casefold()).split())
        if (own := text.replace(" ", "_")) in _STATUSES:
            return CandidateStatus(own)
        if text in _HIRED or text.startswith("hired"):
            return CandidateStatus.HIRED
        if any(word in text for word in _NOT_A_FIT):
            return CandidateStatus.NOT_A_FIT
        return CandidateStatus.ARCHIVED
    return CandidateStatus.ARCHIVED


def _bounded(text: str | None, limit: int = TEXT_MAX) -> str | None:
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tags(raw: Iterable[str]) -> tuple[str, ...]:
    """Tags stripped and deduplicated case-insensitively, first spelling kept."""
    seen: dict[str, str] = {}
    for tag in raw:
        tag = " ".join(tag.split())
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return tuple(seen.values())


def _note(body: str | None) -> tuple[_NoteIn, ...]:
    if not body or not body.strip():
        return ()
    body = body if len(body) <= IMPORT_NOTE_MAX else body[: IMPORT_NOTE_MAX - 1] + "…"
    return (_NoteIn(NoteKind.NOTE, body, IMPORT_AUTHOR, None),)


def _notes_json(text: str) -> tuple[_NoteIn, ...]:
    """The notes of refbot's CSV export, kinds, authors and dates kept."""
    try:
        items = json.loads(text)
    except ValueError as error:
        raise _Skip("notes_json is not valid JSON") from error
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _Skip("notes_json is not a list of notes")
    if any(has_nul(str(value)) for item in items for value in item.values()):  # "\u0000"
        raise _Skip("notes_json contains a NUL character")
    notes = []
    for item in items:
        for note in _note(str(item.get("body") or "")):
            kind = str(item.get("kind"))
            author = str(item.get("author") or IMPORT_AUTHOR)[:_AUTHOR_MAX]
            notes.append(
                _NoteIn(
                    kind=NoteKind(kind) if kind in _NOTE_KINDS else NoteKind.NOTE,
                    body=note.body,
                    author=author,
                    created_at=_instant(item.get("created_at")),
                )
            )
    return tuple(notes)


def _instant(value: Any) -> datetime | None:
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


def _save(
    sessions: Sessions, team_id: str, clock: Clock, rows: list[_Row], counts: _Counts
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
    notes: list[_NoteIn] = field(default_factory=list)


class _Batch:
    """The rows of one transaction, deduplicated against the database and each other.

    New candidates are gathered and inserted in bulk by ``finish`` (row by row, the ORM's unit
    of work costs more than all the rest of the import); merges change ORM objects, flushed at
    commit. One query first lists which of the batch's contacts the database holds, so
    find_duplicate runs only for rows that may be duplicates.
    """

    def __init__(self, s: Session, team_id: str, now: datetime, rows: list[_Row]) -> None:
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

    def add(self, row: _Row) -> None:
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

    def _merge(self, found: Candidate | _New, row: _Row) -> None:
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
        tags = ", ".join(_tags([*found.tags.split(","), *row.tags]))
        if tags != found.tags:
            found.tags = tags

    def _remember(self, candidate: Candidate | _New) -> None:
        if candidate.email is not None:
            self.by_email[candidate.email] = candidate
        if candidate.profile_url is not None:
            self.by_url[candidate.profile_url] = candidate

    def _add_note(self, candidate: Candidate | _New, note: _NoteIn) -> None:
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


def _audit(
    sessions: Sessions, team_id: str, clock: Clock, counts: _Counts, *, aborted: bool
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


def default_team(sessions: Sessions) -> str | None:
    """The workspace's team id when the database holds exactly one (members, candidates)."""
    with sessions() as s:
        teams = s.scalars(select(Member.team_id).union(select(Candidate.team_id)).limit(2)).all()
    return teams[0] if len(teams) == 1 else None


# -- export ------------------------------------------------------------------------------------


def export_candidates(
    sessions: Sessions, *, team_id: str, fmt: Literal["csv", "json"], out: IO[str]
) -> int:
    """Write every candidate of the team with its referrals, notes and outreach; the count."""
    records = _export_records(sessions, team_id)
    return _write_json(records, out) if fmt == "json" else _write_csv(records, out)


def _export_records(sessions: Sessions, team_id: str) -> Iterator[dict[str, Any]]:
    """Candidates oldest first, read BATCH at a time in one read transaction."""
    with sessions() as s:
        after = 0
        while batch := s.scalars(
            select(Candidate)
            .where(Candidate.team_id == team_id, Candidate.id > after)
            .order_by(Candidate.id)
            .limit(BATCH)
        ).all():
            ids = [c.id for c in batch]
            refs = _grouped(
                s.execute(
                    select(Referral.candidate_id, Referral, Role.title)
                    .outerjoin(Role, Referral.role_id == Role.id)
                    .where(Referral.candidate_id.in_(ids))
                    .order_by(Referral.created_at, Referral.id)
                )
            )
            notes = _grouped(
                s.execute(
                    select(Note.candidate_id, Note)
                    .where(Note.candidate_id.in_(ids))
                    .order_by(Note.created_at, Note.id)
                )
            )
            outreach = _grouped(
                s.execute(
                    select(Outreach.candidate_id, Outreach)
                    .where(Outreach.candidate_id.in_(ids))
                    .order_by(Outreach.created_at, Outreach.id)
                )
            )
            for c in batch:
                yield _candidate_record(
                    c, refs.get(c.id, []), notes.get(c.id, []), outreach.get(c.id, [])
                )
            after = batch[-1].id
            s.expunge_all()  # memory stays flat however many candidates there are


def _grouped(rows: Iterable[Any]) -> dict[int, list[tuple[Any, ...]]]:
    grouped: dict[int, list[tuple[Any, ...]]] = {}
    for candidate_id, *rest in rows:
        grouped.setdefault(candidate_id, []).append(tuple(rest))
    return grouped


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat()


def _candidate_record(
    c: Candidate,
    refs: list[tuple[Any, ...]],
    notes: list[tuple[Any, ...]],
    outreach: list[tuple[Any, ...]],
) -> dict[str, Any]:
    return {
        "public_id": c.public_id,
        "name": c.name,
        "email": c.email,
        "profile_url": c.profile_url,
        "company": c.company,
        "headline": c.headline,
        "tags": [tag for tag in (t.strip() for t in c.tags.split(",")) if tag],
        "status": c.status.value,
        "source": c.source.value,
        "owner_id": c.owner_id,
        "consent": c.consent,
        "created_at": _iso(c.created_at),
        "last_activity_at": _iso(c.last_activity_at),
        "archived_at": _iso(c.archived_at),
        "referrals": [
            {
                "referrer": r.referrer_id,
                "role": title,
                "relationship": r.relationship,
                "strength": r.strength.value if r.strength else None,
                "candidate_knows": r.candidate_knows,
                "can_intro": r.can_intro,
                "note": r.note,
                "created_at": _iso(r.created_at),
            }
            for r, title in refs
        ],
        "notes": [
            {
                "kind": n.kind.value,
                "body": n.body,
                "author": n.author_id,
                "created_at": _iso(n.created_at),
            }
            for (n,) in notes
        ],
        "outreach": [
            {
                "variant": o.variant,
                "channel": o.channel.value,
                "sent_at": _iso(o.sent_at),
                "replied_at": _iso(o.replied_at),
            }
            for (o,) in outreach
        ],
    }


def _write_json(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """A JSON array, one candidate per line, written as it is read."""
    count = 0
    out.write("[")
    for count, record in enumerate(records, start=1):
        out.write(("\n" if count == 1 else ",\n") + json.dumps(record, ensure_ascii=False))
    out.write("\n]\n" if count else "]\n")
    return count


def _write_csv(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """refbot's import format first, then everything else (JSON text for the lists)."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for record in records:
        count += 1
        cells = {
            **record,
            "tags": ", ".join(record["tags"]),
            "notes": "\n\n".join(note["body"] for note in record["notes"]),
            "consent": "yes" if record["consent"] else "no",
            "referrals_json": _json_cell(record["referrals"]),
            "notes_json": _json_cell(record["notes"]),
            "outreach_json": _json_cell(record["outreach"]),
        }
        writer.writerow(_escape(cells[column]) for column in CSV_COLUMNS)
    return count


def _json_cell(items: list[dict[str, Any]]) -> str:
    return json.dumps(items, ensure_ascii=False) if items else ""


def _needs_quote(text: str) -> bool:
    return text.startswith(_FORMULA_START) or (text[:1] == "'" and _needs_quote(text[1:]))


def _escape(value: Any) -> str:
    """A cell a spreadsheet shows as text: formulas get a leading quote (undone by the import)."""
    text = "" if value is None else str(value)
    return "'" + text if _needs_quote(text) else text


def _unescape(text: str) -> str:
    return text[1:] if text[:1] == "'" and _needs_quote(text[1:]) else text
