"""Ordinary bad events never lose nor double a reminder: a token revoked and replaced, a batch
that outlives its lease with two workers, a post whose answer is lost in a busy channel or
that history cannot confirm. (Multi-workspace installs: tests/e2e/test_workspaces.py.)"""

import re
import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.app import Runtime, build
from bot.dispatcher import PARK_RECHECK
from bot.slack_emulator import SlackEmulator
from storage.models import Delivery
from storage.repositories.deliveries import WAITING_FOR_TOKEN
from storage.types import DeliveryKind, DeliveryStatus
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Clock, Refbot, settings_for
from tests.e2e.test_decisions import referred
from tests.e2e.test_snooze import ended, snooze
from tests.test_dispatcher import posts, remind, status_of

BUSY = "C0BUSY"


def waiting_gauge(refbot: Refbot) -> float:
    found = re.search(
        r"^refbot_deliveries_waiting_for_install (\S+)$", refbot.get("/metrics").body, re.M
    )
    return float(found[1]) if found else float("nan")


def new_token(slack: SlackEmulator) -> str:
    """The admin reinstalls the app on Slack's side and copies the new bot token."""
    code = slack.approve_install(TEAM, RECRUITER)
    client = WebClient(base_url=slack.url)
    answer = client.oauth_v2_access(client_id="1", client_secret="s", code=code)
    return str(answer["access_token"])


def snooze_end(refbot: Refbot) -> Delivery:
    with refbot.runtime.dispatcher.sessions() as s:
        return s.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.SNOOZE_END)).one()


def waiting_rows(refbot: Refbot) -> list[int]:
    with refbot.runtime.dispatcher.sessions() as s:
        rows = s.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.PENDING))
        return [r.id for r in rows if (r.last_error or "").startswith(WAITING_FOR_TOKEN)]


def test_a_revoked_token_keeps_the_reminders_until_refbot_runs_with_one_that_works(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)
    snooze(refbot, until="1m", note="after her launch")
    slack.revoke(TEAM)  # the README's rotation: revoke the old token…

    clock.travel(days=32)
    refbot.sweep()
    clock.travel(seconds=PARK_RECHECK.total_seconds() + 60)
    refbot.sweep()
    kept = snooze_end(refbot)
    waited = waiting_rows(refbot)
    gauge = waiting_gauge(refbot)
    refbot.settings = refbot.settings.model_copy(update={"slack_bot_token": new_token(slack)})
    refbot.restart()  # …reinstall, and restart with the new one

    assert (kept.status, kept.attempts) == (DeliveryStatus.PENDING, 0)
    assert kept.id in waited and gauge == len(waited)
    assert slack.wait_for(lambda: len(ended(slack)) == 1)
    dm = ended(slack)[0].plain_text()
    assert "after her launch" in dm and "Due" in dm and "ago" in dm  # marked late
    assert snooze_end(refbot).status == DeliveryStatus.SENT

    def told() -> list[str]:
        return [m.plain_text() for m in slack.dms(RECRUITER) if "reach this workspace" in m.text]

    assert slack.wait_for(lambda: len(told()) == 1)
    # What no longer applies once refbot is back (e.g. a nudge about a snoozed candidate) is
    # cancelled, as after any downtime; the rest goes out, and the admins get the count.
    gone_out = [i for i in waited if status_of(refbot.runtime, i).status == DeliveryStatus.SENT]
    assert f"*{len(gone_out)}* message" in told()[0]
    refbot.sweep()
    assert waiting_gauge(refbot) == 0
    assert len(ended(slack)) == 1


@pytest.fixture
def two_workers(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[list[Runtime]]:
    """Two dispatchers on one database, as two `refbot worker` replicas."""
    workers = [build(settings_for(slack, migrated_url), scheduler=False) for _ in range(2)]
    yield workers
    for worker in workers:
        worker.close()


def test_a_batch_that_outlives_its_lease_is_never_posted_twice(
    two_workers: list[Runtime], slack: SlackEmulator, clock: Clock
) -> None:
    first, second = two_workers
    ids = [remind(first, RECRUITER, f"reminder {i}", in_days=1) for i in range(3)]
    clock.travel(days=1)
    # The first post lands, but Slack's answer is slow: the first worker's batch is stuck.
    slack.hang("chat.postMessage", 2.0, after=True)

    stuck = threading.Thread(target=first.sweep)
    stuck.start()
    assert slack.wait_for(lambda: len(posts(slack)) == 1)
    clock.travel(seconds=90)  # past the batch's 60 s lease: the second worker claims it all
    second.sweep()
    stuck.join()
    first.sweep()
    second.sweep()

    assert posts(slack) == Counter({str(i): 1 for i in ids})
    assert [status_of(first, i).status for i in ids] == [DeliveryStatus.SENT] * 3


@pytest.fixture
def runtime(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[Runtime]:
    built = build(settings_for(slack, migrated_url), scheduler=False)
    yield built
    built.close()


def answer_lost(runtime: Runtime, slack: SlackEmulator, clock: Clock, recipient: str) -> int:
    """A reminder whose post reaches Slack while refbot never hears back (a timeout)."""
    reminder = remind(runtime, recipient, "the session ends in an hour", in_days=1)
    clock.travel(days=1)
    slack.hang("chat.postMessage", 3.0, after=True)
    runtime.dispatcher.messenger.client_for(TEAM).timeout = 1  # type: ignore[attr-defined]
    runtime.sweep()
    runtime.dispatcher.messenger.client_for(TEAM).timeout = 10  # type: ignore[attr-defined]
    row = status_of(runtime, reminder)
    assert row.status == DeliveryStatus.PENDING and (row.last_error or "").startswith("uncertain")
    return reminder


def test_an_unanswered_post_in_a_busy_channel_is_found_in_history_not_posted_again(
    runtime: Runtime, slack: SlackEmulator, clock: Clock
) -> None:
    reminder = answer_lost(runtime, slack, clock, BUSY)
    for i in range(250):  # the channel moves on: more than one page of history
        slack.user_posts(EMPLOYEE, BUSY, f"message {i}")

    clock.travel(minutes=10)
    runtime.sweep()

    assert posts(slack) == Counter({str(reminder): 1})
    assert status_of(runtime, reminder).status == DeliveryStatus.SENT


@pytest.mark.parametrize("error", ["missing_scope", "internal_error", "channel_not_found"])
def test_a_history_check_that_fails_retries_instead_of_failing_or_posting_again(
    runtime: Runtime, slack: SlackEmulator, clock: Clock, error: str
) -> None:
    reminder = answer_lost(runtime, slack, clock, BUSY)
    slack.fail("conversations.history", error=error, times=2)

    clock.travel(minutes=10)
    runtime.sweep()
    unverified = status_of(runtime, reminder)
    clock.travel(minutes=10)
    runtime.sweep()
    still = status_of(runtime, reminder)
    clock.travel(minutes=10)
    runtime.sweep()

    assert unverified.status == still.status == DeliveryStatus.PENDING
    assert (unverified.last_error or "").startswith("uncertain: history check")
    assert posts(slack) == Counter({str(reminder): 1})
    assert status_of(runtime, reminder).status == DeliveryStatus.SENT
