"""Column types, shared ``Annotated`` aliases and the enums stored as strings."""

import enum
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import DateTime, Dialect, String, TypeDecorator
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import mapped_column


class UtcDateTimeType(TypeDecorator[datetime]):
    """An aware UTC instant in, an aware UTC instant out, on every engine.

    SQLite has no time zones, so it stores naive UTC text (which also sorts correctly);
    PostgreSQL stores ``timestamptz`` and answers in the session's zone, which we normalise.
    Naive values are refused: their meaning depends on the host's clock settings.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def new_public_id() -> str:
    """12 URL-safe characters (72 random bits): short enough for Slack values, unguessable."""
    return secrets.token_urlsafe(9)


def str_enum_type(enum_class: type[enum.Enum] = enum.Enum, length: int = 24) -> SAEnum:
    """Enums as plain VARCHARs of their values, with no CHECK, so adding a member needs no
    migration. In generic form (``enum.Enum``) in the type map, it serves every ``StrEnum``."""
    return SAEnum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        values_callable=lambda e: [m.value for m in e],
        length=length,
    )


IntPk = Annotated[int, mapped_column(primary_key=True)]
TeamId = Annotated[str, mapped_column(String(32), index=True)]
# A Slack user or channel id (U…, W…, C…, D…); Slack documents no maximum, 32 leaves room.
SlackId = Annotated[str, mapped_column(String(32))]
PublicId = Annotated[str, mapped_column(String(16), unique=True, default=new_public_id)]
UtcDateTime = Annotated[datetime, mapped_column(UtcDateTimeType())]
Json = Annotated[dict[str, Any], mapped_column(default=dict)]


class RoleStatus(enum.StrEnum):
    UPCOMING = "upcoming"  # a persona for a role not yet open
    OPEN = "open"
    CLOSED = "closed"


class CandidateSource(enum.StrEnum):
    REFERRAL = "referral"
    SOURCING_SESSION = "sourcing_session"
    IMPORT = "import"
    MANUAL = "manual"


class CandidateStatus(enum.StrEnum):
    NEW = "new"
    REVIEWING = "reviewing"
    CONTACTED = "contacted"
    INTERVIEWING = "interviewing"
    HIRED = "hired"
    NOT_A_FIT = "not_a_fit"
    SNOOZED = "snoozed"
    ARCHIVED = "archived"


class ContactKind(enum.StrEnum):
    """What a candidate's other contact (`candidate_contacts`) is."""

    EMAIL = "email"
    PROFILE_URL = "profile_url"


class ReferralStrength(enum.StrEnum):
    STRONG = "strong"
    GOOD = "good"
    SOME = "some"


class IntroStatus(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    MADE = "made"


class OutreachChannel(enum.StrEnum):
    EMAIL = "email"
    LINKEDIN = "linkedin"
    PHONE = "phone"
    OTHER = "other"


class SessionStatus(enum.StrEnum):
    RUNNING = "running"
    ENDED = "ended"


class NoteKind(enum.StrEnum):
    NOTE = "note"
    SNOOZE = "snooze"
    NOT_A_FIT = "not_a_fit"
    REACTIVATE = "reactivate"
    HM_PASS = "hm_pass"
    SYSTEM = "system"


class DeliveryKind(enum.StrEnum):
    FOLLOW_UP = "follow_up"
    SNOOZE_END = "snooze_end"
    INTRO_NUDGE = "intro_nudge"
    SLA_NUDGE = "sla_nudge"
    SESSION_END = "session_end"
    DIGEST = "digest"
    NOTICE = "notice"
    ATS_PUSH = "ats_push"  # a referral into the workspace's ATS (bot.services.ats)
    ATS_NOTE = "ats_note"  # the referrer's words (and credit, where the ATS can't) as a note
    REWARD = "reward"  # the referrer's reward became payable (bot.services.rewards)
    ATS_PULL = "ats_pull"  # a verified webhook's change, applied after the ack (ats_pull)
    ATS_STATUS = "ats_status"  # a Slack edit written back to the ATS (ats_writeback)
    CV_SHARE = "cv_share"  # a copy of a referral's CV into a recruiter's DM (bot.services.cvs)
    CV_DELETE = "cv_delete"  # a copy refbot made, deleted after a forget (bot.services.cvs)
    ATS_CV = "ats_cv"  # the referral's CV attached to the person pushed into the ATS (ats)
    ATS_HISTORY = "ats_history"  # one page of the ATS's past candidates (ats_history)
    SUBMISSION = "submission"  # a referral modal, saved after its ack (bot.services.submissions)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"


class AtsKind(enum.StrEnum):
    GREENHOUSE = "greenhouse"
    LEVER = "lever"


class AtsMode(enum.StrEnum):
    """How changes come back from the ATS: its webhooks (HTTP mode) or polling."""

    WEBHOOKS = "webhooks"
    POLLING = "polling"


class AtsPush(enum.StrEnum):
    """When a new referral goes to the ATS: at once, or on the recruiter's "Send to ATS"."""

    AUTO = "auto"
    BUTTON = "button"


class RewardStatus(enum.StrEnum):
    """A referral reward's life: pending until its date (then payable, a state read from the
    date, not stored), paid once an admin says so, cancelled when the hire was undone first."""

    PENDING = "pending"
    PAID = "paid"
    CANCELLED = "cancelled"
