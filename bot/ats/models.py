"""The small vocabulary both ATS adapters answer in: frozen dataclasses of plain values.

Ids are strings whatever the ATS uses (Greenhouse: integers, Lever: UUIDs), so callers store
them alike. Times are aware UTC datetimes.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, TypeVar

T = TypeVar("T")

# Where an application stands, the same words for both ATSs; the stage name says more.
Outcome = Literal["active", "hired", "rejected", "deleted", "anonymized"]


@dataclass(frozen=True)
class AtsUser:
    """A person who can log in to the ATS (recruiter, hiring manager, a referring employee)."""

    id: str
    name: str
    email: str | None


@dataclass(frozen=True)
class AtsCandidate:
    """A person in the ATS (Greenhouse candidate, Lever opportunity's contact)."""

    id: str
    name: str
    emails: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    headline: str | None = None
    company: str | None = None
    tags: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    anonymized: bool = False


@dataclass(frozen=True)
class AtsApplication:
    """A candidacy: one person for one job, or a prospect with no job yet."""

    id: str
    candidate_id: str
    job_id: str | None
    prospect: bool
    outcome: Outcome
    stage_id: str | None = None
    stage_name: str | None = None
    source_id: str | None = None
    referrer_id: str | None = None
    reason: str | None = None  # rejection / archive reason: private, never shown to a referrer
    updated_at: datetime | None = None


@dataclass(frozen=True)
class AtsJob:
    """A job (Greenhouse) or posting (Lever) with the people to map to Slack by email."""

    id: str
    title: str
    status: str  # the ATS's own word: open/closed/draft, published/internal/closed...
    open: bool
    hiring_managers: tuple[AtsUser, ...] = ()
    recruiters: tuple[AtsUser, ...] = ()
    updated_at: datetime | None = None


@dataclass(frozen=True)
class AtsStageChange:
    """Something a recruiter did in the ATS that refbot follows: a move, a hire, a rejection,
    an anonymisation or a deletion. From a verified webhook or from polling."""

    ats: Literal["greenhouse", "lever"]
    candidate_id: str
    application_id: str | None
    outcome: Outcome
    stage_id: str | None = None
    stage_name: str | None = None
    reason: str | None = None  # private
    event_id: str | None = None  # the delivery's id, for refusing replays
    changed_at: datetime | None = None


@dataclass(frozen=True)
class AtsReferral:
    """What refbot pushes: the person, the role (none: a prospect) and who referred her."""

    name: str
    email: str
    referrer_email: str
    referrer_name: str
    job_id: str | None = None  # Greenhouse job id / Lever posting id; None: general referral
    links: tuple[str, ...] = ()
    note: str | None = None
    tags: tuple[str, ...] = ()


PushStatus = Literal["created", "resumed", "existing"]


@dataclass(frozen=True)
class AtsPushResult:
    """The outcome of pushing a referral.

    created: refbot created the person and her application now; resumed: refbot had created her
    in an earlier, uncertain attempt and finished the job; existing: the ATS already knew her,
    nothing was written (the referrer is told "already known to the team").
    """

    status: PushStatus
    candidate_id: str
    application_id: str | None = None
    referrer_credited: bool = False  # False: credit the referrer in a note (say so on the card)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and where the next one is (an opaque cursor, or None at the end)."""

    items: tuple[T, ...]
    next: str | None
