"""refbot's export read back exactly: a database people used through Slack, exported and restored
into an empty one, holds the same rows (ids aside), comes due on the same dates and gives the
same stats; restored into itself, it changes nothing. On SQLite and PostgreSQL."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from bot import clock as refbot_clock
from bot.services.recognition import POST_WINDOW, RECOGNITION
from bot.services.roundups import ANNOUNCE_WITHIN, PERSONAL, ROUNDUP, WEEK_WINDOW
from bot.slack_emulator import SlackEmulator
from bot.transfer.backup import is_refbot_export, is_refbot_json, restore_csv, restore_json
from bot.transfer.exporting import (
    CANDIDATE_REMINDERS,
    ROUNDUP_POSTS,
    ROUNDUP_POSTS_WITHIN,
    export_candidates,
)
from bot.transfer.records import Counts
from storage.db import Sessions, make_engine, make_sessions
from storage.models import (
    AuditLog,
    Base,
    Candidate,
    CandidateContact,
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
    Settings,
    SourcingSession,
    Template,
)
from storage.types import ContactKind, DeliveryKind, DeliveryStatus
from tests.conftest import (
    EMPLOYEE,
    FRENCH_EMPLOYEE,
    RECRUITER,
    TEAM,
    Clock,
    Refbot,
    settings_for,
)
from tests.e2e.test_admin import VALID
from tests.e2e.test_decisions import role
from tests.e2e.test_forget_everywhere import forget
from tests.e2e.test_referral import refer as refer_in_modal
from tests.e2e.test_roundups import JOBS, THANKS, configure, posts, roundup_dms, subscribe
from tests.e2e.test_roundups import role as team_role
from tests.e2e.test_sourcing import THIRD, add, card, start

BARBARA_NOTE = "back from parental leave in the spring"
REWARD_DEFAULT = {"reward_amount": "750", "reward_currency": "GBP", "reward_days": "60"}


# -- databases -----------------------------------------------------------------------------------


@pytest.fixture
def empty_database(
    migrated_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], str]]:
    """Another migrated, empty database on the same engine as `migrated_url`, per call."""
    made: list[Any] = []

    def make() -> str:
        name = f"copy_{uuid.uuid4().hex[:16]}"
        if migrated_url.startswith("sqlite"):
            path = tmp_path / f"{name}.db"
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
            return f"sqlite:///{path}"
        server = request.getfixturevalue("pg_server")
        janitor = server.janitor(name, request.getfixturevalue("pg_template"))
        janitor.__enter__()
        made.append(janitor)
        return str(server.url(name))

    yield make
    for janitor in made:
        janitor.__exit__(None, None, None)


@dataclass
class Database:
    url: str
    sessions: Sessions

    def close(self) -> None:
        self.sessions.kw["bind"].dispose()


def opened(url: str) -> Database:
    return Database(url, make_sessions(make_engine(url)))


# -- the story, through Slack --------------------------------------------------------------------


def pid(sessions: Sessions, email: str) -> str:
    with sessions() as s:
        return s.scalars(select(Candidate.public_id).where(Candidate.email == email)).one()


def status(sessions: Sessions, candidate: str) -> str:
    with sessions() as s:
        found = s.scalars(select(Candidate).where(Candidate.public_id == candidate)).one()
        return found.status.value


def refer(refbot: Refbot, user: str, **fields: str) -> None:
    refbot.slack.close_views(user)  # the last referral's confirmation was closed
    refer_in_modal(refbot, user, **fields)
    refbot.slack.close_views(user)


def open_modal(refbot: Refbot, user: str, callback_id: str) -> None:
    assert refbot.slack.wait_for(
        lambda: any(v["callback_id"] == callback_id for v in refbot.slack.open_views(user))
    )


def carded(refbot: Refbot, candidate: str) -> None:
    """The recruiter's card of the candidate is in their DMs."""
    assert refbot.slack.wait_for(
        lambda: any(
            m.has_button("candidate_snooze") and candidate in json.dumps(m.blocks)
            for m in refbot.slack.dms(RECRUITER)
        )
    )


def snooze(refbot: Refbot, candidate: str, until: str, note: str) -> None:
    refbot.slack.close_views(RECRUITER)
    refbot.click(RECRUITER, "candidate_snooze", value=candidate)
    open_modal(refbot, RECRUITER, "snooze_submit")
    refbot.submit(RECRUITER, "snooze_submit", until=until, note=note)
    refbot.slack.close_views(RECRUITER)


def reach_out(refbot: Refbot, candidate: str, template: str, channel: str) -> None:
    refbot.slack.close_views(RECRUITER)
    refbot.click(RECRUITER, "candidate_reach_out", value=candidate)
    open_modal(refbot, RECRUITER, "reach_out_submit")
    refbot.submit(RECRUITER, "reach_out_submit", template=template, channel=channel)
    refbot.slack.close_views(RECRUITER)


def build_through_slack(refbot: Refbot, slack: SlackEmulator, clock: Clock, db: Sessions) -> None:
    """Roles open and upcoming; a snooze that came back and was reactivated; a referral made
    twice (two referrers, one credited) reached out to and answered; a lead introduced; a
    reach-out waiting for its follow-ups; a snooze still running; a sourcing session with
    contributions; a person forgotten. Settings and a wording of the workspace's own."""
    refbot.command(RECRUITER, "/refbot", "admin")
    open_modal(refbot, RECRUITER, "admin_submit")
    wording = "Yo {{ first_name }}, {{ recruiter }} here."
    refbot.submit(
        RECRUITER,
        "admin_submit",
        **VALID,
        template="referred_A",
        template_body=wording,
        **REWARD_DEFAULT,
    )
    refbot.slack.close_views(RECRUITER)
    engineer = role(refbot, "Staff Engineer")
    role(refbot, "Data Lead", status="upcoming")
    with db.begin() as s:  # the role's own reward (the modal's, tested in tests/e2e/test_rewards)
        found = s.scalars(select(Role).where(Role.public_id == engineer)).one()
        found.reward_amount, found.reward_currency, found.reward_days = 150000, "EUR", 90

    refer(refbot, EMPLOYEE, name="Katherine Johnson", email="kj@example.com", candidate_knows="yes")
    katherine = pid(db, "kj@example.com")
    carded(refbot, katherine)
    snooze(refbot, katherine, "1m", "after her thesis")
    clock.travel(days=35)
    refbot.sweep()
    assert slack.wait_for(
        lambda: any("Snooze over" in m.plain_text() for m in slack.dms(RECRUITER))
    )
    refbot.click(RECRUITER, "candidate_reactivate", value=katherine)
    assert slack.wait_for(lambda: status(db, katherine) == "reviewing")

    refer(
        refbot,
        EMPLOYEE,
        name="Ada Lovelace",
        email="ada@example.com",
        role=engineer,
        relationship="worked_together",
        strength="strong",
        candidate_knows="yes",
        note="Brilliant, & knows <everyone>",
    )
    ada = pid(db, "ada@example.com")
    carded(refbot, ada)
    refer(
        refbot,
        FRENCH_EMPLOYEE,
        name="Ada L.",
        email="ADA@example.com",
        profile_url="https://www.linkedin.com/in/ada-lovelace",
        candidate_knows="yes",
    )
    reach_out(refbot, ada, "referred_A", "email")
    clock.travel(days=6)
    refbot.sweep()
    assert slack.wait_for(
        lambda: any(m.has_button("followup_replied") for m in slack.dms(RECRUITER))
    )
    refbot.click(RECRUITER, "followup_replied", value=ada)
    assert slack.wait_for(lambda: replied(db, ada))

    refer(
        refbot,
        EMPLOYEE,
        name="Grace Hopper",
        email="grace@example.com",
        candidate_knows="no",
        can_intro="yes",
    )
    grace = pid(db, "grace@example.com")
    carded(refbot, grace)
    refbot.click(RECRUITER, "candidate_request_intro", value=grace)
    assert slack.wait_for(lambda: any(m.has_button("intro_accept") for m in slack.dms(EMPLOYEE)))
    refbot.click(EMPLOYEE, "intro_accept")
    assert slack.wait_for(lambda: intro_answered(db))

    refer(refbot, FRENCH_EMPLOYEE, name="Linus T", email="linus@example.com", candidate_knows="yes")
    linus = pid(db, "linus@example.com")
    carded(refbot, linus)
    reach_out(refbot, linus, "referred_B", "linkedin")

    refer(refbot, EMPLOYEE, name="Barbara Liskov", email="barbara@example.com")
    barbara = pid(db, "barbara@example.com")
    carded(refbot, barbara)
    snooze(refbot, barbara, "6m", BARBARA_NOTE)

    session_card = start(refbot, slack)
    add(refbot, EMPLOYEE, session_card, name="Xena One", email="x1@example.com")
    add(refbot, THIRD, session_card, name="Uma Four", email="x4@example.com")
    add(refbot, THIRD, session_card, name="Known", email="kj@example.com")
    clock.travel(seconds=6)
    refbot.sweep()
    final = card(slack)
    assert final is not None
    refbot.click(RECRUITER, "sourcing_end", on=final)
    assert slack.wait_for(lambda: any("Thank you all" in m.text for m in slack.messages()))

    refer(refbot, EMPLOYEE, name="Mallory Moe", email="mallory@example.com")
    carded(refbot, pid(db, "mallory@example.com"))
    forget(refbot, "mallory@example.com")
    assert slack.wait_for(lambda: forgotten(db))
    refbot.sweep()
    # Katherine is hired: Alice's reward (the workspace default) waits for its date; Grace's
    # hire was undone, so hers is cancelled.
    for hire, undo in ((katherine, None), (grace, "interviewing")):
        refbot.click(RECRUITER, "candidate_stage", choose=f"{hire}:hired")
        assert slack.wait_for(lambda h=hire: status(db, h) == "hired")
        if undo:
            refbot.click(RECRUITER, "candidate_stage", choose=f"{hire}:{undo}")
            assert slack.wait_for(lambda h=hire, u=undo: status(db, h) == u)
    # Other emails and links come from imports (Slack gives one of each): Ada has two.
    with db.begin() as s:
        ada_id = s.scalars(select(Candidate.id).where(Candidate.public_id == ada)).one()
        for kind, value in (
            (ContactKind.EMAIL, "ada@analytical.example"),
            (ContactKind.PROFILE_URL, "https://github.com/ada"),
        ):
            s.add(
                CandidateContact(
                    team_id=TEAM,
                    candidate_id=ada_id,
                    kind=kind,
                    value=value,
                    created_at=refbot_clock.now(),
                )
            )
    roundups_through_slack(refbot, slack)


def roundups_through_slack(refbot: Refbot, slack: SlackEmulator) -> None:
    """Rita posts the open roles in #jobs weekly from this very hour, announces new ones there
    and thanks referrers monthly in #thanks; Alice asks for a DM roundup of the Data team's
    roles, the third colleague asked for one of Python roles then stopped it, and Camille would
    rather not be named. This week's roundup, a new role's announcement and Alice's DM go out."""
    services = refbot.runtime.services
    zone = ZoneInfo(services.roundups.settings_view(team_id=TEAM, actor_id=RECRUITER).timezone)
    local = refbot_clock.now().astimezone(zone)
    answer = configure(
        refbot,
        roundup_channels=[JOBS],
        roundup_weekday=str(local.weekday()),
        roundup_hour=str(local.hour),
        roundup_announce=["yes"],
        recognition_channel=THANKS,
    )
    assert answer["response_action"] == "update"
    team_role(refbot, "Data Engineer", team="Data", profile="Python and SQL")
    subscribe(refbot, EMPLOYEE, roundup_team="Data")
    subscribe(refbot, THIRD, roundup_keywords="python, SQL")
    refbot.click(THIRD, "home_roundup_stop")
    assert slack.wait_for(lambda: "home_roundup_dm" in str((slack.home(THIRD) or {}).get("blocks")))
    refbot.open_home(FRENCH_EMPLOYEE)
    assert slack.wait_for(lambda: "home_thanks_name" in str(slack.home(FRENCH_EMPLOYEE)))
    refbot.click(FRENCH_EMPLOYEE, "home_thanks_name", value="hide")
    assert slack.wait_for(lambda: "show" in str((slack.home(FRENCH_EMPLOYEE) or {}).get("blocks")))

    roundup_jobs(refbot)

    assert len(posts(slack, JOBS)) == 2  # the week's roundup, then "a new role"
    assert len(roundup_dms(slack, EMPLOYEE)) == 1 and roundup_dms(slack, THIRD) == []


def roundup_jobs(refbot: Refbot) -> None:
    """The scheduler's roundup and thank-you jobs, then the dispatcher."""
    jobs = refbot.runtime.services
    jobs.roundups.queue_due()
    jobs.roundups.announce_opened()
    jobs.recognition.queue_due()
    refbot.sweep()


def replied(db: Sessions, candidate: str) -> bool:
    with db() as s:
        found = s.scalar(
            select(Outreach.replied_at)
            .join(Candidate, Candidate.id == Outreach.candidate_id)
            .where(Candidate.public_id == candidate)
        )
        return found is not None


def intro_answered(db: Sessions) -> bool:
    with db() as s:
        return s.scalar(select(IntroRequest.answered_at)) is not None


def forgotten(db: Sessions) -> bool:
    with db() as s:
        return (
            s.scalar(select(AuditLog.id).where(AuditLog.action == "candidate.forget")) is not None
        )


# -- comparing ------------------------------------------------------------------------------------


def covered(s: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every table the export covers, row by row, database ids replaced by public ids or by
    natural keys (a note or an outreach: its candidate and its position among theirs)."""
    candidates = dict(s.execute(select(Candidate.id, Candidate.public_id)).all())
    roles = dict(s.execute(select(Role.id, Role.public_id)).all())
    sessions = dict(s.execute(select(SourcingSession.id, SourcingSession.public_id)).all())
    referrals = dict(s.execute(select(Referral.id, Referral.public_id)).all())
    templates = {t.id: (t.name, t.variant, t.locale) for t in s.scalars(select(Template))}
    notes = _positions(s, Note)
    outreach = _positions(s, Outreach)
    keys = {
        "candidate_id": candidates,
        "role_id": roles,
        "session_id": sessions,
        "referral_id": referrals,
        "template_id": templates,
    }

    def rows(model: type[Base], where: Any = None, *, translate: Any = None) -> list[tuple]:
        query = select(model) if where is None else select(model).where(where)
        found = []
        for row in s.scalars(query):
            values = {}
            for column in model.__table__.columns:
                if column.key in ("id", "profile_fetched_at"):
                    continue  # ids may differ; when Slack was last asked is no data
                value = getattr(row, column.key)
                if column.key in keys and value is not None:
                    value = keys[column.key][value]
                values[column.key] = value
            if translate is not None:
                values = translate(values)
            found.append(tuple(sorted((k, repr(v)) for k, v in values.items())))
        return sorted(found)

    def ids_in(values: dict[str, Any]) -> dict[str, Any]:
        for field in ("payload", "detail"):
            if field in values:
                named = dict(values[field])
                if isinstance(named.get("note"), int):
                    named["note"] = notes[named["note"]]
                if isinstance(named.get("outreach"), int):
                    named["outreach"] = outreach[named["outreach"]]
                values[field] = named
        key = values.get("dedupe_key", "")
        if key.startswith("snooze:"):
            values["dedupe_key"] = (key.rsplit(":", 1)[0], values["payload"]["note"])
        elif key.startswith("followup:"):
            values["dedupe_key"] = (values["payload"]["outreach"], key.rsplit(":", 1)[1])
        return values

    reminder_subjects = Delivery.subject.like("candidate:%") | Delivery.subject.like("intro:%")
    roundup_posts = (Delivery.kind == DeliveryKind.NOTICE) & or_(
        *(Delivery.dedupe_key.startswith(f"{word}:", autoescape=True) for word in ROUNDUP_POSTS)
    )
    return {
        "members": rows(Member),
        "settings": rows(Settings),
        "templates": rows(Template),
        "roles": rows(Role),
        "sourcing_sessions": rows(SourcingSession),
        "candidates": rows(Candidate),
        "candidate_contacts": rows(CandidateContact),
        "referrals": rows(Referral),
        "intro_requests": rows(IntroRequest),
        "outreaches": rows(Outreach),
        "notes": rows(Note),
        "rewards": rows(Reward),
        "candidate_history": rows(AuditLog, AuditLog.subject.like("candidate:%"), translate=ids_in),
        "reminders": rows(
            Delivery,
            (Delivery.status == DeliveryStatus.PENDING)
            & (
                (Delivery.kind.in_(CANDIDATE_REMINDERS) & reminder_subjects)
                | (Delivery.kind == DeliveryKind.SESSION_END)
            ),
            translate=ids_in,
        ),
        "roundup_settings": rows(RoundupSettings),
        "roundup_preferences": rows(RoundupPreference),
        "roundup_posts": rows(Delivery, roundup_posts, translate=as_a_mark),
        "forgotten_contacts": rows(ForgottenContact),  # Mallory, who asked: digests only
    }


def as_a_mark(values: dict[str, Any]) -> dict[str, Any]:
    """A roundup post as a restore keeps it: the mark that it was made (or is to be), without
    how its sending went (attempts, lease, where it landed in Slack)."""
    for sending in (
        *("attempts", "next_attempt_at", "lease_owner", "lease_expires_at"),
        *("channel_id", "sent_ts", "last_error"),
    ):
        values.pop(sending)
    return values


def _positions(s: Session, model: type[Note] | type[Outreach]) -> dict[int, tuple[str, int]]:
    rows = s.execute(
        select(model.id, Candidate.public_id)
        .join(Candidate, Candidate.id == model.candidate_id)
        .order_by(Candidate.public_id, model.created_at, model.id)
    ).all()
    seen: dict[str, int] = {}
    named = {}
    for row_id, candidate in rows:
        named[row_id] = (candidate, seen.get(candidate, 0))
        seen[candidate] = seen.get(candidate, 0) + 1
    return named


def everything(sessions: Sessions) -> dict[str, list[tuple[Any, ...]]]:
    """Every table, every row as stored (ids included)."""
    with sessions() as s:
        return {
            table.name: [tuple(r) for r in s.execute(table.select().order_by(*table.primary_key))]
            for table in Base.metadata.sorted_tables
        }


def stats(url: str, cwd: Path) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "PYTHONPATH")},
        "DATABASE_URL": url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "stats", "--days", "3650"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def exported(sessions: Sessions, fmt: str) -> str:
    out = io.StringIO()
    export_candidates(sessions, team_id=TEAM, fmt=fmt, out=out)  # type: ignore[arg-type]
    return out.getvalue()


@dataclass
class CsvTable:
    header: list[str]
    records: Iterator[tuple[int, list[str]]]


def csv_table(content: str) -> CsvTable:
    reader = csv.reader(io.StringIO(content, newline=""))
    header = next(reader)
    return CsvTable(header, ((reader.line_num, row) for row in reader))


# -- the round trip -------------------------------------------------------------------------------


def test_a_database_used_through_slack_round_trips_exactly_through_the_json_export(
    refbot: Refbot,
    slack: SlackEmulator,
    clock: Clock,
    sessions: Sessions,
    empty_database: Callable[[], str],
    migrated_url: str,
    tmp_path: Path,
) -> None:
    build_through_slack(refbot, slack, clock, sessions)
    document = exported(sessions, "json")
    data = json.loads(document)
    copy = opened(empty_database())
    try:
        counts = Counts()
        restore_json(copy.sessions, data, team_id=TEAM, clock=refbot_clock.now, counts=counts)
        with sessions() as s, copy.sessions() as c:
            original, restored = covered(s), covered(c)
        before = everything(sessions)
        again = Counts()
        restore_json(sessions, data, team_id=TEAM, clock=refbot_clock.now, counts=again)
        after = everything(sessions)
        stats_original, stats_copy = stats(migrated_url, tmp_path), stats(copy.url, tmp_path)

        assert is_refbot_json(data) and data["version"] == 2
        assert (counts.imported, counts.merged, counts.errors) == (len(data["candidates"]), 0, [])
        for table in original:
            assert restored[table] == original[table], table
        assert (again.imported, again.merged, again.errors) == (0, len(data["candidates"]), [])
        assert after == before, "restoring into the database it came from changed it"
        assert "<@U0ALICE> — 1 hire, 6 referrals" in stats_original
        assert stats_copy == stats_original
        # What the story made is all there to compare (not two empty lists).
        assert [t for t in original if not original[t]] == []
        assert len(original["reminders"]) >= 4  # Barbara's snooze end, Linus's two follow-ups,
        # Katherine's reward coming due; a role's and the workspace's rules; one cancelled.
        statuses = sorted(dict(r)["status"] for r in original["rewards"])
        assert len(statuses) == 2 and "CANCELLED" in statuses[0] and "PENDING" in statuses[1]
        assert "150000" in str(original["roles"]) and "'GBP'" in str(original["settings"])
        assert len(original["roundup_preferences"]) == 3  # Alice's DM, the third's, Camille's
        assert len(original["roundup_posts"]) == 3  # the week's roundup, the new role, Alice's DM

        # The copy's dispatcher: Barbara comes back on the same date, with her note.
        copy_bot = Refbot(settings_for(slack, copy.url), slack)
        try:
            # This week's roundup, the new role's announcement and Alice's DM went out before
            # the export: the copy sends none of them again, and next week's as planned.
            out = (len(posts(slack, JOBS)), len(roundup_dms(slack, EMPLOYEE)))
            roundup_jobs(copy_bot)
            assert (len(posts(slack, JOBS)), len(roundup_dms(slack, EMPLOYEE))) == out
            clock.travel(days=7)
            roundup_jobs(copy_bot)
            assert len(posts(slack, JOBS)) == out[0] + 1
            assert len(roundup_dms(slack, EMPLOYEE)) == out[1] + 1

            clock.travel(days=193)
            copy_bot.sweep()
            assert slack.wait_for(
                lambda: any(
                    "Snooze over" in m.plain_text() and BARBARA_NOTE in m.plain_text()
                    for m in slack.dms(RECRUITER)
                )
            )
            with copy.sessions() as c:
                sent = c.scalars(
                    select(Delivery).where(
                        Delivery.kind.in_([DeliveryKind.SNOOZE_END, DeliveryKind.FOLLOW_UP])
                    )
                ).all()
            assert sent and {d.status for d in sent} <= {
                DeliveryStatus.SENT,
                DeliveryStatus.CANCELLED,
            }
            assert DeliveryStatus.SENT in {d.status for d in sent}
        finally:
            copy_bot.close()
    finally:
        copy.close()


def test_the_csv_export_restores_every_candidate_with_what_their_referrals_name(
    refbot: Refbot,
    slack: SlackEmulator,
    clock: Clock,
    sessions: Sessions,
    empty_database: Callable[[], str],
) -> None:
    build_through_slack(refbot, slack, clock, sessions)
    content = exported(sessions, "csv")
    copy = opened(empty_database())
    try:
        counts = Counts()
        table = csv_table(content)
        restore_csv(copy.sessions, table, team_id=TEAM, clock=refbot_clock.now, counts=counts)
        with sessions() as s, copy.sessions() as c:
            original, restored = covered(s), covered(c)
        again = Counts()
        before = everything(sessions)
        restore_csv(
            sessions, csv_table(content), team_id=TEAM, clock=refbot_clock.now, counts=again
        )

        assert is_refbot_export(table.header)
        assert counts.errors == [] and counts.imported == len(original["candidates"])
        for name in (
            *("candidates", "candidate_contacts", "referrals", "intro_requests", "outreaches"),
            "notes",
        ):
            assert restored[name] == original[name], name
        assert restored["candidate_history"] == original["candidate_history"]
        candidate_reminders = [r for r in original["reminders"] if "session_end" not in str(r)]
        assert restored["reminders"] == candidate_reminders
        # Roles and sessions travel with the referrals that name them; "Data Lead", upcoming,
        # which nobody was referred to, is only in the JSON document.
        assert {dict(r)["title"] for r in restored["roles"]} == {
            "'Staff Engineer'",
            "'Platform Engineer'",
        }
        assert restored["sourcing_sessions"] == original["sourcing_sessions"]
        assert again.imported == 0 and everything(sessions) == before
    finally:
        copy.close()


def test_a_bad_candidate_is_reported_by_its_position_and_the_others_kept(
    sessions: Sessions,
) -> None:
    def person(n: int, **extra: Any) -> dict[str, Any]:
        return {
            "public_id": f"pid{n:09d}",
            "name": f"Person {n}",
            "email": f"p{n}@example.com",
            "tags": [],
            "status": "new",
            "source": "import",
            "created_at": "2026-11-02T14:00:00+00:00",
            "last_activity_at": "2026-11-02T14:00:00+00:00",
            **extra,
        }

    data = {
        "format": "refbot",
        "version": 2,
        "candidates": [
            person(1),
            person(2, status="sleeping"),
            person(3, notes=[{"kind": "note", "body": "a\x00b", "author": "U1"}]),
            person(
                4, referrals=[{"public_id": "r1", "referrer": "U1", "role": {"public_id": "x"}}]
            ),
            person(5, email="p1@example.com"),  # someone else's email
            person(6),
        ],
    }
    counts = Counts()

    restore_json(sessions, data, team_id=TEAM, clock=refbot_clock.now, counts=counts)

    with sessions() as s:
        names = s.scalars(select(Candidate.name).order_by(Candidate.id)).all()
        orphans = s.scalar(text("SELECT count(*) FROM notes"))
    assert names == ["Person 1", "Person 6"] and orphans == 0
    assert [line for line, _ in counts.errors] == [2, 3, 4, 5]
    reasons = dict(counts.errors)
    assert "status: unknown value 'sleeping'" in reasons[2]
    assert "NUL" in reasons[3] and "role x" in reasons[4] and "already held" in reasons[5]
    assert (counts.imported, counts.merged) == (2, 0)


# -- roundups in older and broken documents -------------------------------------------------------


def test_an_export_written_before_roundups_existed_still_restores(sessions: Sessions) -> None:
    written_before = {  # as refbot wrote it before roundups: no "roundup…" keys at all
        "format": "refbot",
        "version": 2,
        "exported_at": "2026-11-02T14:00:00+00:00",
        "team_id": TEAM,
        "settings": {"followup_first_days": 2, "locale": "en", "timezone": "Europe/Paris"},
        "members": [{"user_id": EMPLOYEE, "name": "Alice", "is_recruiter": False}],
        "templates": [],
        "roles": [
            {
                "public_id": "role00000001",
                "title": "Staff Engineer",
                "recruiter": RECRUITER,
                "status": "open",
                "created_at": "2026-11-01T09:00:00+00:00",
                "opened_at": "2026-11-01T09:00:00+00:00",
            }
        ],
        "sessions": [],
        "candidates": [
            {
                "public_id": "cand00000001",
                "name": "Ada Lovelace",
                "email": "ada@example.com",
                "tags": [],
                "status": "new",
                "source": "referral",
                "created_at": "2026-11-02T10:00:00+00:00",
                "last_activity_at": "2026-11-02T10:00:00+00:00",
                "referrals": [
                    {
                        "public_id": "ref000000001",
                        "referrer": EMPLOYEE,
                        "role": {"public_id": "role00000001", "title": "Staff Engineer"},
                        "created_at": "2026-11-02T10:00:00+00:00",
                    }
                ],
            }
        ],
    }
    counts = Counts()

    restore_json(sessions, written_before, team_id=TEAM, clock=refbot_clock.now, counts=counts)

    assert (counts.imported, counts.errors) == (1, [])
    again = json.loads(exported(sessions, "json"))
    assert [r["title"] for r in again["roles"]] == ["Staff Engineer"]
    assert [c["referrals"][0]["role"]["public_id"] for c in again["candidates"]] == ["role00000001"]
    assert again["settings"]["timezone"] == "Europe/Paris"
    # No roundup was set up: none is, and nobody chose anything.
    assert (again["roundups"], again["roundup_preferences"], again["roundup_posts"]) == (
        None,
        [],
        [],
    )


def test_a_bad_roundup_item_is_reported_and_the_others_restored_into_this_workspace(
    sessions: Sessions,
) -> None:
    post = {
        "subject": "channel:C0JOBS",
        "recipient": "C0JOBS",
        "status": "sent",
        "due_at": "2026-11-02T09:00:00+00:00",
        "sent_at": "2026-11-02T09:00:01+00:00",
        "payload": {"render": "roundup", "alert_once": "roundup:T0OTHER:C0JOBS:1793000000"},
    }
    data = {
        "format": "refbot",
        "version": 2,
        "team_id": "T0OTHER",  # restored into another workspace: keys name this one
        "roundups": {"channels": ["C0JOBS"], "weekday": 0, "hour": 25},
        "roundup_preferences": [
            {"user_id": EMPLOYEE, "dm": True, "dm_team": "Data"},
            {"user_id": FRENCH_EMPLOYEE, "unnamed": "yes"},
        ],
        "roundup_posts": [
            {**post, "dedupe_key": "snooze:cand00000001:3"},
            {**post, "dedupe_key": "roundup:T0OTHER:C0JOBS:2026-W45"},
        ],
    }
    counts = Counts()

    restore_json(sessions, data, team_id=TEAM, clock=refbot_clock.now, counts=counts)

    with sessions() as s:
        settings = s.scalars(select(RoundupSettings)).all()
        choices = s.scalars(select(RoundupPreference)).all()
        marks = s.scalars(select(Delivery)).all()
    assert settings == []
    assert [(c.user_id, c.dm, c.dm_team) for c in choices] == [(EMPLOYEE, True, "Data")]
    assert [(d.dedupe_key, d.status, d.payload["alert_once"]) for d in marks] == [
        (
            f"roundup:{TEAM}:C0JOBS:2026-W45",
            DeliveryStatus.SENT,
            f"roundup:{TEAM}:C0JOBS:1793000000",
        )
    ]
    reasons = [why for _, why in counts.errors]
    assert len(reasons) == 3
    assert "roundups.hour: not between 0 and 23" in reasons[0]
    assert "unnamed: not true or false" in reasons[1]
    assert "not a roundup or thank-you post" in reasons[2]


def test_the_export_keeps_each_roundup_post_as_long_as_it_could_be_queued_again() -> None:
    assert {ROUNDUP, PERSONAL, RECOGNITION} <= set(ROUNDUP_POSTS)
    assert max(ANNOUNCE_WITHIN, WEEK_WINDOW, POST_WINDOW) <= ROUNDUP_POSTS_WITHIN


def test_a_roundup_still_waiting_to_go_out_days_later_is_queued_again_once_restored(
    sessions: Sessions, empty_database: Callable[[], str]
) -> None:
    five_days_ago = refbot_clock.now() - timedelta(days=5)
    with sessions.begin() as s:  # the workspace's token was revoked: the week's roundup waits
        for week, status in (("W44", DeliveryStatus.SENT), ("W45", DeliveryStatus.PENDING)):
            s.add(
                Delivery(
                    team_id=TEAM,
                    kind=DeliveryKind.NOTICE,
                    subject="channel:C0JOBS",
                    recipient="C0JOBS",
                    due_at=five_days_ago,
                    next_attempt_at=five_days_ago,
                    status=status,
                    dedupe_key=f"roundup:{TEAM}:C0JOBS:2026-{week}",
                    payload={"render": "roundup", "roles": ["role00000001"]},
                    created_at=five_days_ago,
                )
            )
    data = json.loads(exported(sessions, "json"))
    copy = opened(empty_database())
    try:
        restore_json(copy.sessions, data, team_id=TEAM, clock=refbot_clock.now, counts=Counts())
        with copy.sessions() as c:
            queued = [(d.dedupe_key, d.status, d.due_at) for d in c.scalars(select(Delivery))]
    finally:
        copy.close()

    # The one sent five days ago no longer keeps anything from going out: left behind.
    assert queued == [(f"roundup:{TEAM}:C0JOBS:2026-W45", DeliveryStatus.PENDING, five_days_ago)]
