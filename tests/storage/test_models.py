import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, ping
from storage.models import (
    AtsApplicationState,
    AtsConnection,
    AtsCursor,
    AtsJobLink,
    AtsLink,
    AtsStage,
    AtsWrite,
    AuditLog,
    Base,
    Candidate,
    CandidateContact,
    CandidateFile,
    CandidateFileCopy,
    Delivery,
    ForgottenContact,
    IntroRequest,
    Member,
    Note,
    Outreach,
    Referral,
    Reward,
    Role,
    RoundupPreference,
    RoundupSettings,
    SeenRequest,
    Settings,
    SourcingSession,
    Template,
)
from storage.types import (
    AtsKind,
    AtsMode,
    AtsPush,
    CandidateSource,
    CandidateStatus,
    ContactKind,
    DeliveryKind,
    DeliveryStatus,
    IntroStatus,
    NoteKind,
    OutreachChannel,
    ReferralStrength,
    RewardStatus,
    RoleStatus,
    SessionStatus,
)

Sessions = sessionmaker[Session]
TEAM, OTHER_TEAM = "T0001", "T0002"
RECRUITER, REFERRER = "U0REC", "U0REF"
NOW = datetime(2025, 3, 30, 7, 30, tzinfo=UTC)


def candidate(**fields: Any) -> Candidate:
    defaults = {
        "team_id": TEAM,
        "name": "Ada Lovelace",
        "source": CandidateSource.REFERRAL,
        "last_activity_at": NOW,
        "created_at": NOW,
    }
    return Candidate(**(defaults | fields))


def delivery(dedupe_key: str = "follow_up:1:1", **fields: Any) -> Delivery:
    defaults = {
        "team_id": TEAM,
        "kind": DeliveryKind.FOLLOW_UP,
        "subject": "candidate:1",
        "recipient": RECRUITER,
        "due_at": NOW,
        "created_at": NOW,
    }
    return Delivery(dedupe_key=dedupe_key, **(defaults | fields))


def referral(candidate_id: int) -> Referral:
    return Referral(
        team_id=TEAM,
        candidate_id=candidate_id,
        referrer_id=REFERRER,
        candidate_knows=True,
        can_intro=False,
        created_at=NOW,
    )


def test_one_row_of_each_model_is_stored_with_its_defaults(sessions: Sessions) -> None:
    with sessions.begin() as s:
        role = Role(
            team_id=TEAM,
            title="Backend engineer",
            recruiter_id=RECRUITER,
            status=RoleStatus.OPEN,
            created_at=NOW,
        )
        ada = candidate(email="ada@example.com", profile_url="https://linkedin.com/in/ada")
        template = Template(team_id=TEAM, name="first touch", body="Hi {{ name }}", created_at=NOW)
        s.add_all([role, ada, template])
        s.flush()
        sourcing = SourcingSession(
            team_id=TEAM,
            channel_id="C0SRC",
            role_id=role.id,
            owner_id=RECRUITER,
            goal=20,
            starts_at=NOW,
            ends_at=NOW + timedelta(hours=1),
        )
        s.add(sourcing)
        s.flush()
        ref = Referral(
            team_id=TEAM,
            candidate=ada,
            referrer_id=REFERRER,
            role_id=role.id,
            relationship="ex-colleague",
            strength=ReferralStrength.STRONG,
            candidate_knows=True,
            can_intro=True,
            session_id=sourcing.id,
            created_at=NOW,
        )
        s.add(ref)
        s.flush()
        cv = CandidateFile(
            team_id=TEAM,
            candidate_id=ada.id,
            referral_id=ref.id,
            slack_file_id="F0CV",
            name="ada.pdf",
            filetype="pdf",
            size=1024,
            uploaded_by=REFERRER,
            created_at=NOW,
        )
        s.add(cv)
        s.flush()
        s.add(
            CandidateFileCopy(
                team_id=TEAM,
                file_id=cv.id,
                recipient=RECRUITER,
                channel_id="D0RITA",
                slack_file_id="F0COPY",
                created_at=NOW,
            )
        )
        s.add_all(
            [
                Member(team_id=TEAM, user_id=RECRUITER, is_recruiter=True, tz="Europe/Paris"),
                Settings(team_id=TEAM),
                IntroRequest(
                    team_id=TEAM,
                    candidate_id=ada.id,
                    referral_id=ref.id,
                    recruiter_id=RECRUITER,
                    referrer_id=REFERRER,
                    created_at=NOW,
                ),
                Outreach(
                    team_id=TEAM,
                    candidate_id=ada.id,
                    recruiter_id=RECRUITER,
                    template_id=template.id,
                    variant="A",
                    channel=OutreachChannel.EMAIL,
                    sent_at=NOW,
                    created_at=NOW,
                ),
                Note(
                    team_id=TEAM,
                    candidate_id=ada.id,
                    author_id=RECRUITER,
                    kind=NoteKind.NOTE,
                    body="met at PyCon",
                    created_at=NOW,
                ),
                CandidateContact(
                    team_id=TEAM,
                    candidate_id=ada.id,
                    kind=ContactKind.EMAIL,
                    value="ada.lovelace@example.org",
                    created_at=NOW,
                ),
                AtsConnection(
                    team_id=TEAM,
                    kind=AtsKind.GREENHOUSE,
                    credentials="encrypted",
                    acting_user_id="4080",
                    mode=AtsMode.WEBHOOKS,
                    push=AtsPush.AUTO,
                    connected_by=RECRUITER,
                    connected_at=NOW,
                ),
                AtsLink(
                    team_id=TEAM,
                    candidate_id=ada.id,
                    ats=AtsKind.GREENHOUSE,
                    ats_candidate_id="1001",
                    outcome="created",
                    created_at=NOW,
                    updated_at=NOW,
                ),
                AtsApplicationState(
                    team_id=TEAM,
                    ats=AtsKind.GREENHOUSE,
                    application_id="2002",
                    state="active:1",
                    updated_at=NOW,
                ),
                AtsJobLink(
                    team_id=TEAM,
                    ats=AtsKind.GREENHOUSE,
                    job_id="3003",
                    role_id=role.id,
                    updated_at=NOW,
                ),
                AtsStage(
                    team_id=TEAM,
                    ats=AtsKind.GREENHOUSE,
                    stage="onsite",
                    name="Onsite",
                    status=None,
                    updated_at=NOW,
                ),
                AtsWrite(
                    team_id=TEAM,
                    ats=AtsKind.GREENHOUSE,
                    application_id="2002",
                    state="rejected",
                    written_at=NOW,
                ),
                AtsCursor(
                    team_id=TEAM,
                    ats=AtsKind.GREENHOUSE,
                    resource="applications",
                    position=NOW,
                    updated_at=NOW,
                ),
                AuditLog(
                    team_id=TEAM,
                    actor_id=RECRUITER,
                    action="candidate.create",
                    subject=f"candidate:{ada.public_id}",
                    created_at=NOW,
                ),
                delivery(payload={"referral": ref.public_id, "attempt": [1, 2]}),
                SeenRequest(key="Ev0001", team_id=TEAM, seen_at=NOW),
                RoundupSettings(team_id=TEAM, updated_at=NOW),
                RoundupPreference(team_id=TEAM, user_id=RECRUITER, updated_at=NOW),
                ForgottenContact(team_id=TEAM, digest="0" * 64, created_at=NOW),
                Reward(
                    team_id=TEAM,
                    candidate_id=ada.id,
                    referral_id=ref.id,
                    role_id=role.id,
                    referrer_id=REFERRER,
                    amount=100000,
                    currency="EUR",
                    days=90,
                    started_on=NOW.date(),
                    payable_on=NOW.date() + timedelta(days=90),
                    payable_at=NOW + timedelta(days=90),
                    hired_at=NOW,
                    created_at=NOW,
                ),
            ]
        )

    with sessions() as s:
        for table in Base.metadata.sorted_tables:
            count = s.scalar(select(func.count()).select_from(table).where(table.c.team_id == TEAM))
            assert count == 1, table.name
        roundup = s.scalars(select(RoundupSettings)).one()
        assert (roundup.channels, roundup.hour, roundup.announce_since) == ([], 10, None)
        choice = s.scalars(select(RoundupPreference)).one()
        assert (choice.dm, choice.unnamed) == (False, False)
        ada = s.scalars(select(Candidate)).one()
        assert (ada.status, ada.tags, ada.consent) == (CandidateStatus.NEW, "", False)
        assert len(ada.public_id) == 12
        assert [(r.credited, r.role and r.role.title) for r in ada.referrals] == [
            (True, "Backend engineer")
        ]
        assert [n.body for n in ada.notes] == ["met at PyCon"]
        assert s.scalars(select(Reward.status)).one() is RewardStatus.PENDING
        assert s.scalars(select(IntroRequest.status)).one() is IntroStatus.REQUESTED
        assert s.scalars(select(SourcingSession.status)).one() is SessionStatus.RUNNING
        settings = s.scalars(select(Settings)).one()
        assert (settings.followup_first_days, settings.followup_second_days) == (3, 7)
        assert (settings.snooze_default_months, settings.retention_months) == (6, 24)
        member = s.scalars(select(Member)).one()
        assert (member.is_recruiter, member.is_admin) == (True, False)
        sent = s.scalars(select(Delivery)).one()
        assert (sent.status, sent.attempts) == (DeliveryStatus.PENDING, 0)
        assert sent.payload == {"referral": ref.public_id, "attempt": [1, 2]}
        assert s.scalars(select(AuditLog.detail)).one() == {}


@pytest.mark.parametrize("field", ["email", "profile_url"])
def test_candidate_email_and_profile_are_unique_within_a_team_only(
    sessions: Sessions, field: str
) -> None:
    with sessions.begin() as s:
        s.add_all(
            [
                candidate(**{field: "ada@example.com"}),
                candidate(team_id=OTHER_TEAM, **{field: "ada@example.com"}),
                candidate(**{field: None}),
                candidate(**{field: None}),
            ]
        )

    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(candidate(**{field: "ada@example.com"}))


def test_delivery_dedupe_key_is_unique(sessions: Sessions) -> None:
    with sessions.begin() as s:
        s.add(delivery("snooze_end:7"))

    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(delivery("snooze_end:7", team_id=OTHER_TEAM))


def test_foreign_keys_are_enforced_on_every_engine(sessions: Sessions) -> None:
    with pytest.raises(IntegrityError), sessions.begin() as s:
        s.add(referral(candidate_id=999))


def test_deleting_a_candidate_cascades_in_the_database(sessions: Sessions) -> None:
    with sessions.begin() as s:
        ada = candidate()
        s.add(ada)
        s.flush()
        s.add(referral(ada.id))

    with sessions.begin() as s:
        s.execute(delete(Candidate))  # Core delete: only the database can cascade

    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Referral)) == 0


def test_aware_time_comes_back_as_the_same_instant_in_utc(sessions: Sessions) -> None:
    # 03:30 in Paris, just after the spring-forward gap: 01:30 UTC.
    paris = datetime(2025, 3, 30, 3, 30, tzinfo=ZoneInfo("Europe/Paris"))
    with sessions.begin() as s:
        s.add(delivery(due_at=paris))

    with sessions() as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SET TIME ZONE 'Asia/Kolkata'"))  # answers must not depend on it
        due_at = s.scalars(select(Delivery.due_at)).one()
        earlier = s.scalars(select(Delivery.id).where(Delivery.due_at < paris)).all()
        later = s.scalars(select(Delivery.id).where(Delivery.due_at < NOW)).all()
        if s.get_bind().dialect.name == "sqlite":
            raw = s.execute(text("SELECT due_at FROM deliveries")).scalar()
            assert raw == "2025-03-30 01:30:00.000000"  # naive UTC text sorts correctly

    assert due_at == paris
    assert due_at.tzinfo is UTC
    assert due_at.hour == 1
    assert (earlier, len(later)) == ([], 1)


def test_naive_time_is_refused_on_bind(sessions: Sessions) -> None:
    with pytest.raises(StatementError) as raised, sessions.begin() as s:
        s.add(delivery(due_at=datetime(2025, 3, 30, 9, 0)))

    assert isinstance(raised.value.orig, ValueError)
    assert "naive" in str(raised.value.orig)


def test_ping_tells_a_live_database_from_a_dead_one(migrated_url: str, tmp_path: Any) -> None:
    live = make_engine(migrated_url)
    dead = make_engine(f"sqlite:///{tmp_path}/missing/dir/refbot.db")
    unreachable = make_engine("postgresql://nobody@127.0.0.1:1/refbot")
    try:
        assert ping(live)
        assert not ping(dead)
        assert not ping(unreachable)
    finally:
        for engine in (live, dead, unreachable):
            engine.dispose()


def test_a_burst_of_every_thread_at_once_reuses_its_postgresql_connections(
    migrated_url: str,
) -> None:
    """Bolt's 8 request threads, the dispatcher's 8 senders and a few scheduler jobs may all
    hold a connection at once; connections beyond the pool's size are closed on return and
    opened again at the next burst, each a new server process that a loaded machine can take
    seconds to start (a referral was once refused as "database unreachable" that way)."""
    if not migrated_url.startswith("postgresql"):
        pytest.skip("SQLite opens a file, not a server process")
    engine = make_engine(migrated_url)
    opened = 0

    def count(*_: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(engine, "connect", count)
    holders = 20
    barrier = threading.Barrier(holders)

    def hold() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            barrier.wait(timeout=30)  # all twenty at once

    try:
        for _ in range(3):  # three bursts
            with ThreadPoolExecutor(holders) as pool:
                for future in [pool.submit(hold) for _ in range(holders)]:
                    future.result()
        assert opened == holders
    finally:
        engine.dispose()
