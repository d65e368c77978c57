"""Columns to people: the alias table and what each column (or JSON field) of an ATS export
means for refbot. Values (placeholders, dates, statuses, stage ranks) are read by ``values``.

Rules, for operators (the README lists ``ALIASES``):

- A header names a field when, casefolded with punctuation as spaces ("Created At (GMT)" is
  ``created at gmt``), it equals one of the field's aliases; the first alias found wins the
  field's primary. Lever's numbered note columns (``Note-0``, ``Note-1``, ``Secret Note-0``…) are
  notes. Every other column is reported as ignored (``Columns.ignored``): phone numbers,
  addresses and locations are personal data refbot does not keep, and custom fields have no
  place in it.
- Cells holding ``N/A``, ``-``, ``none``, ``null``, ``unknown``… are empty (``values``).
- Every valid email and link of a row is kept, normalized and deduplicated, the first valid
  email primary and a LinkedIn profile (else the first valid link) primary. Invalid pieces are
  dropped; a row left with no valid contact at all is skipped with the first reason. Links to
  an ATS's own back office (``*.workable.com/backend/…``, ``hire.lever.co``,
  ``app.greenhouse.io``, ``app.ashbyhq.com``) are not profiles and are left out.
- Status: an archive reason decides first (Lever's include "Hired"); then a rejection or
  disqualification reason (not a fit, or archived when the person withdrew or declined); then
  ``disqualified`` = true (Workable: not a fit); then the status, then the stage column. A
  refbot status is kept, hired-like gives ``hired``, rejected-like ``not_a_fit``, anything else
  ``archived``: people from an ATS are a rediscovery pool. A snoozed-until date (or the status
  ``snoozed``) makes a row snoozed with its snooze note, unless it was hired or not a fit.
- ``Person.stage`` ranks how far the row went (hired > interview/offer > contacted/screen >
  new/applied > closed), so that of one person's rows (Lever: one per opportunity) the
  furthest wins.
- Notes: each notes column and numbered note is one note (Lever's secret notes too: refbot's
  notes are only ever shown to recruiters). What the file says about the person's pipeline
  (source, origin, job, stage, owner, credit, archive/rejection reason) becomes one note
  "From the import: source …; job …", the same text on every re-import so it is never added
  twice.
"""

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from bot import contacts
from bot.transfer import values as v
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

# Field -> its header aliases (as ``values.key`` gives them), most specific first.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "candidate name", "candidate", "contact name"),
    "first_name": ("first name", "firstname", "given name", "candidate first name"),
    "last_name": ("last name", "lastname", "surname", "family name", "candidate last name"),
    "email": (
        *("primary email address", "primary email", "email", "email address", "emails"),
        *("email addresses", "e mail", "personal email", "candidate email", "contact email"),
        *("work email", "other email", "other emails", "alternate email addresses"),
    ),
    "profile_url": (
        *("profile url", "profile", "linkedin", "linkedin url", "linkedin profile"),
        *("linkedin profile url", "links", "link", "github", "github url", "social media"),
        *("social media links", "social media addresses", "social profiles", "website"),
        *("websites", "website addresses", "personal website", "portfolio", "twitter", "url"),
        "other links",
    ),
    "company": (
        *("company", "current company", "company name", "current employer", "employer"),
        *("organization", "organisation"),
    ),
    "headline": (
        *("headline", "current title", "title", "job title", "current job title", "position"),
        "current position",
    ),
    "tags": ("tags", "tag", "candidate tags", "labels"),
    "status": ("status", "candidate status", "application status"),
    "stage": ("stage", "current stage", "pipeline stage", "stage name", "milestone"),
    "archive_reason": ("archive reason", "archived reason", "posting archive reason"),
    "rejection_reason": (
        *("rejection reason", "reject reason", "rejected reason", "reason for rejection"),
        *("disqualification reason", "disqualify reason"),
    ),
    "disqualified": ("disqualified", "is disqualified"),
    "notes": ("notes", "note", "comments", "comment", "internal notes"),
    "notes_json": ("notes json",),  # refbot's own export: every note, kinds and authors kept
    "created_at": (
        *("created at", "created at gmt", "created at utc", "created", "created on"),
        *("created date", "date created", "creation date", "date added", "added at", "added on"),
        *("applied at", "applied at gmt", "applied on", "date applied", "application date"),
    ),
    "archived_at": (
        *("archived at", "archived at gmt", "archived on", "archive date", "date archived"),
        *("posting archived at gmt", "rejected at", "rejected on", "rejection date"),
        *("date rejected", "disqualified at", "disqualified on"),
    ),
    "hired_at": ("hired at", "hired at gmt", "hired on", "hire date", "hired date", "date hired"),
    "snoozed_until": ("snoozed until", "snooze until", "snoozed until gmt", "snooze end"),
    "snooze_note": ("snooze note", "snooze reason", "snoozed note", "snooze notes"),
    # Kept in the "From the import: …" note.
    "source": ("source", "sources", "candidate source", "source name"),
    "origin": ("origin",),
    "job": ("job", "jobs", "job name", "posting", "posting title", "applied for", "requisition"),
    "owner": (
        *("owner", "owner name", "recruiter", "candidate owner", "posting owner"),
        "posting owner name",
    ),
    "credit": ("who gets credit", "credited to", "referred by", "referrer"),
}
# Lever's export: one column a note, "Note-0", "Note-1"…; some exports head secret ones apart.
NUMBERED_NOTE = re.compile(r"(?:secret )?notes? \d+")
# "From the import: …" parts, in this order, each under this label.
_SUMMARY = (
    *(("source", "source"), ("origin", "origin"), ("job", "job"), ("stage", "stage")),
    *(("owner", "owner"), ("credit", "credited to"), ("archive_reason", "archive reason")),
    ("rejection_reason", "rejection reason"),
)
_SUMMARY_PREFIX = "From the import: "
_SUMMARY_FIELDS = frozenset({"source", "origin", "job", "owner", "credit"})  # summary only

_EMAILS_SPLIT = re.compile(r"[\s,;]+")
# Lever joins links with ", "; a comma inside a URL stays, one before the next URL splits.
_LINKS_SPLIT = re.compile(r"[\s;]+|,(?=https?://|www\.)", re.IGNORECASE)
_TAGS_SPLIT = re.compile(r"[,;]")
_NOTE_KINDS = frozenset(kind.value for kind in NoteKind)
_LINKEDIN_PROFILE = "https://linkedin.com/in/"
# An ATS's own pages about the candidate: links to its back office, not the person's profiles.
_BACK_OFFICE = ("hire.lever.co", "app.greenhouse.io", "app.ashbyhq.com", "app.workable.com")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_NOT_RECOGNISED = (
    "neither refbot's export nor a Greenhouse or Lever candidate list (expected a JSON list of "
    "Greenhouse Harvest candidates with first_name and email_addresses, or Lever "
    "opportunities with name and emails)"
)

Indexes = tuple[int, ...]


@dataclass(frozen=True)
class Columns:
    """Which columns of a header hold each field (most specific first), computed once a file."""

    name: Indexes
    first_name: Indexes
    last_name: Indexes
    email: Indexes
    profile_url: Indexes
    company: Indexes
    headline: Indexes
    tags: Indexes
    status: Indexes
    stage: Indexes
    archive_reason: Indexes
    rejection_reason: Indexes
    disqualified: Indexes
    notes: Indexes  # free-text notes columns and Lever's numbered notes, in file order
    notes_json: Indexes
    created_at: Indexes
    archived_at: Indexes
    hired_at: Indexes
    snoozed_until: Indexes
    snooze_note: Indexes
    summary: tuple[tuple[str, Indexes], ...]  # (label, columns) of the "From the import" note
    ignored: tuple[str, ...]  # header names no alias claims, as the file spells them


def columns(header: list[str]) -> Columns:
    """Each field's column indexes; ImportFileError when there is no name or contact column."""
    keys = [v.key(h) for h in header]
    found = {
        field: tuple(i for alias in aliases for i, k in enumerate(keys) if k == alias)
        for field, aliases in ALIASES.items()
    }
    numbered = tuple(i for i, k in enumerate(keys) if NUMBERED_NOTE.fullmatch(k))
    found["notes"] = tuple(sorted({*found["notes"], *numbered}))
    if not (found["name"] or found["first_name"] or found["last_name"]):
        raise ImportFileError("no name column (name, or first name and last name)")
    if not (found["email"] or found["profile_url"]):
        raise ImportFileError("no email or profile URL column (email, linkedin, links…)")
    claimed = {i for indexes in found.values() for i in indexes}
    ignored = dict.fromkeys(
        h.strip() for i, h in enumerate(header) if i not in claimed and h.strip()
    )
    # refbot's own export (notes_json) already holds every note; its "source" is refbot's.
    summary = tuple(
        (label, found[field])
        for field, label in _SUMMARY
        if found[field] and not found["notes_json"]
    )
    return Columns(
        **{field: found[field] for field in ALIASES if field not in _SUMMARY_FIELDS},
        summary=summary,
        ignored=tuple(ignored),
    )


def _cells(values: list[str], indexes: Indexes) -> list[str]:
    """The cells of these columns that hold something, stripped and unescaped, in priority."""
    cells = []
    for i in indexes:
        if i < len(values):
            cell = unescape(values[i]).strip()
            if cell.casefold() not in v.PLACEHOLDERS:
                cells.append(cell)
    return cells


def _cell(values: list[str], indexes: Indexes) -> str | None:
    for i in indexes:
        if i < len(values):
            cell = unescape(values[i]).strip()
            if cell.casefold() not in v.PLACEHOLDERS:
                return cell
    return None


def _instant(values: list[str], indexes: Indexes) -> datetime | None:
    for cell in _cells(values, indexes):
        if (instant := v.parse_instant(cell)) is not None:
            return instant
    return None


def parse(line: int, values: list[str], columns: Columns) -> Person:
    """One record as a person; Skip with the reason when it can't be imported."""
    if any(has_nul(value) for value in values):
        # PostgreSQL refuses NUL in text: one such cell would fail (and roll back) the batch.
        raise Skip("contains a NUL character (a binary or UTF-16 file?)")
    c = columns
    first_last = (_cell(values, c.first_name), _cell(values, c.last_name))
    notes_json = _cell(values, c.notes_json)
    return _person(
        line,
        name=_cell(values, c.name) or " ".join(part for part in first_last if part),
        emails=_pieces(_cells(values, c.email), _EMAILS_SPLIT),
        links=_pieces(_cells(values, c.profile_url), _LINKS_SPLIT),
        company=_cell(values, c.company),
        headline=_cell(values, c.headline),
        tag_texts=(t for cell in _cells(values, c.tags) for t in _TAGS_SPLIT.split(cell)),
        decision=_Decision(
            archive_reason=_cell(values, c.archive_reason),
            rejection_reason=_cell(values, c.rejection_reason),
            disqualified=v.is_true(_cell(values, c.disqualified)),
            status=_cell(values, c.status),
            stage=_cell(values, c.stage),
        ),
        created_at=_instant(values, c.created_at),
        archived_at=_instant(values, c.archived_at),
        hired_at=_instant(values, c.hired_at),
        snoozed_until=_instant(values, c.snoozed_until),
        snooze_note=_cell(values, c.snooze_note),
        notes=_notes_json(notes_json) if notes_json else _notes(_cells(values, c.notes)),
        summaries=[
            [(label, ", ".join(dict.fromkeys(_cells(values, idx)))) for label, idx in c.summary]
        ],
    )


class _Decision(NamedTuple):
    """What a row says about where the person stands, before it becomes a status."""

    archive_reason: str | None = None
    rejection_reason: str | None = None
    disqualified: bool = False
    status: str | None = None
    stage: str | None = None


@lru_cache(maxsize=4096)  # a file has few distinct combinations; parse runs once a row
def _status_and_rank(decision: _Decision) -> tuple[CandidateStatus, int]:
    status, closed = _status(decision)
    return status, v.stage_rank(status, decision.stage or decision.status, closed=closed)


def _status(d: _Decision) -> tuple[CandidateStatus, bool]:
    """(status, whether the row was closed): see the module docstring for the order."""
    if d.archive_reason:
        return v.status_of(d.archive_reason) or CandidateStatus.ARCHIVED, True
    if d.rejection_reason:
        return v.rejection_status(d.rejection_reason), True
    if d.disqualified:
        return CandidateStatus.NOT_A_FIT, True
    for text in (d.status, d.stage):
        if text:
            status = v.status_of(text)
            if status is None:
                return CandidateStatus.ARCHIVED, False
            return status, status in (CandidateStatus.ARCHIVED, CandidateStatus.NOT_A_FIT)
    return CandidateStatus.ARCHIVED, False


def _person(
    line: int,
    *,
    name: str,
    emails: Iterable[str],
    links: Iterable[str],
    company: str | None,
    headline: str | None,
    tag_texts: Iterable[str],
    decision: _Decision,
    created_at: datetime | None,
    archived_at: datetime | None,
    hired_at: datetime | None,
    snoozed_until: datetime | None,
    snooze_note: str | None,
    notes: tuple[NoteIn, ...],
    summaries: list[list[tuple[str, str]]],
) -> Person:
    """The cleaned person of a CSV row or a JSON object; Skip when it can't be imported."""
    try:
        name = contacts.clean_name(name)
    except contacts.ContactError as error:
        raise Skip("missing name" if error.code == "required" else "name too long") from error
    valid_emails, email_error = _emails(emails)
    valid_urls, url_error = _profile_urls(links)
    if not valid_emails and not valid_urls:
        raise Skip(email_error or url_error or "no email or profile URL")
    status, stage = _status_and_rank(decision)
    if snoozed_until is not None and status not in (
        CandidateStatus.HIRED,
        CandidateStatus.NOT_A_FIT,
    ):
        status = CandidateStatus.SNOOZED
    if status is CandidateStatus.HIRED and hired_at is None:
        hired_at = archived_at  # Lever archives a hire with the reason "Hired", on that day
    extra: list[NoteIn] = []
    if status is not CandidateStatus.SNOOZED:
        # A snooze note without a snooze is still something the file says.
        extra.extend(_notes([f"Snooze note: {snooze_note}"] if snooze_note else []))
        snooze_note = None
    for parts in summaries:
        if body := _summary(parts):
            extra.append(NoteIn(NoteKind.NOTE, body, IMPORT_AUTHOR, created_at))
    return Person(
        line=line,
        name=name,
        emails=valid_emails,
        profile_urls=valid_urls,
        company=_bounded(company),
        headline=_bounded(headline),
        tags=tags(tag_texts),
        status=status,
        notes=(*notes, *extra),
        created_at=created_at,
        archived_at=archived_at
        if status in (CandidateStatus.ARCHIVED, CandidateStatus.NOT_A_FIT)
        else None,
        hired_at=hired_at if status is CandidateStatus.HIRED else None,
        snoozed_until=snoozed_until if status is CandidateStatus.SNOOZED else None,
        snooze_note=_bounded(snooze_note, IMPORT_NOTE_MAX),
        stage=stage,
    )


def _summary(parts: list[tuple[str, str]]) -> str | None:
    """ "From the import: source LinkedIn; job Staff Engineer" — the same text every time."""
    said = "; ".join(f"{label} {_bounded(text)}" for label, text in parts if text)
    return _bounded(_SUMMARY_PREFIX + said, IMPORT_NOTE_MAX) if said else None


def _pieces(cells: list[str], split: re.Pattern[str]) -> list[str]:
    pieces = (p.strip(",") for cell in cells for p in split.split(cell))
    return [p for p in pieces if p and p.casefold() not in v.PLACEHOLDERS]


def _emails(pieces: Iterable[str]) -> tuple[tuple[str, ...], str | None]:
    """Every valid address, normalized, first one first; the reason when none was valid."""
    valid: dict[str, None] = {}
    seen_any = False
    for piece in pieces:
        seen_any = True
        try:
            valid[contacts.normalize_email(piece)] = None
        except contacts.ContactError:
            continue
    return tuple(valid), ("invalid email" if seen_any and not valid else None)


def _profile_urls(pieces: Iterable[str]) -> tuple[tuple[str, ...], str | None]:
    """Every valid link, normalized, a LinkedIn profile first; the reason when none was valid."""
    valid: dict[str, None] = {}
    first_error: contacts.ContactError | None = None
    for piece in pieces:
        try:
            url = contacts.normalize_profile_url(piece)
        except contacts.ContactError as error:
            first_error = first_error or error
            continue
        if not _is_back_office(url):
            valid[url] = None
    urls = list(valid)
    primary = next((url for url in urls if url.startswith(_LINKEDIN_PROFILE)), None)
    if primary is not None and urls[0] != primary:
        urls.remove(primary)
        urls.insert(0, primary)
    if urls or first_error is None:
        return tuple(urls), None
    too_long = first_error.code == "too_long"
    return (), ("profile URL too long" if too_long else "invalid profile URL")


def _is_back_office(url: str) -> bool:
    host, _, path = url.removeprefix("https://").partition("/")
    if host in _BACK_OFFICE:
        return True
    # Workable: https://<account>.workable.com/backend/jobs/…/candidates/… (the recruiter's view)
    return host.endswith(".workable.com") and path.startswith("backend")


def _bounded(text: str | None, limit: int = TEXT_MAX) -> str | None:
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tags(raw: Iterable[str]) -> tuple[str, ...]:
    """Tags stripped and deduplicated case-insensitively, first spelling kept."""
    seen: dict[str, str] = {}
    for tag in raw:
        tag = " ".join(tag.split())
        if tag and tag.casefold() not in seen and tag.casefold() not in v.PLACEHOLDERS:
            seen[tag.casefold()] = tag
    return tuple(seen.values())


def _notes(bodies: Iterable[str]) -> tuple[NoteIn, ...]:
    notes = []
    for body in bodies:
        if body.strip():
            body = body if len(body) <= IMPORT_NOTE_MAX else body[: IMPORT_NOTE_MAX - 1] + "…"
            notes.append(NoteIn(NoteKind.NOTE, body, IMPORT_AUTHOR, None))
    return tuple(notes)


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
        for note in _notes([str(item.get("body") or "")]):
            kind = str(item.get("kind"))
            author = str(item.get("author") or IMPORT_AUTHOR)[:AUTHOR_MAX]
            notes.append(
                NoteIn(
                    kind=NoteKind(kind) if kind in _NOTE_KINDS else NoteKind.NOTE,
                    body=note.body,
                    author=author,
                    created_at=_aware(item.get("created_at")),
                )
            )
    return tuple(notes)


def _aware(value: Any) -> datetime | None:
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


# -- JSON: Greenhouse Harvest candidates, Lever opportunities -----------------------------------


def json_people(data: Any) -> Iterator[Person | tuple[int, str]]:
    """Each candidate of a Greenhouse Harvest or Lever API dump as a person, or (its position
    from 1, why it was skipped); ImportFileError when the data is neither."""
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]  # Lever's list response: {"data": [...], "hasNext": …}
    if not isinstance(data, list) or (data and _kind(data[0]) is None):
        raise ImportFileError(_NOT_RECOGNISED)
    for position, item in enumerate(data, start=1):
        kind = _kind(item)
        if kind is None:
            yield position, "not a Greenhouse or Lever candidate"
            continue
        try:
            if _has_nul(item):
                raise Skip("contains a NUL character")
            yield _greenhouse(position, item) if kind == "greenhouse" else _lever(position, item)
        except Skip as skip:
            yield position, str(skip)


def _kind(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    if "email_addresses" in item or ("first_name" in item and "last_name" in item):
        return "greenhouse"
    if "name" in item and ("emails" in item or "links" in item or "stageChanges" in item):
        return "lever"
    return None


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return has_nul(value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(item) for k, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _text(value: Any, *fields: str) -> str | None:
    """A JSON string (or a named object's first of ``fields``), None when empty or a placeholder."""
    if isinstance(value, dict):
        value = next((value[f] for f in fields if isinstance(value.get(f), str)), None)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or value.strip().casefold() in v.PLACEHOLDERS:
        return None
    return value.strip()


def _texts(items: Any, *fields: str) -> list[str]:
    listed = items if isinstance(items, list) else []
    return [text for item in listed if (text := _text(item, *fields)) is not None]


def _iso(value: Any) -> datetime | None:
    return v.parse_instant(value) if isinstance(value, str) else None


def _greenhouse(position: int, item: dict[str, Any]) -> Person:
    """A Harvest candidate: https://developers.greenhouse.io/harvest.html#the-candidate-object"""
    applications = [a for a in item.get("applications") or [] if isinstance(a, dict)]
    decisions = [_greenhouse_decision(a) for a in applications] or [_Decision()]
    ranked = [(_status_and_rank(d)[1], -i) for i, d in enumerate(decisions)]
    best = max(range(len(decisions)), key=lambda i: ranked[i])
    chosen = applications[best] if applications else {}
    recruiter = _text(item.get("recruiter"), "name")
    return _person(
        position,
        name=" ".join(
            part for part in (_text(item.get("first_name")), _text(item.get("last_name"))) if part
        ),
        emails=[
            *_texts(item.get("email_addresses"), "value"),
            *_texts(item.get("emails"), "value"),
        ],
        links=[
            *_texts(item.get("social_media_addresses"), "value"),
            *_texts(item.get("website_addresses"), "value"),
        ],
        company=_text(item.get("company")),
        headline=_text(item.get("title")),
        tag_texts=_texts(item.get("tags"), "name"),
        decision=decisions[best],
        created_at=_iso(item.get("created_at")),
        archived_at=_iso(chosen.get("rejected_at")),
        hired_at=_iso(chosen.get("hired_at")),
        snoozed_until=None,
        snooze_note=None,
        notes=(),
        summaries=[
            [
                ("source", _text(a.get("source"), "public_name", "name") or ""),
                ("job", ", ".join(_texts(a.get("jobs"), "name"))),
                ("stage", _text(a.get("current_stage"), "name") or ""),
                ("owner", recruiter or ""),
                ("credited to", _text(a.get("credited_to"), "name") or ""),
                ("rejection reason", _text(a.get("rejection_reason"), "name") or ""),
            ]
            for a in applications
        ],
    )


def _greenhouse_decision(application: dict[str, Any]) -> _Decision:
    status = _text(application.get("status")) or ""
    reason = _text(application.get("rejection_reason"), "name")
    stage = _text(application.get("current_stage"), "name")
    if status.casefold() == "rejected":
        return _Decision(rejection_reason=reason, status="rejected", stage=stage)
    # "active", "converted" (a prospect who applied): the pool; "hired": hired.
    return _Decision(status=status or None, stage=stage)


def _lever(position: int, item: dict[str, Any]) -> Person:
    """A Lever opportunity (or legacy candidate): https://hire.lever.co/developer/documentation"""
    archived = item.get("archived") if isinstance(item.get("archived"), dict) else None
    stage = _lever_text(item.get("stage"))
    reason = _lever_text(archived.get("reason")) if archived is not None else None
    # The reason is an id unless expanded; an archived opportunity is closed either way.
    status = "archived" if archived is not None and reason is None else None
    decision = _Decision(archive_reason=reason, status=status, stage=stage)
    jobs = [_lever_text(a.get("posting")) for a in item.get("applications") or []]
    return _person(
        position,
        name=_text(item.get("name")) or "",
        emails=_texts(item.get("emails")),
        links=_texts(item.get("links")),
        company=None,
        headline=_text(item.get("headline")),
        tag_texts=_texts(item.get("tags")),
        decision=decision,
        created_at=v.from_epoch_ms(item.get("createdAt")),
        archived_at=v.from_epoch_ms(archived.get("archivedAt")) if archived else None,
        hired_at=None,
        snoozed_until=v.from_epoch_ms(item.get("snoozedUntil")),
        snooze_note=None,
        notes=(),
        summaries=[
            [
                ("source", ", ".join(_texts(item.get("sources")))),
                ("origin", _text(item.get("origin")) or ""),
                ("job", ", ".join(job for job in jobs if job)),
                ("stage", stage or ""),
                ("owner", _lever_text(item.get("owner")) or ""),
                ("archive reason", reason or ""),
            ]
        ],
    )


def _lever_text(value: Any) -> str | None:
    """An expanded object's text or name; a bare id (a UUID) says nothing to a person."""
    text = _text(value, "text", "name")
    return None if text is None or _UUID.fullmatch(text) else text
