"""When a roundup is queued, to the minute: the admin's hour in the workspace's time zone, not a
moment before; a week whose slot was missed by more than a day waits for the next one; a thank-
you covers the calendar month just ended in that zone."""

from datetime import UTC, datetime

from bot.app import Runtime
from storage.repositories import settings
from tests.conftest import RECRUITER, TEAM
from tests.services.conftest import FixedClock

MONDAY_TEN_PARIS = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # CET: UTC+1


def paris_mondays_at_ten(runtime: Runtime, **extra: object) -> None:
    with runtime.dispatcher.sessions.begin() as s:
        settings.save(s, TEAM, timezone="Europe/Paris")
    result = runtime.services.roundups.save_settings(
        team_id=TEAM,
        actor_id=RECRUITER,
        channels=["C0JOBS"],
        weekday="0",
        hour="10",
        announce=False,
        recognition_channel=extra.get("thanks"),  # type: ignore[arg-type]
    )
    assert result.errors == {}


def open_role(runtime: Runtime, title: str) -> None:
    runtime.services.roles.create(
        team_id=TEAM,
        actor_id=RECRUITER,
        title=title,
        team_name=None,
        hiring_manager_id=None,
        recruiter_id=RECRUITER,
        status="open",
        ideal_profile=None,
    )


def test_the_weekly_roundup_waits_for_its_hour_in_the_workspaces_zone(
    runtime: Runtime, now: FixedClock
) -> None:
    open_role(runtime, "Data Engineer")
    paris_mondays_at_ten(runtime)
    now.at = MONDAY_TEN_PARIS

    now.travel(microseconds=-1)
    before = runtime.services.roundups.queue_due()
    now.travel(microseconds=1)
    at_ten = runtime.services.roundups.queue_due()
    now.travel(hours=1)
    an_hour_later = runtime.services.roundups.queue_due()

    assert (before, at_ten, an_hour_later) == (0, 1, 0)


def test_a_roundup_missed_by_more_than_a_day_waits_for_next_week(
    runtime: Runtime, now: FixedClock
) -> None:
    open_role(runtime, "Data Engineer")
    paris_mondays_at_ten(runtime)
    now.at = MONDAY_TEN_PARIS

    now.travel(days=1)  # refbot was down from Monday morning to Tuesday 10:00
    tuesday = runtime.services.roundups.queue_due()
    now.travel(days=6)
    next_monday = runtime.services.roundups.queue_due()

    assert (tuesday, next_monday) == (0, 1)


def test_no_roundup_is_queued_when_no_role_is_open(runtime: Runtime, now: FixedClock) -> None:
    paris_mondays_at_ten(runtime)
    now.at = MONDAY_TEN_PARIS

    assert runtime.services.roundups.queue_due() == 0


def test_the_thank_you_is_queued_once_on_the_first_at_the_roundup_hour(
    runtime: Runtime, now: FixedClock
) -> None:
    paris_mondays_at_ten(runtime, thanks="C0THANKS")
    now.at = datetime(2026, 12, 1, 8, 59, tzinfo=UTC)  # 09:59 in Paris

    early = runtime.services.recognition.queue_due()
    now.travel(minutes=1)
    on_time = runtime.services.recognition.queue_due()
    again = runtime.services.recognition.queue_due()

    assert (early, on_time, again) == (0, 1, 0)
