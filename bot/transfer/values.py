"""What a cell of an ATS export means: placeholders, instants, statuses and how far a stage went.

Dates (``parse_instant``), for operators:

- ISO 8601 dates and date-times, ``T`` or space separated, with or without seconds, fraction
  and zone (``2024-03-04``, ``2024-03-04 09:12:44``, ``2024-03-04T09:12:44.637Z``,
  ``2024-03-04T11:12+02:00``). No zone means UTC: Lever and Greenhouse export in GMT/UTC.
- Epoch seconds (10 digits) and epoch milliseconds (13 digits, Lever's API and exports).
- Day-month-year with ``/``, ``.`` or ``-`` (``20/01/2024``, ``01/20/2024``, ``20.01.2024 14:30``):
  read only when the order is certain, i.e. one of the first two numbers is above 12, or both
  are equal. ``05/02/2024`` could be 2 May or 5 February: it is not read, and the import's clock
  stands in for it. Guessing from a vendor's habits or from the file's other rows would make one
  row's date depend on its neighbours, and a wrong date is worse than a missing one (retention
  would purge a candidate months early).
- ``4 Mar 2024`` and ``Mar 4, 2024`` (English month names), with an optional time.
- Anything else, a placeholder or a year outside 1900-2100: no date (``None``).
"""

import re
from datetime import UTC, datetime, timedelta

from storage.types import CandidateStatus

# Spreadsheet habits for "nothing here"; compared casefolded and stripped.
PLACEHOLDERS = frozenset(
    {"", "-", "--", "—", "–", ".", "?", "n/a", "n.a.", "#n/a", "none", "null", "nil", "unknown"}
)

_STATUSES = {status.value: status for status in CandidateStatus}
_SEPARATOR = re.compile(r"[\W_]+")
_HIRED = ("hired", "hire", "offer accepted", "accepted offer")
_NOT_A_FIT = (
    *("reject", "not a fit", "unqualified", "underqualified", "overqualified", "disqualif"),
    *("not qualified", "no fit", "lacked", "lacks", "doesn t have required", "unsuccessful"),
)
# A rejection reason that is not about the person being unsuitable (they left, or the job went
# to someone else): archived, still worth a call, not "not a fit".
_NOT_ABOUT_THEM = (
    *("withdr", "declin", "not interested", "took another", "accepted another", "rejected offer"),
    *("rejected us", "no longer interested", "no response", "could not be contacted", "ghost"),
    *("another candidate", "someone else", "elsewhere", "position filled", "job filled"),
    *("no longer receiving", "role closed", "position closed", "job closed"),
)
_TRUE = frozenset({"true", "yes", "y", "1", "x"})

# How far a row got in a pipeline, so that of one person's rows the furthest wins.
CLOSED, NEW, CONTACTED, INTERVIEWING, HIRED = 0, 1, 2, 3, 4
_OWN_RANK = {
    CandidateStatus.NEW: NEW,
    CandidateStatus.REVIEWING: NEW,
    CandidateStatus.CONTACTED: CONTACTED,
    CandidateStatus.SNOOZED: CONTACTED,  # someone looked and chose "later"
    CandidateStatus.INTERVIEWING: INTERVIEWING,
    CandidateStatus.HIRED: HIRED,
    CandidateStatus.NOT_A_FIT: CLOSED,
    CandidateStatus.ARCHIVED: CLOSED,
}
_INTERVIEW_WORDS = (
    *("interview", "onsite", "on site", "offer", "assessment", "take home", "test", "case study"),
    *("debrief", "reference", "challenge", "panel"),
)
_CONTACT_WORDS = ("screen", "reached out", "responded", "contacted", "phone", "call", "outreach")

_DMY = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?"
)
_MONTHS = {
    month: number
    for number, month in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_TEXT_DATE = re.compile(
    r"(?:[A-Za-z]{3},?\s+)?(?:(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?|([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?)"
    r"\s+(\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?(?:\s*(?:GMT|UTC|Z))?"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def is_placeholder(text: str | None) -> bool:
    """Blank, or what a spreadsheet puts for "nothing": N/A, -, none, null, unknown…"""
    return text is None or text.strip().casefold() in PLACEHOLDERS


def key(text: str) -> str:
    """Casefolded, punctuation as single spaces: how headers and statuses are compared."""
    return _SEPARATOR.sub(" ", text.casefold()).strip()


def is_true(text: str | None) -> bool:
    """A spreadsheet's boolean: true, yes, y, 1, x."""
    return bool(text) and text.strip().casefold() in _TRUE  # type: ignore[union-attr]


def status_of(text: str) -> CandidateStatus | None:
    """A refbot status kept as is, hired-like, rejected-like; None when the text says neither
    (an ATS stage such as "Phone Screen", "Active", "Withdrew")."""
    words = key(text)
    if (own := words.replace(" ", "_")) in _STATUSES:
        return _STATUSES[own]
    if words in _HIRED or words.startswith("hired"):
        # "Hired another candidate", "Hired elsewhere": someone else was hired.
        if any(word in words for word in _NOT_ABOUT_THEM):
            return None
        return CandidateStatus.HIRED
    if any(word in words for word in _NOT_A_FIT):
        return CandidateStatus.NOT_A_FIT
    return None


def rejection_status(reason: str) -> CandidateStatus:
    """A rejection or disqualification reason: not a fit, unless it was not about the person
    (they withdrew or declined, someone else was hired): then archived."""
    words = key(reason)
    if any(word in words for word in _NOT_ABOUT_THEM):
        return CandidateStatus.ARCHIVED
    return CandidateStatus.NOT_A_FIT


def stage_rank(status: CandidateStatus, stage: str | None, *, closed: bool) -> int:
    """How far the row went: hired > interviewing/offer > contacted/screen > new > closed.

    ``closed``: the row was archived, rejected or withdrawn (it ranks lowest unless hired)."""
    if status is CandidateStatus.HIRED:
        return HIRED
    if closed or status is CandidateStatus.NOT_A_FIT:
        return CLOSED
    if not stage:
        return _OWN_RANK[status] if status is not CandidateStatus.ARCHIVED else NEW
    words = key(stage)
    if (own := _STATUSES.get(words.replace(" ", "_"))) is not None:
        return _OWN_RANK[own]
    if any(word in words for word in _INTERVIEW_WORDS):
        return INTERVIEWING
    if any(word in words for word in _CONTACT_WORDS):
        return CONTACTED
    return NEW


def parse_instant(text: str | None) -> datetime | None:
    """An aware UTC instant from the forms in the module docstring; None when not certain."""
    if text is None:
        return None
    text = text.strip()
    if not text or text.casefold() in PLACEHOLDERS:
        return None
    if text.isdigit():
        return _epoch(int(text), len(text))
    try:
        instant = datetime.fromisoformat(text.removesuffix(" UTC").removesuffix(" GMT"))
    except ValueError:
        instant = _dmy(text) or _text_date(text)
    if instant is None:
        return None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC) if 1900 <= instant.year <= 2100 else None


def from_epoch_ms(value: object) -> datetime | None:
    """Lever's API instants: integer milliseconds since the epoch."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return _epoch(int(value), 13)


def _epoch(number: int, digits: int) -> datetime | None:
    if digits in (12, 13):
        instant = _EPOCH + timedelta(milliseconds=number)
    elif digits in (9, 10):
        instant = _EPOCH + timedelta(seconds=number)
    else:
        return None  # "2024" or a phone-like number: not a date
    return instant if 1900 <= instant.year <= 2100 else None


def _dmy(text: str) -> datetime | None:
    match = _DMY.fullmatch(text)
    if match is None:
        return None
    first, second, year = int(match[1]), int(match[2]), int(match[3])
    if first > 12 >= second:
        day, month = first, second
    elif second > 12 >= first or first == second:
        day, month = second, first
    else:
        return None  # ambiguous (or both above 12): see the module docstring
    return _at(year, month, day, match[4], match[5], match[6], match[7])


def _text_date(text: str) -> datetime | None:
    match = _TEXT_DATE.fullmatch(text)
    if match is None:
        return None
    day, month = (match[1], match[2]) if match[1] else (match[4], match[3])
    number = _MONTHS.get(month.casefold())
    if number is None:
        return None
    return _at(int(match[5]), number, int(day), match[6], match[7], match[8], match[9])


def _at(
    year: int,
    month: int,
    day: int,
    hour: str | None,
    minute: str | None,
    second: str | None,
    meridiem: str | None,
) -> datetime | None:
    h = int(hour or 0)
    if meridiem:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if meridiem.casefold() == "pm" else 0)
    try:
        return datetime(year, month, day, h, int(minute or 0), int(second or 0), tzinfo=UTC)
    except ValueError:
        return None
