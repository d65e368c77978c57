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

    def summary(self) -> str:
        """One line, e.g. ``imported 9,812, merged 120, skipped 3 (see errors)``."""
        line = f"imported {self.imported:,}, merged {self.merged:,}, skipped {self.skipped:,}"
        return f"{line} (see errors)" if self.errors else line


@dataclass(frozen=True)
class NoteIn:
    kind: NoteKind
    body: str
    author: str
    created_at: datetime | None  # None: stamped with the import's clock


@dataclass(frozen=True)
class Person:
    name: str
    email: str | None
    profile_url: str | None
    company: str | None
    headline: str | None
    tags: tuple[str, ...]
    status: CandidateStatus
    notes: tuple[NoteIn, ...]


class Skip(Exception):
    """This row is skipped; the message is the reason shown to the operator."""


@dataclass
class Counts:
    imported: int = 0
    merged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    rows: int = 0
