"""Columns to people: the alias tables and what each value means."""

import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot import contacts
from bot.transfer.cells import unescape
from bot.transfer.records import (
    AUTHOR_MAX,
    IMPORT_AUTHOR,
    IMPORT_NOTE_MAX,
    TEXT_MAX,
    ImportFileError,
    NoteIn,
    Person,
    Skip,
)
from bot.user_input import has_nul
from storage.types import CandidateStatus, NoteKind

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


def _key(header: str) -> str:
    return _SEPARATOR.sub(" ", header.casefold()).strip()


def columns(header: list[str]) -> dict[str, list[int]]:
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
    cells = (unescape(values[i]).strip() for i in indexes if i < len(values))
    return [cell for cell in cells if cell]


def _cell(values: list[str], indexes: list[int]) -> str | None:
    return next(iter(_cells(values, indexes)), None)


def parse(values: list[str], columns: dict[str, list[int]]) -> Person:
    """One record as a clean row; Skip with the reason when it can't be imported."""
    if any(has_nul(value) for value in values):
        # PostgreSQL refuses NUL in text: one such cell would fail (and roll back) the batch.
        raise Skip("contains a NUL character (a binary or UTF-16 file?)")
    name = _cell(values, columns["name"]) or " ".join(
        part
        for part in (_cell(values, columns["first_name"]), _cell(values, columns["last_name"]))
        if part
    )
    try:
        name = contacts.clean_name(name)
    except contacts.ContactError as error:
        raise Skip("missing name" if error.code == "required" else "name too long") from error
    email = _email(_cells(values, columns["email"]))
    profile_url = _profile_url(_cells(values, columns["profile_url"]))
    if email is None and profile_url is None:
        raise Skip("no email or profile URL")
    status = _status(_cell(values, columns["status"]), _cell(values, columns["archive_reason"]))
    notes_json = _cell(values, columns["notes_json"])
    notes = _notes_json(notes_json) if notes_json else _note(_cell(values, columns["notes"]))
    return Person(
        line=0,
        name=name,
        emails=(email,) if email else (),
        profile_urls=(profile_url,) if profile_url else (),
        company=_bounded(_cell(values, columns["company"])),
        headline=_bounded(_cell(values, columns["headline"])),
        tags=tags(
            tag for cell in _cells(values, columns["tags"]) for tag in _TAGS_SPLIT.split(cell)
        ),
        status=status,
        notes=notes,
    )


def _pieces(cells: list[str], split: re.Pattern[str]) -> list[str]:
    return [p.strip(",") for cell in cells for p in split.split(cell) if p.strip(",")]


def _email(cells: list[str]) -> str | None:
    """The first valid address among the cells' pieces; Skip when none of them is valid."""
    pieces = _pieces(cells, _EMAILS_SPLIT)
    for piece in pieces:
        try:
            return contacts.normalize_email(piece)
        except contacts.ContactError:
            continue
    if pieces:
        raise Skip("invalid email")
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
        raise Skip("profile URL too long" if too_long else "invalid profile URL")
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


def tags(raw: Iterable[str]) -> tuple[str, ...]:
    """Tags stripped and deduplicated case-insensitively, first spelling kept."""
    seen: dict[str, str] = {}
    for tag in raw:
        tag = " ".join(tag.split())
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return tuple(seen.values())


def _note(body: str | None) -> tuple[NoteIn, ...]:
    if not body or not body.strip():
        return ()
    body = body if len(body) <= IMPORT_NOTE_MAX else body[: IMPORT_NOTE_MAX - 1] + "…"
    return (NoteIn(NoteKind.NOTE, body, IMPORT_AUTHOR, None),)


def _notes_json(text: str) -> tuple[NoteIn, ...]:
    """The notes of refbot's CSV export, kinds, authors and dates kept."""
    try:
        items = json.loads(text)
    except ValueError as error:
        raise Skip("notes_json is not valid JSON") from error
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise Skip("notes_json is not a list of notes")
    if any(has_nul(str(value)) for item in items for value in item.values()):  # "\u0000"
        raise Skip("notes_json contains a NUL character")
    notes = []
    for item in items:
        for note in _note(str(item.get("body") or "")):
            kind = str(item.get("kind"))
            author = str(item.get("author") or IMPORT_AUTHOR)[:AUTHOR_MAX]
            notes.append(
                NoteIn(
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
