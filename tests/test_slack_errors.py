"""What each of Slack's error answers does to a reminder (https://api.slack.com/methods/
chat.postMessage#errors): a transient one is retried, a permanent one fails at once and says
why, an unknown one is tried a few times and then fails with its code, and a token that stops
working makes the reminder wait instead of losing it. Errors come as Slack sends most of
them: HTTP 200 with `{"ok": false, "error": code}`."""

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.app import Runtime, build
from bot.dispatcher import PARK_RECHECK, UNKNOWN_ERROR_ATTEMPTS
from bot.slack_emulator import SlackEmulator
from storage.types import DeliveryStatus
from tests.conftest import RECRUITER, settings_for
from tests.services.conftest import FixedClock
from tests.test_dispatcher import posts, remind, status_of


@pytest.fixture
def now() -> FixedClock:
    return FixedClock()


@pytest.fixture
def runtime(slack: SlackEmulator, migrated_url: str, now: FixedClock) -> Iterator[Runtime]:
    built = build(settings_for(slack, migrated_url), clock=now, scheduler=False)
    built.services.members.refreshed(team_id="T0001", user_id=RECRUITER)  # the admin
    yield built
    built.close()


def alerts(slack: SlackEmulator) -> list[str]:
    return [m.plain_text() for m in slack.dms(RECRUITER) if "could not deliver" in m.plain_text()]


@pytest.mark.parametrize(
    "code",
    [
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "ratelimited",
        "team_added_to_org",
    ],
)
def test_a_transient_slack_error_in_an_ok_false_answer_is_retried_not_failed(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock, code: str
) -> None:
    reminder = remind(runtime, "U0ADA", "call Grace", in_days=1)
    now.travel(days=1)
    slack.fail("chat.postMessage", error=code)

    runtime.sweep()
    first = status_of(runtime, reminder)
    now.travel(hours=1)
    runtime.sweep()

    assert first.status == DeliveryStatus.PENDING and code in (first.last_error or "")
    assert posts(slack) == {str(reminder): 1}
    assert status_of(runtime, reminder).status == DeliveryStatus.SENT
    assert alerts(slack) == []


@pytest.mark.parametrize(
    "code",
    [
        "channel_not_found",
        "is_archived",
        "cannot_dm_bot",
        "user_disabled",
        "msg_too_long",
        "invalid_blocks",
        "no_text",
        "restricted_action",
        "not_in_channel",
    ],
)
def test_a_permanent_slack_error_fails_the_reminder_at_once_with_its_code(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock, code: str
) -> None:
    reminder = remind(runtime, "U0ADA", "call Grace", in_days=1)
    now.travel(days=1)
    slack.fail("chat.postMessage", error=code)

    runtime.sweep()
    runtime.sweep()

    row = status_of(runtime, reminder)
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.FAILED, 1, code)
    assert len(alerts(slack)) == 1 and code in alerts(slack)[0]


def test_an_unknown_slack_error_is_tried_a_few_times_then_fails_with_its_code(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    reminder = remind(runtime, "U0ADA", "call Grace", in_days=1)
    now.travel(days=1)
    slack.fail("chat.postMessage", error="brand_new_error", times=UNKNOWN_ERROR_ATTEMPTS)

    seen = []
    for _ in range(UNKNOWN_ERROR_ATTEMPTS):
        runtime.sweep()
        row = status_of(runtime, reminder)
        seen.append((row.status, row.attempts))
        now.travel(hours=1)
    runtime.sweep()  # the admins' alert

    assert seen == [
        (DeliveryStatus.PENDING, 1),
        (DeliveryStatus.PENDING, 2),
        (DeliveryStatus.FAILED, 3),
    ]
    assert status_of(runtime, reminder).last_error == "brand_new_error"
    assert str(reminder) not in posts(slack)
    assert len(alerts(slack)) == 1 and "brand_new_error" in alerts(slack)[0]


@pytest.mark.parametrize(
    "code", ["invalid_auth", "token_revoked", "not_authed", "account_inactive", "missing_scope"]
)
def test_a_token_that_stops_working_makes_the_reminder_wait_without_burning_attempts(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock, code: str
) -> None:
    reminder = remind(runtime, "U0ADA", "call Grace", in_days=1)
    now.travel(days=1)
    slack.fail("chat.postMessage", error=code, times=3)

    for _ in range(3):  # every sweep for 45 minutes, and a try each PARK_RECHECK
        for _ in range(4):
            runtime.sweep()
            now.travel(minutes=4)
    waited = status_of(runtime, reminder)
    now.travel(seconds=PARK_RECHECK.total_seconds())
    runtime.sweep()

    assert (waited.status, waited.attempts) == (DeliveryStatus.PENDING, 0)
    calls = [c for c in slack.calls_to("chat.postMessage") if not c.ok]
    assert len(calls) == 3  # tried once per PARK_RECHECK, not once per sweep
    assert posts(slack) == {str(reminder): 1}
    assert status_of(runtime, reminder).status == DeliveryStatus.SENT


def test_when_the_token_fails_every_reminder_of_the_workspace_waits_without_burning_attempts(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    # More recipients than sender threads: those after the first failure are not even tried.
    people = [f"U0P{i:02d}" for i in range(20)]
    reminders = [remind(runtime, person, f"call {person}", in_days=1) for person in people]
    now.travel(days=1)
    slack.fail("chat.postMessage", error="invalid_auth", times=100)

    runtime.sweep()

    rows = [status_of(runtime, reminder) for reminder in reminders]
    assert {(row.status, row.attempts) for row in rows} == {(DeliveryStatus.PENDING, 0)}
    assert len([c for c in slack.calls_to("chat.postMessage") if not c.ok]) < len(people)


def test_a_rate_limit_in_an_ok_false_answer_waits_for_its_retry_after(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    reminder = remind(runtime, "U0ADA", "call Grace", in_days=1)
    now.travel(days=1)
    slack.fail("chat.postMessage", error="ratelimited", retry_after=120)

    runtime.sweep()
    row = status_of(runtime, reminder)

    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)
    assert row.next_attempt_at == now.at + timedelta(seconds=120)
