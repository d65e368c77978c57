"""Every table refbot stores (DESIGN §5). Each row carries ``team_id`` (tenancy); times are
aware UTC; ``created_at`` has no default because services stamp it from the injected clock."""

import enum
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, MetaData, String, Text, UniqueConstraint, orm
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import (
    AtsKind,
    AtsMode,
    AtsPush,
    CandidateSource,
    CandidateStatus,
    ContactKind,
    DeliveryKind,
    DeliveryStatus,
    IntPk,
    IntroStatus,
    Json,
    NoteKind,
    OutreachChannel,
    PublicId,
    ReferralStrength,
    RewardStatus,
    RoleStatus,
    SessionStatus,
    SlackId,
    TeamId,
    UtcDateTime,
    UtcDateTimeType,
    str_enum_type,
)

# Stable constraint names: Alembic's SQLite batch mode needs them to drop or alter anything.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTimeType(),
        dict[str, Any]: JSON(),
        enum.Enum: str_enum_type(),
    }


class Member(Base):
    __tablename__ = "members"
    # Every referral reads the workspace's recruiters: without an index of their own, SQLite
    # reads every member of the team (see Delivery's indexes).
    __table_args__ = (
        UniqueConstraint("team_id", "user_id"),
        Index("ix_members_team_id_is_recruiter", "team_id", "is_recruiter"),
    )

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    user_id: Mapped[SlackId]
    is_recruiter: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    tz: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    display_name: Mapped[str | None] = mapped_column(String(200))
    profile_fetched_at: Mapped[UtcDateTime | None]


class Settings(Base):
    """Per-workspace, admin-editable defaults (DESIGN §6)."""

    __tablename__ = "settings"

    id: Mapped[IntPk]
    team_id: Mapped[TeamId] = mapped_column(unique=True)
    followup_first_days: Mapped[int] = mapped_column(default=3)
    followup_second_days: Mapped[int] = mapped_column(default=7)
    snooze_default_months: Mapped[int] = mapped_column(default=6)
    sla_business_days: Mapped[int] = mapped_column(default=2)
    credit_window_months: Mapped[int] = mapped_column(default=12)
    retention_months: Mapped[int] = mapped_column(default=24)
    locale: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[UtcDateTime | None]
    # A copy of the ATS connection's push mode, kept by bot.services.ats: a referral reads
    # this row anyway, so deciding to queue its ATS push costs no extra statement.
    ats_auto_push: Mapped[bool] = mapped_column(default=False)
    # The workspace's default referral reward (none when no amount): minor units of an ISO
    # 4217 currency, payable this many days after the start date (bot.services.rewards).
    reward_amount: Mapped[int | None]
    reward_currency: Mapped[str | None] = mapped_column(String(3))
    reward_days: Mapped[int | None]


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    team_id: Mapped[TeamId]
    title: Mapped[str] = mapped_column(String(200))
    team_name: Mapped[str | None] = mapped_column(String(100))
    hiring_manager_id: Mapped[SlackId | None]
    recruiter_id: Mapped[SlackId]
    status: Mapped[RoleStatus]
    ideal_profile: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[UtcDateTime]
    opened_at: Mapped[UtcDateTime | None]
    closed_at: Mapped[UtcDateTime | None]
    # This role's referral reward, overriding the workspace default (see Settings).
    reward_amount: Mapped[int | None]
    reward_currency: Mapped[str | None] = mapped_column(String(3))
    reward_days: Mapped[int | None]


class Candidate(Base):
    __tablename__ = "candidates"
    # Both columns are nullable: NULLs never collide, on SQLite and PostgreSQL alike.
    __table_args__ = (
        UniqueConstraint("team_id", "email"),
        UniqueConstraint("team_id", "profile_url"),
        Index("ix_candidates_team_id_status", "team_id", "status"),
        # `/refbot find` with a filter alone lists the most recently active (revision 0011).
        Index("ix_candidates_team_id_last_activity_at", "team_id", "last_activity_at"),
    )

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    team_id: Mapped[TeamId]
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))  # normalized by the service; RFC max
    profile_url: Mapped[str | None] = mapped_column(String(500))  # normalized likewise
    headline: Mapped[str | None] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[CandidateSource]
    status: Mapped[CandidateStatus] = mapped_column(default=CandidateStatus.NEW)
    owner_id: Mapped[SlackId | None]
    consent: Mapped[bool] = mapped_column(default=False)
    last_activity_at: Mapped[UtcDateTime]
    created_at: Mapped[UtcDateTime]
    archived_at: Mapped[UtcDateTime | None]

    # The database cascades deletes; passive_deletes stops the ORM loading children to do it.
    referrals: Mapped[list["Referral"]] = orm.relationship(
        back_populates="candidate", cascade="all, delete-orphan", passive_deletes=True
    )
    notes: Mapped[list["Note"]] = orm.relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="(Note.created_at, Note.id)"
    )


class ForgottenContact(Base):
    """A contact detail of someone forgotten on request, as a SHA-256 digest of its normalized
    form (never the address itself): the ATS history pull and file imports skip whoever it
    matches, so a forget is not undone by the next sync. A new referral in Slack is a new act,
    and is not blocked."""

    __tablename__ = "forgotten_contacts"
    __table_args__ = (UniqueConstraint("team_id", "digest"),)

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[UtcDateTime]


class CandidateContact(Base):
    """One of a candidate's other emails or profile links (an ATS keeps several): the primary
    ones stay on the candidate, these find her too (`candidates.find_duplicate`)."""

    __tablename__ = "candidate_contacts"
    # One person per address in a workspace, like candidates.email; also the lookup's index.
    __table_args__ = (UniqueConstraint("team_id", "kind", "value"),)

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ContactKind] = mapped_column(str_enum_type(ContactKind, length=16))
    value: Mapped[str] = mapped_column(String(500))  # normalized: an email (<= 320) or a URL
    created_at: Mapped[UtcDateTime]


class SourcingSession(Base):
    __tablename__ = "sourcing_sessions"

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    team_id: Mapped[TeamId]
    channel_id: Mapped[SlackId]
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id", ondelete="SET NULL"))
    owner_id: Mapped[SlackId]
    goal: Mapped[int | None]
    starts_at: Mapped[UtcDateTime]
    ends_at: Mapped[UtcDateTime]
    ended_at: Mapped[UtcDateTime | None]
    card_ts: Mapped[str | None] = mapped_column(String(32))  # Slack message ts of the card
    prompt: Mapped[str | None] = mapped_column(Text)  # "people you worked with at a fintech"
    status: Mapped[SessionStatus] = mapped_column(default=SessionStatus.RUNNING)


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_team_id_referrer_id", "team_id", "referrer_id"),
        # `/refbot find role:…` (storage.repositories.search), and a role's deletion.
        Index("ix_referrals_role_id_candidate_id", "role_id", "candidate_id"),
    )

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    team_id: Mapped[TeamId]
    # Indexed: PostgreSQL does not index foreign keys, and the cascade looks rows up by it.
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    referrer_id: Mapped[SlackId]
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id", ondelete="SET NULL"))
    relationship: Mapped[str | None] = mapped_column(String(40))
    strength: Mapped[ReferralStrength | None]
    candidate_knows: Mapped[bool | None]  # None: the referrer did not say
    can_intro: Mapped[bool]
    note: Mapped[str | None] = mapped_column(Text)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sourcing_sessions.id", ondelete="SET NULL")
    )
    credited: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[UtcDateTime]

    # orm.relationship, not relationship: the column above shadows the name in this class body.
    candidate: Mapped[Candidate] = orm.relationship(back_populates="referrals")
    role: Mapped[Role | None] = orm.relationship()


class IntroRequest(Base):
    __tablename__ = "intro_requests"

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    team_id: Mapped[TeamId]
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    recruiter_id: Mapped[SlackId]
    referrer_id: Mapped[SlackId]
    status: Mapped[IntroStatus] = mapped_column(default=IntroStatus.REQUESTED)
    draft: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[UtcDateTime]
    answered_at: Mapped[UtcDateTime | None]

    candidate: Mapped[Candidate] = orm.relationship()
    referral: Mapped[Referral] = orm.relationship()


class Template(Base):
    """An outreach message (Jinja2 source) in one variant and locale, for A/B comparison."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("team_id", "name", "variant", "locale"),)

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    name: Mapped[str] = mapped_column(String(100))
    variant: Mapped[str] = mapped_column(String(20), default="A")
    locale: Mapped[str] = mapped_column(String(10), default="en")
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[UtcDateTime]


class Outreach(Base):
    __tablename__ = "outreaches"

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    recruiter_id: Mapped[SlackId]
    template_id: Mapped[int | None] = mapped_column(ForeignKey("templates.id", ondelete="SET NULL"))
    variant: Mapped[str | None] = mapped_column(String(20))
    channel: Mapped[OutreachChannel] = mapped_column(str_enum_type(OutreachChannel, length=20))
    sent_at: Mapped[UtcDateTime | None]
    replied_at: Mapped[UtcDateTime | None]
    created_at: Mapped[UtcDateTime]


class Note(Base):
    __tablename__ = "notes"

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[SlackId]
    kind: Mapped[NoteKind]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[UtcDateTime]


class AuditLog(Base):
    __tablename__ = "audit_logs"
    # A subject's trail, read by every card (and a role's, by its page); see Delivery's.
    __table_args__ = (Index("ix_audit_logs_team_id_subject", "team_id", "subject"),)

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    actor_id: Mapped[SlackId | None]  # None: the bot itself (sweeps, retention)
    action: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(80))  # "candidate:<public_id>"
    detail: Mapped[Json]
    created_at: Mapped[UtcDateTime]


class Delivery(Base):
    """Outbox row: one message to someone other than the actor (DESIGN §6)."""

    __tablename__ = "deliveries"
    # The first two serve the dispatcher's claim (due or retry-due pending rows); then a
    # subject's rows (the cards a decision edits, what no longer applies), a person's (their
    # digest, their desk) and a sent message's (a click on it, an edit of it). Each leads with
    # what its queries name besides the team: SQLite, without statistics, takes a team_id index
    # over any other and reads every delivery the team ever had (hence none on team_id alone).
    __table_args__ = (
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_deliveries_status_due_at", "status", "due_at"),
        Index("ix_deliveries_team_id_subject", "team_id", "subject"),
        Index(
            "ix_deliveries_team_id_recipient_kind_due_at", "team_id", "recipient", "kind", "due_at"
        ),
        Index("ix_deliveries_channel_id_sent_ts", "channel_id", "sent_ts"),
    )

    id: Mapped[IntPk]
    team_id: Mapped[str] = mapped_column(String(32))  # indexed first by the composite ones
    kind: Mapped[DeliveryKind]
    subject: Mapped[str] = mapped_column(String(80))  # "candidate:12"
    recipient: Mapped[SlackId]  # a user (DM) or a channel
    due_at: Mapped[UtcDateTime]
    status: Mapped[DeliveryStatus] = mapped_column(default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[UtcDateTime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[UtcDateTime | None]
    channel_id: Mapped[str | None] = mapped_column(String(32))  # where it was posted (D… for DMs)
    sent_ts: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[UtcDateTime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[Json]
    created_at: Mapped[UtcDateTime]


class SeenRequest(Base):
    """A Slack request already handled: its event id, or the trigger id of a command or an
    interaction. Slack retries an event it thinks was lost; the second copy finds its key here."""

    __tablename__ = "seen_requests"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    team_id: Mapped[TeamId]
    seen_at: Mapped[UtcDateTime] = mapped_column(index=True)  # purged after a day


class AtsConnection(Base):
    """A workspace's ATS (issue 16). The credentials and the webhook secret are Fernet tokens
    (storage.encryption, REFBOT_SECRET_KEY), written and read by storage.repositories.ats."""

    __tablename__ = "ats_connections"

    id: Mapped[IntPk]
    team_id: Mapped[TeamId] = mapped_column(unique=True)
    kind: Mapped[AtsKind]
    credentials: Mapped[str] = mapped_column(Text)  # encrypted JSON: client id/secret, API key
    webhook_secret: Mapped[str | None] = mapped_column(Text)  # encrypted
    acting_user_id: Mapped[str] = mapped_column(String(64))  # Greenhouse `sub`, Lever perform_as
    acting_user_name: Mapped[str | None] = mapped_column(String(200))
    mode: Mapped[AtsMode]
    push: Mapped[AtsPush]
    connected_by: Mapped[SlackId]
    connected_at: Mapped[UtcDateTime]


class AtsLink(Base):
    """Where a refbot candidate is in the ATS: the person and the application refbot created
    (or found). Pushes are idempotent by it; pulls find the candidate by the ATS's ids."""

    __tablename__ = "ats_links"
    __table_args__ = (
        UniqueConstraint("candidate_id", "ats"),
        Index("ix_ats_links_team_id_ats_ats_candidate_id", "team_id", "ats", "ats_candidate_id"),
    )

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referrals.id", ondelete="SET NULL"), index=True
    )
    ats: Mapped[AtsKind]
    ats_candidate_id: Mapped[str] = mapped_column(String(64))
    ats_application_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # created, resumed, existing
    referrer_credited: Mapped[bool] = mapped_column(default=False)
    credited_to: Mapped[SlackId | None]  # the referrer the ATS credits, or a note names
    created_at: Mapped[UtcDateTime]
    updated_at: Mapped[UtcDateTime]


class AtsApplicationState(Base):
    """The last state refbot applied of an ATS application (Greenhouse) or opportunity (Lever):
    "hired", "rejected" or "active:<stage id>". A webhook and a poll reporting the same change
    both try to move it; only the first finds it different, so each change is applied once."""

    __tablename__ = "ats_applications"
    __table_args__ = (UniqueConstraint("team_id", "ats", "application_id"),)

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    ats: Mapped[AtsKind]
    application_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[UtcDateTime | None]  # the ATS's time of that state: older news is ignored
    updated_at: Mapped[UtcDateTime]


class AtsJobLink(Base):
    """The refbot role an ATS job (Greenhouse) or posting (Lever) became."""

    __tablename__ = "ats_jobs"
    __table_args__ = (UniqueConstraint("team_id", "ats", "job_id"),)

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    ats: Mapped[AtsKind]
    job_id: Mapped[str] = mapped_column(String(64))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), index=True)
    updated_at: Mapped[UtcDateTime]


class AtsStage(Base):
    """A stage of the workspace's ATS refbot knows (a default, or seen in a change) and the
    refbot status the admin mapped it to (None: the default mapping, bot.services.ats_stages)."""

    __tablename__ = "ats_stages"
    __table_args__ = (UniqueConstraint("team_id", "ats", "stage"),)

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    ats: Mapped[AtsKind]
    stage: Mapped[str] = mapped_column(String(120))  # the name, casefolded: the mapping's key
    name: Mapped[str] = mapped_column(String(200))  # as the ATS spells it
    status: Mapped[CandidateStatus | None]
    seen_at: Mapped[UtcDateTime | None]  # the last change refbot read at this stage
    updated_at: Mapped[UtcDateTime]
    updated_by: Mapped[SlackId | None]


class AtsWrite(Base):
    """A state refbot wrote to an ATS application (a Slack edit written back). When the ATS
    reports that state back (webhook or poll), it is refbot's own change: recorded, not applied,
    nobody told again (bot.services.ats_pull)."""

    __tablename__ = "ats_writes"
    __table_args__ = (
        Index("ix_ats_writes_team_id_ats_application_id", "team_id", "ats", "application_id"),
    )

    id: Mapped[IntPk]
    team_id: Mapped[str] = mapped_column(String(32))
    ats: Mapped[AtsKind]
    application_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(120))
    written_at: Mapped[UtcDateTime]
    echoed: Mapped[bool] = mapped_column(default=False)


class AtsCursor(Base):
    """Where polling resumes, per workspace, ATS and resource (an environment connection has
    no ats_connections row, so the cursors live here for both)."""

    __tablename__ = "ats_cursors"
    __table_args__ = (UniqueConstraint("team_id", "ats", "resource"),)

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    ats: Mapped[AtsKind]
    resource: Mapped[str] = mapped_column(String(32))
    position: Mapped[UtcDateTime]
    updated_at: Mapped[UtcDateTime]


class RoundupSettings(Base):
    """Where and when a workspace's open roles are posted for referral, and whether a monthly
    thank-you goes out (issue 17; edited by admins from `/refbot admin`)."""

    __tablename__ = "roundup_settings"

    id: Mapped[IntPk]
    team_id: Mapped[TeamId] = mapped_column(unique=True)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)  # channel ids
    weekday: Mapped[int | None]  # 0 = Monday, in the workspace's zone; None: no weekly post
    hour: Mapped[int] = mapped_column(default=10)
    # Roles that open from this instant on are announced once; None: no announcements (and an
    # admin turning it on does not flood the channels with every role already open).
    announce_since: Mapped[UtcDateTime | None]
    recognition_channel: Mapped[SlackId | None]  # None: no monthly thank-you
    updated_at: Mapped[UtcDateTime]


class RoundupPreference(Base):
    """One person's choices: a weekly DM of matching roles, and staying unnamed in thank-yous."""

    __tablename__ = "roundup_preferences"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    user_id: Mapped[SlackId]
    dm: Mapped[bool] = mapped_column(default=False)
    dm_team: Mapped[str | None] = mapped_column(String(100))  # a role's team, as roles name it
    dm_keywords: Mapped[str | None] = mapped_column(String(200))
    unnamed: Mapped[bool] = mapped_column(default=False)  # "Don't name me in thank-you posts"
    updated_at: Mapped[UtcDateTime]


class Reward(Base):
    """What a credited referrer is owed for a hire (issue 17). Nothing personal is kept here:
    the candidate may be forgotten (the row stays for payroll) or purged (SET NULL)."""

    __tablename__ = "rewards"
    __table_args__ = (
        Index("ix_rewards_team_id_status_payable_on", "team_id", "status", "payable_on"),
    )

    id: Mapped[IntPk]
    public_id: Mapped[PublicId]
    team_id: Mapped[TeamId]
    candidate_id: Mapped[int | None] = mapped_column(
        ForeignKey("candidates.id", ondelete="SET NULL"), index=True
    )
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id", ondelete="SET NULL"))
    referrer_id: Mapped[SlackId] = mapped_column(index=True)
    amount: Mapped[int]  # minor units (cents): never a float
    currency: Mapped[str] = mapped_column(String(3))
    days: Mapped[int]  # after the start date
    started_on: Mapped[date]  # the start date where known, else the hire date
    payable_on: Mapped[date]
    payable_at: Mapped[UtcDateTime]  # 09:00 on payable_on in the referrer's zone
    status: Mapped[RewardStatus] = mapped_column(default=RewardStatus.PENDING)
    hired_at: Mapped[UtcDateTime]
    paid_at: Mapped[UtcDateTime | None]
    paid_by: Mapped[SlackId | None]
    cancelled_at: Mapped[UtcDateTime | None]
    created_at: Mapped[UtcDateTime]


class CandidateFile(Base):
    """A CV a referrer attached to a referral: refbot keeps Slack's reference to the referrer's
    own upload (its bytes stay in Slack), never a copy in the database."""

    __tablename__ = "candidate_files"
    __table_args__ = (UniqueConstraint("referral_id", "slack_file_id"),)

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    slack_file_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    filetype: Mapped[str] = mapped_column(String(16))
    size: Mapped[int]
    uploaded_by: Mapped[SlackId]
    created_at: Mapped[UtcDateTime]


class CandidateFileCopy(Base):
    """A copy refbot uploaded of a CV, shared into one recruiter's DM: what a forget deletes.
    Recorded before the upload completes (shared_at None), so a send retried after an
    uncertain answer looks for this copy instead of uploading a second one."""

    __tablename__ = "candidate_file_copies"
    __table_args__ = (UniqueConstraint("file_id", "recipient"),)

    id: Mapped[IntPk]
    team_id: Mapped[TeamId]
    file_id: Mapped[int] = mapped_column(
        ForeignKey("candidate_files.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[SlackId]
    channel_id: Mapped[SlackId]  # the recipient's DM with refbot
    slack_file_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[UtcDateTime]
    shared_at: Mapped[datetime | None] = mapped_column(UtcDateTimeType())
