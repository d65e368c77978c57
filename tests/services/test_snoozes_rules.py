"""Snoozing as the recruiter sees it: the confirmation in their own time zone, the history the
snooze-end DM brings back, the workspace's default, and the note's limit."""

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot import i18n, rendering
from bot.app import Runtime
from bot.services.referrals import ReferralForm
from bot.services.snoozes import NOTE_LIMIT, SnoozeResult
from bot.slack_emulator import SlackEmulator
from storage.models import AuditLog, Candidate, Delivery, Note
from storage.repositories import candidates, settings
from storage.types import DeliveryKind, NoteKind
from tests.conftest import EMPLOYEE, RECRUITER, TEAM
from tests.services.conftest import FixedClock, claimed


def referred(runtime: Runtime, slack: SlackEmulator, tz: str = "Europe/London") -> str:
    """Ada, referred by Alice, her card in the recruiter's DMs: her public id."""
    result = runtime.services.referrals.refer(
        team_id=TEAM,
        referrer_id=EMPLOYEE,
        form=ReferralForm(name="Ada Lovelace", email="ada@example.com"),
    )
    assert result.candidate_public_id is not None
    runtime.sweep()
    # By the time she can click Snooze on the card, refbot knows the recruiter's time zone.
    members = runtime.services.members
    assert slack.wait_for(lambda: members.profile(team_id=TEAM, user_id=RECRUITER).tz == tz)
    return result.candidate_public_id


@pytest.fixture
def ada(runtime: Runtime, slack: SlackEmulator) -> str:
    return referred(runtime, slack)


def snooze(runtime: Runtime, ada: str, until: str = "3m", **extra: str | None) -> SnoozeResult:
    fields: dict[str, str | None] = {"on_day": None, "note": None, **extra}
    return runtime.services.snoozes.snooze(
        team_id=TEAM, actor_id=RECRUITER, candidate_id=ada, until=until, **fields
    )


def status(runtime: Runtime) -> str:
    with runtime.services.snoozes.sessions() as s:
        return s.query(Candidate).one().status.value


def snooze_over(slack: SlackEmulator) -> list:
    return [m for m in slack.dms(RECRUITER) if m.text.startswith("Snooze over")]


# The confirmation


def test_the_confirmation_gives_the_day_and_time_in_the_recruiters_time_zone(
    runtime: Runtime, slack: SlackEmulator
) -> None:
    slack.add_user(RECRUITER, name="rita", tz="Pacific/Auckland")  # UTC+12 in May
    ada = referred(runtime, slack, tz="Pacific/Auckland")

    result = snooze(runtime, ada, until="6m")
    confirmation = str(rendering.snooze_done(result))

    # It is already 3 November in Auckland (14:00 UTC on the 2nd); 09:00 there on 3 May is
    # 21:00 UTC on the 2nd.
    assert result.until == datetime(2027, 5, 2, 21, 0, tzinfo=UTC)
    assert "on Monday, May 3, 2027 at 9:00" in confirmation and "AM (your time)" in confirmation
    assert "*Ada Lovelace* is snoozed" in confirmation


def test_a_french_recruiter_reads_the_confirmation_and_the_errors_in_french(
    runtime: Runtime, slack: SlackEmulator
) -> None:
    slack.add_user(RECRUITER, name="rita", locale="fr-FR", tz="Europe/Paris")
    ada = referred(runtime, slack, tz="Europe/Paris")

    refused = snooze(runtime, ada, until="date")
    done = snooze(runtime, ada, until="1m")

    assert (
        "Merci de remplir ce champ"
        in rendering.field_errors(refused.locale, refused.errors)["date"]
    )
    assert "*Ada Lovelace* est en pause" in str(rendering.snooze_done(done))


def test_a_french_recruiter_is_told_in_french_that_someone_decided_meanwhile(
    runtime: Runtime, slack: SlackEmulator
) -> None:
    slack.add_user(RECRUITER, name="rita", locale="fr-FR", tz="Europe/Paris")
    ada = referred(runtime, slack, tz="Europe/Paris")
    # The snooze modal is open when a colleague archives her.
    runtime.services.candidates.archive(team_id=TEAM, actor_id=RECRUITER, candidate=ada)

    result = snooze(runtime, ada, until="3m")

    assert result.errors == {"until": "status_changed"}
    assert (
        "Une décision a été prise" in rendering.field_errors(result.locale, result.errors)["until"]
    )
    assert status(runtime) == "archived"


# The choice


@pytest.mark.parametrize("until", [None, "", "2w"])
def test_a_snooze_without_a_known_choice_is_refused_inline(
    runtime: Runtime, ada: str, until: str | None
) -> None:
    result = runtime.services.snoozes.snooze(
        team_id=TEAM, actor_id=RECRUITER, candidate_id=ada, until=until, on_day=None, note=None
    )

    assert rendering.field_errors(result.locale, result.errors) == {"until": "Please fill this in."}
    assert status(runtime) == "new"


def test_snoozing_until_today_is_refused_once_nine_oclock_has_come_there(
    runtime: Runtime, now: FixedClock, ada: str
) -> None:
    now.at = datetime(2026, 11, 10, 8, 59, 59, 999999, tzinfo=UTC)  # London is on UTC in November
    before = snooze(runtime, ada, until="date", on_day="2026-11-10")
    runtime.services.candidates.reactivate(team_id=TEAM, actor_id=RECRUITER, candidate=ada)
    now.at = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)

    at_nine = snooze(runtime, ada, until="date", on_day="2026-11-10")

    assert before.errors == {} and before.until == now.at
    assert at_nine.errors == {"date": "past_date"}


# The DM when the snooze ends


def test_the_snooze_end_dm_brings_back_earlier_notes_and_the_reactivation(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock, ada: str
) -> None:
    with runtime.services.snoozes.sessions.begin() as s:
        found = s.query(Candidate).one()
        candidates.add_note(  # as `refbot import` brings an ATS's notes in
            s,
            Note(
                team_id=TEAM,
                candidate_id=found.id,
                author_id="ats",
                kind=NoteKind.NOTE,
                body="Strong on compilers\nasked about remote work",
                created_at=now(),
            ),
        )
    now.travel(days=1)
    snooze(runtime, ada, until="1m", note="after her exams")
    now.travel(days=2)
    runtime.services.candidates.reactivate(team_id=TEAM, actor_id=RECRUITER, candidate=ada)
    now.travel(days=3)
    snoozed_at = now()
    last = snooze(runtime, ada, until="3m", note="call back after the launch")

    assert last.until is not None
    now.at = last.until
    runtime.sweep()

    assert slack.wait_for(lambda: len(snooze_over(slack)) == 1)
    text = snooze_over(slack)[0].plain_text()
    assert f"snoozed on <!date^{int(snoozed_at.timestamp())}^" in text  # the last snooze
    assert "Your note then:\n> call back after the launch" in text
    history = text[text.index("History:") :]
    assert history.count("snoozed by <@U0RITA>") == 2
    assert "snoozed by <@U0RITA>: “after her exams”" in history
    assert "reactivated by <@U0RITA>" in history
    assert "note by <@ats>: “Strong on compilers asked about remote work”" in history
    assert history.index("note by") < history.index("after her exams") < history.index("launch")


def test_a_long_earlier_note_is_shortened_in_the_history(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock, ada: str
) -> None:
    snooze(runtime, ada, until="1m", note="word " * 200)
    runtime.services.candidates.reactivate(team_id=TEAM, actor_id=RECRUITER, candidate=ada)
    last = snooze(runtime, ada, until="1m", note="short")

    assert last.until is not None
    now.at = last.until
    runtime.sweep()

    assert slack.wait_for(lambda: len(snooze_over(slack)) == 1)
    history = snooze_over(slack)[0].plain_text().split("History:")[1]
    words = re.sub(r"<!date\^[^>]*>", "", history)  # each date is Slack markup (issue 18)
    assert "word word…”" in words and len(words) < 300


# Slack sends null for an input left empty.
@pytest.mark.parametrize("note", [None, "  "], ids=["null", "blank"])
def test_a_snooze_without_a_note_brings_back_no_note(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock, ada: str, note: str | None
) -> None:
    last = snooze(runtime, ada, until="1m", note=note)

    assert last.until is not None
    now.at = last.until
    runtime.sweep()

    assert slack.wait_for(lambda: len(snooze_over(slack)) == 1)
    text = snooze_over(slack)[0].plain_text()
    assert "Your note then" not in text and "“" not in text
    assert "snoozed by <@U0RITA>" in text


def test_a_snooze_end_claimed_just_as_she_is_reactivated_is_not_sent(
    runtime: Runtime, ada: str
) -> None:
    snooze(runtime, ada, until="1m", note="after her exams")
    with runtime.services.snoozes.sessions() as s:
        row = s.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.SNOOZE_END)).one()
        due = claimed(row, attempts=1)
    assert runtime.services.snoozes.due(due) is not None

    # Too late to cancel a row the dispatcher holds: what it sends is read at send time.
    runtime.services.candidates.reactivate(team_id=TEAM, actor_id=RECRUITER, candidate=ada)

    assert runtime.services.snoozes.due(due) is None


def test_the_snooze_end_dm_writes_its_dates_on_the_recruiters_own_calendar(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    slack.add_user(RECRUITER, name="rita", tz="Pacific/Auckland")
    ada = referred(runtime, slack, tz="Pacific/Auckland")
    snoozed_at = now()  # 2 November 14:00 UTC: already 3 November in Auckland

    last = snooze(runtime, ada, until="1m")
    assert last.until is not None
    now.at = last.until
    runtime.sweep()

    assert slack.wait_for(lambda: len(snooze_over(slack)) == 1)
    text = snooze_over(slack)[0].plain_text()
    # Slack shows <!date> in each reader's zone; its fallback text must agree with it.
    local = i18n.moment("en", snoozed_at, "Pacific/Auckland", time=False)
    assert local != i18n.moment("en", snoozed_at, "UTC", time=False)
    assert f"snoozed on <!date^{int(snoozed_at.timestamp())}^{{date_short_pretty}}|{local}>" in text


# What a snooze stops, and what it tells


def test_snoozing_silences_the_unreviewed_nudge_and_replaces_an_earlier_snooze(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock, ada: str
) -> None:
    snooze(runtime, ada, until="1m")  # before anyone "reviewed" her: the nudge was pending
    later = snooze(runtime, ada, until="3m")  # "Snooze again" from the card

    now.travel(days=45)  # the 2-business-day nudge and the first snooze's end are past
    runtime.sweep()
    assert later.until is not None
    assert snooze_over(slack) == []
    now.at = later.until
    runtime.sweep()

    assert slack.wait_for(lambda: len(snooze_over(slack)) == 1)
    assert not any("waiting for a first look" in m.plain_text() for m in slack.dms(RECRUITER))


def test_the_card_shows_every_new_snooze(runtime: Runtime, slack: SlackEmulator, ada: str) -> None:
    def card() -> Any:
        return slack.dms(RECRUITER)[0]  # the card, sent at the referral, edited since

    snooze(runtime, ada, until="1m")
    runtime.sweep()
    assert slack.wait_for(lambda: card().has_button("candidate_reactivate"))
    runtime.services.candidates.reactivate(team_id=TEAM, actor_id=RECRUITER, candidate=ada)
    runtime.sweep()
    assert slack.wait_for(lambda: card().has_button("candidate_snooze"))

    snooze(runtime, ada, until="3m")
    runtime.sweep()

    assert slack.wait_for(lambda: card().has_button("candidate_reactivate"))


def test_the_audit_trail_says_who_snoozed_her_and_until_when(runtime: Runtime, ada: str) -> None:
    result = snooze(runtime, ada, until="3m")

    with runtime.services.snoozes.sessions() as s:
        trail = [
            (a.action, a.actor_id, a.subject, a.detail)
            for a in s.scalars(select(AuditLog).order_by(AuditLog.id))
            if a.action in ("candidate.status", "candidate.snooze")
        ]
    assert result.until is not None
    assert trail == [
        ("candidate.status", RECRUITER, f"candidate:{ada}", {"from": "new", "to": "snoozed"}),
        ("candidate.snooze", RECRUITER, f"candidate:{ada}", {"until": result.until.isoformat()}),
    ]


# The workspace's default


@pytest.mark.parametrize(("months", "preset"), [(1, "1m"), (3, "3m"), (6, "6m"), (12, "12m")])
def test_the_modal_starts_on_the_workspaces_default_snooze(
    runtime: Runtime, months: int, preset: str
) -> None:
    with runtime.services.snoozes.sessions.begin() as s:
        settings.save(s, TEAM, snooze_default_months=months)

    assert runtime.services.snoozes.default_preset(team_id=TEAM) == preset


def test_a_stored_default_that_is_no_preset_starts_the_modal_on_six_months(
    runtime: Runtime,
) -> None:
    # /refbot admin accepts only 1, 3, 6 or 12; a 4 left in the database (by hand, or a former
    # version) must still open a modal Slack accepts, on the product's default.
    with runtime.services.snoozes.sessions.begin() as s:
        settings.save(s, TEAM, snooze_default_months=4)

    preset = runtime.services.snoozes.default_preset(team_id=TEAM)
    modal = rendering.snooze_modal("en", "C123", preset)

    assert preset == "6m"
    until = modal["blocks"][0]["element"]
    assert until["initial_option"] in until["options"]


# The note


def test_a_note_of_the_limit_is_kept_whole(runtime: Runtime, ada: str) -> None:
    note = "n" * NOTE_LIMIT

    result = snooze(runtime, ada, note=f"  {note}\n")

    assert result.errors == {}
    with runtime.services.snoozes.sessions() as s:
        assert [n.body for n in candidates.notes(s, s.query(Candidate).one().id)] == [note]


def test_a_note_over_the_limit_is_refused_inline_with_the_other_errors_and_nothing_saved(
    runtime: Runtime, ada: str
) -> None:
    result = snooze(runtime, ada, until="date", note="n" * (NOTE_LIMIT + 1))

    assert result.errors == {"date": "required", "note": "too_long"}
    assert rendering.field_errors(result.locale, result.errors) == {
        "date": "Please fill this in.",
        "note": "This is too long.",
    }
    assert status(runtime) == "new"
