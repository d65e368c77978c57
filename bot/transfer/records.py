"""What an import is made of: the people read from a file, cleaned, and the report."""

from dataclasses import dataclass, field
from datetime import datetime

from storage.types import CandidateStatus, NoteKind

BATCH = 500  # rows per transaction: bounded memory, and short locks for the live bot
IMPORT_AUTHOR = "import"  # Note.author_id of imported notes
TEXT_MAX = 200  # candidates.company and .headline are String(200)
IMPORT_NOTE_MAX = 10_000  # ATS notes run longer than the modal's 2000; still bounded
AUTHOR_MAX = 32  # Note.author_id is a SlackId, String(32)


class ImportFileError(Exception):
    """The file cannot be read as a candidate CSV; the message says why, in one line."""


@dataclass(frozen=True)
class ImportReport:
    imported: int  # new candidates
    merged: int  # rows that joined a candidate already held (or met earlier in the file)
    skipped: int
    errors: list[tuple[int, str]]  # (line number in the file, reason), for skipped rows
    ignored: tuple[str, ...] = ()  # the file's columns that no alias claims, as headed there
    assumed: tuple[str, ...] = ()  # what was guessed about the file ("cp1252 text")
    notices: tuple[str, ...] = ()  # what the import decided for several rows, counted
    warnings: list[tuple[int, str]] = field(default_factory=list)  # imported, worth a look
    place: str = "line"  # what errors and warnings count: a CSV's lines, a JSON list's items

    def summary(self) -> str:
        """One line, e.g. ``imported 9,812, merged 120, skipped 3 (see errors); ignored
        columns: Phone, Address; assumed: cp1252 text``."""
        line = f"imported {self.imported:,}, merged {self.merged:,}, skipped {self.skipped:,}"
        parts = [f"{line} (see errors)" if self.errors else line]
        if self.ignored:
            parts.append("ignored columns: " + ", ".join(self.ignored))
        if self.assumed:
            parts.append("assumed: " + ", ".join(self.assumed))
        parts.extend(self.notices)
        return "; ".join(parts)


@dataclass(frozen=True)
class NoteIn:
    kind: NoteKind
    body: str
    author: str
    created_at: datetime | None  # None: stamped with the import's clock


@dataclass(frozen=True)
class Person:
    """One person as a row (or a JSON object) of the file describes them, cleaned and
    normalized: what saving needs, nothing of the file's shape."""

    line: int  # where the row starts in the file (a JSON list: the item's position, from 1)
    name: str
    emails: tuple[str, ...]  # normalized and valid, the primary first; several kept
    profile_urls: tuple[str, ...]  # normalized, the primary (a LinkedIn profile) first
    company: str | None
    headline: str | None
    tags: tuple[str, ...]
    status: CandidateStatus
    notes: tuple[NoteIn, ...]
    created_at: datetime | None = None  # None: the import's clock
    archived_at: datetime | None = None  # archived or not a fit since; None: the import's clock
    hired_at: datetime | None = None
    snoozed_until: datetime | None = None  # status snoozed: comes back then (None: default)
    snooze_note: str | None = None  # why, shown when the snooze ends
    stage: int = 0  # how far this row's stage went: of one person's rows, the furthest wins

    @property
    def email(self) -> str | None:
        return self.emails[0] if self.emails else None

    @property
    def profile_url(self) -> str | None:
        return self.profile_urls[0] if self.profile_urls else None


class Skip(Exception):
    """This row is skipped; the message is the reason shown to the operator."""


@dataclass
class Counts:
    imported: int = 0
    merged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    rows: int = 0
    # saving: rows imported but worth a look (a shared inbox), not skipped; what it decided for
    # several rows (notice -> how many, see saving.notices); the candidates this run created
    # (public id -> the furthest stage given), whose status a later row may still move
    warnings: list[tuple[int, str]] = field(default_factory=list)
    notices: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
