"""The delivery engine against the fake Slack, on SQLite and PostgreSQL (DESIGN.md section 6)."""

import os
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import metrics
from bot.app import Runtime, build
from bot.outbox import text_notice
from bot.services.referrals import ReferralForm
from bot.slack_emulator import SlackEmulator
from storage.models import Delivery
from storage.types import DeliveryKind, DeliveryStatus
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Clock, settings_for
from tests.e2e.test_foundation import sample
from tests.services.conftest import FixedClock


@pytest.fixture
def runtime(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[Runtime]:
    runtime = build(settings_for(slack, migrated_url), scheduler=False)
    yield runtime
    runtime.close()


def remind(
    runtime: Runtime, recipient: str, text: str, *, in_days: float = 0, key: str = ""
) -> int:
    """Queue a reminder the way a service does: inside its own transaction."""
    outbox, now = runtime.services.outbox, runtime.dispatcher.clock()
    with runtime.dispatcher.sessions.begin() as s:
        delivery_id = outbox.schedule(
            s,
            team_id=TEAM,
            kind=DeliveryKind.NOTICE,
            recipient=recipient,
            subject=f"test:{key or text}",
            due_at=now + timedelta(days=in_days),
            dedupe_key=key or text,
            payload={"template": "notices/reminder", "context": {"text": text}},
        )
    assert delivery_id is not None
    return delivery_id


def posts(slack: SlackEmulator) -> Counter[str]:
    """How many times each delivery id reached Slack (from the messages' metadata)."""
    seen: Counter[str] = Counter()
    for call in slack.calls_to("chat.postMessage"):
        if call.ok:
            ids = call.args["metadata"]["event_payload"]["delivery_ids"]
            seen.update(ids.split(","))
    return seen


def status_of(runtime: Runtime, delivery_id: int) -> Delivery:
    with runtime.dispatcher.sessions() as s:
        row = s.get(Delivery, delivery_id)
        assert row is not None
        return row


def test_committed_notice_is_sent_once_and_rolled_back_one_never(
    runtime: Runtime, slack: SlackEmulator
) -> None:
    with pytest.raises(RuntimeError), runtime.dispatcher.sessions.begin() as s:
        runtime.services.outbox.notice(
            s,
            team_id=TEAM,
            recipient=EMPLOYEE,
            subject="t:1",
            dedupe_key="lost",
            payload=text_notice("notices/reminder", text="never"),
        )
        raise RuntimeError("the use case failed after queuing")

    delivered = remind(runtime, EMPLOYEE, "call Ada back")
    assert slack.wait_for(lambda: posts(slack)[str(delivered)] == 1)  # dispatched after commit
    runtime.sweep()

    assert posts(slack) == Counter({str(delivered): 1})
    assert "call Ada back" in slack.dms(EMPLOYEE)[-1].plain_text()
    assert status_of(runtime, delivered).status == DeliveryStatus.SENT


def test_scheduling_twice_with_one_dedupe_key_sends_once(
    runtime: Runtime, slack: SlackEmulator
) -> None:
    first = remind(runtime, EMPLOYEE, "once", in_days=1, key="same")
    with runtime.dispatcher.sessions.begin() as s:
        again = runtime.services.outbox.schedule(
            s,
            team_id=TEAM,
            kind=DeliveryKind.NOTICE,
            recipient=EMPLOYEE,
            subject="x",
            due_at=runtime.dispatcher.clock(),
            dedupe_key="same",
            payload={},
        )

    assert again is None
    assert status_of(runtime, first).status == DeliveryStatus.PENDING


def test_cancelled_reminder_is_never_sent(
    runtime: Runtime, slack: SlackEmulator, clock: Clock
) -> None:
    reminder = remind(runtime, RECRUITER, "follow up with Ada", in_days=3, key="follow")
    with runtime.dispatcher.sessions.begin() as s:
        cancelled = runtime.services.outbox.cancel_pending(
            s, team_id=TEAM, subject="test:follow", kinds=[DeliveryKind.NOTICE]
        )

    clock.travel(days=4)
    runtime.sweep()

    assert cancelled == 1
    assert posts(slack) == Counter()
    assert status_of(runtime, reminder).status == DeliveryStatus.CANCELLED


def test_reminder_waits_for_its_time(runtime: Runtime, slack: SlackEmulator, clock: Clock) -> None:
    reminder = remind(runtime, RECRUITER, "ping Grace", in_days=2)

    runtime.sweep()
    early = posts(slack)
    clock.travel(days=2, minutes=1)
    runtime.sweep()

    assert early == Counter()
    assert posts(slack) == Counter({str(reminder): 1})
    assert "Due" not in slack.dms(RECRUITER)[-1].plain_text()  # on time: not marked late


def test_rate_limit_storm_and_server_errors_deliver_each_once(
    runtime: Runtime, slack: SlackEmulator, clock: Clock
) -> None:
    ids = [remind(runtime, RECRUITER, f"r{i}", in_days=1) for i in range(3)]
    ids += [remind(runtime, EMPLOYEE, f"e{i}", in_days=1) for i in range(2)]
    slack.fail("chat.postMessage", status=429, retry_after=30, times=6)
    slack.fail("conversations.open", status=500, times=1)

    clock.travel(days=1, minutes=1)
    for _ in range(8):
        runtime.sweep()
        clock.travel(seconds=31)
    slack.fail("chat.postMessage", status=503, times=2)
    late = remind(runtime, EMPLOYEE, "after the burst")
    for _ in range(8):
        runtime.sweep()
        clock.travel(minutes=5)

    assert posts(slack) == Counter({str(i): 1 for i in [*ids, late]})
    assert all(status_of(runtime, i).status == DeliveryStatus.SENT for i in [*ids, late])


def test_permanent_error_fails_at_once_and_tells_admins_once(
    runtime: Runtime, slack: SlackEmulator, clock: Clock
) -> None:
    runtime.services.members.refreshed(team_id=TEAM, user_id=RECRUITER)  # bootstrapped admin
    gone = remind(runtime, "U0GONE", "to someone who left", in_days=1)
    slack.fail("conversations.open", error="user_not_found")

    clock.travel(days=1, minutes=1)
    runtime.sweep()
    runtime.sweep()
    clock.travel(hours=2)
    runtime.sweep()

    row = status_of(runtime, gone)
    assert row.status == DeliveryStatus.FAILED and row.last_error == "user_not_found"
    alerts = [m for m in slack.dms(RECRUITER) if "could not deliver" in m.plain_text()]
    assert len(alerts) == 1 and "user_not_found" in alerts[0].plain_text()


def test_twelve_overdue_reminders_arrive_as_one_grouped_message(
    runtime: Runtime, slack: SlackEmulator, clock: Clock
) -> None:
    ids = [remind(runtime, RECRUITER, f"candidate {i}", in_days=1) for i in range(12)]

    clock.travel(days=4)  # refbot was down for three days
    runtime.sweep()

    messages = slack.dms(RECRUITER)
    assert len(messages) == 1
    text = messages[0].plain_text()
    assert "You have 12 reminders" in text
    assert all(f"candidate {i}" in text for i in range(12))
    assert "Due 3 days ago" in text
    assert posts(slack) == Counter({str(i): 1 for i in ids})
    assert slack.errors == []


def test_sixty_overdue_reminders_are_split_within_block_kit_limits(
    runtime: Runtime, slack: SlackEmulator, clock: Clock
) -> None:
    ids = [remind(runtime, RECRUITER, f"c{i}", in_days=1) for i in range(60)]

    clock.travel(days=2)
    runtime.sweep()

    assert posts(slack) == Counter({str(i): 1 for i in ids})
    assert all(len(m.blocks) <= 50 for m in slack.dms(RECRUITER))
    assert "more in the next message" in slack.dms(RECRUITER)[0].plain_text()


def test_lapsed_lease_is_checked_against_history_before_resending(
    runtime: Runtime, slack: SlackEmulator, clock: Clock
) -> None:
    reminder = remind(runtime, RECRUITER, "exactly once", in_days=1)
    clock.travel(days=1, minutes=1)
    slack.hang("chat.postMessage", 3.0, after=True)  # Slack posts it; we never hear back
    runtime.dispatcher.messenger.client_for(TEAM).timeout = 1  # type: ignore[attr-defined]

    runtime.sweep()
    first = status_of(runtime, reminder)
    clock.travel(minutes=10)
    runtime.sweep()

    assert first.status == DeliveryStatus.PENDING and first.last_error.startswith("uncertain")
    assert posts(slack) == Counter({str(reminder): 1})
    assert status_of(runtime, reminder).status == DeliveryStatus.SENT


def test_weekday_digest_at_nine_local_once_and_never_empty(
    runtime: Runtime, slack: SlackEmulator, clock: Clock
) -> None:
    runtime.services.members.refreshed(team_id=TEAM, user_id=RECRUITER)  # London, recruiter
    clock.travel(hours=19, minutes=5)  # Tuesday 09:05 in London
    nothing_due = runtime.services.digests.queue_due()
    runtime.sweep()
    remind(runtime, RECRUITER, "call Ada", in_days=1.25)  # Wednesday afternoon
    clock.travel(days=1)  # Wednesday 09:05

    queued = runtime.services.digests.queue_due() + runtime.services.digests.queue_due()
    runtime.sweep()
    clock.travel(days=3)  # Saturday 09:05
    weekend = runtime.services.digests.queue_due()

    assert nothing_due == 1 and queued == 1 and weekend == 0
    digests = [m for m in slack.dms(RECRUITER) if "Good morning" in m.plain_text()]
    assert len(digests) == 1 and "1* reminder coming up today" in digests[0].plain_text()


def test_digest_at_each_recruiters_own_nine_on_weekdays_only(
    slack: SlackEmulator, migrated_url: str, clock: Clock
) -> None:
    slack.add_user("U0TOKYO", name="aiko", tz="Asia/Tokyo")
    slack.add_user("U0LA", name="luis", tz="America/Los_Angeles")
    settings = settings_for(slack, migrated_url).model_copy(
        update={"refbot_recruiters": ("U0TOKYO", "U0LA")}
    )
    runtime = build(settings, scheduler=False)
    services = runtime.services
    for recruiter in ("U0TOKYO", "U0LA"):
        services.members.refreshed(team_id=TEAM, user_id=recruiter)
    clock.traveller.move_to(datetime(2026, 11, 6, 23, 30, tzinfo=UTC))  # Friday night UTC
    services.digests.queue_due()
    runtime.sweep()
    quiet = {u: len(slack.dms(u)) for u in ("U0TOKYO", "U0LA")}  # nothing to say: no digest
    services.referrals.refer(
        team_id=TEAM, referrer_id=EMPLOYEE, form=ReferralForm(name="Ada", email="ada@example.com")
    )
    runtime.sweep()

    arrivals: dict[str, list[datetime]] = {"U0TOKYO": [], "U0LA": []}
    hour = datetime(2026, 11, 7, 0, 1, tzinfo=UTC)  # Saturday 00:01 UTC, for 4 days
    for _ in range(96):
        clock.traveller.move_to(hour)
        services.digests.queue_due()
        runtime.sweep()
        for user, seen in arrivals.items():
            digests = [m for m in slack.dms(user) if "Good morning" in m.plain_text()]
            if len(digests) > len(seen):
                seen.append(hour)
        hour += timedelta(hours=1)
    runtime.close()

    assert quiet == {"U0TOKYO": 0, "U0LA": 0}
    tokyo = [t.astimezone(ZoneInfo("Asia/Tokyo")) for t in arrivals["U0TOKYO"]]
    la = [t.astimezone(ZoneInfo("America/Los_Angeles")) for t in arrivals["U0LA"]]
    assert [(t.strftime("%a"), t.hour) for t in tokyo] == [("Mon", 9), ("Tue", 9)]
    assert [(t.strftime("%a"), t.hour) for t in la] == [("Mon", 9), ("Tue", 9)]


# -- the retry policy, to the second (a clock that moves only when the test says) -------------


@pytest.fixture
def now() -> FixedClock:
    return FixedClock()


@pytest.fixture
def stopped(slack: SlackEmulator, migrated_url: str, now: FixedClock) -> Iterator[Runtime]:
    """refbot whose clock stands still between the test's moves."""
    runtime = build(settings_for(slack, migrated_url), clock=now, scheduler=False)
    yield runtime
    runtime.close()


def retried(reason: str) -> float:
    """refbot_deliveries_retried_total for one reason, as /metrics shows it."""
    text = metrics.exposition()[0].decode()
    return sample(text, "refbot_deliveries_retried_total", reason=reason)


def sent(kind: str) -> float:
    """refbot_deliveries_sent_total for one kind, as /metrics shows it."""
    return sample(metrics.exposition()[0].decode(), "refbot_deliveries_sent_total", kind=kind)


def test_a_rate_limited_reminder_is_retried_at_retry_after_and_not_before(
    stopped: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    reminder = remind(stopped, RECRUITER, "wait for it", in_days=1)
    now.travel(days=1)
    slack.fail("chat.postMessage", status=429, retry_after=30)
    before, notices = retried("rate_limited"), sent("notice")

    stopped.sweep()
    limited = status_of(stopped, reminder)
    now.travel(seconds=29)
    stopped.sweep()
    early = posts(slack)
    now.travel(seconds=1)
    stopped.sweep()

    assert (limited.status, limited.attempts) == (DeliveryStatus.PENDING, 0)
    assert limited.next_attempt_at == now.at
    assert early == Counter()
    assert posts(slack) == Counter({str(reminder): 1})
    assert retried("rate_limited") == before + 1  # an operator sees Slack throttling in /metrics
    assert sent("notice") == notices + 1  # and what went out, by kind


def test_each_failed_try_counts_once_backs_off_within_its_jitter_and_the_last_one_fails(
    stopped: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    reminder = remind(stopped, RECRUITER, "flaky Slack", in_days=1)
    now.travel(days=1)
    limit = stopped.dispatcher.max_attempts
    slack.fail("chat.postMessage", error="service_unavailable", times=limit)

    tries = []
    for _ in range(limit - 1):
        stopped.sweep()
        row = status_of(stopped, reminder)
        assert row.next_attempt_at is not None
        tries.append((row.status, row.attempts, row.next_attempt_at - now.at))
        now.at = row.next_attempt_at
    stopped.sweep()

    for n, (status, attempts, wait) in enumerate(tries, start=1):
        ceiling = min(timedelta(seconds=10) * 2 ** (n - 1), timedelta(hours=1))
        assert (status, attempts) == (DeliveryStatus.PENDING, n)
        assert ceiling / 2 <= wait <= ceiling, f"try {n}: retried after {wait}"
    assert tries[-1][2] >= timedelta(minutes=30)  # capped at an hour, jitter included
    row = status_of(stopped, reminder)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, limit)
    assert str(reminder) not in posts(slack)


def test_a_failed_alert_to_the_admins_raises_no_alert_about_itself(
    stopped: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    stopped.services.members.refreshed(team_id=TEAM, user_id=RECRUITER)  # the admin
    remind(stopped, "U0GONE", "to someone who left", in_days=1)
    now.travel(days=1)
    slack.fail("conversations.open", error="user_not_found", times=2)  # U0GONE, then the admin

    stopped.sweep()
    stopped.sweep()
    now.travel(hours=2)
    stopped.sweep()

    with stopped.dispatcher.sessions() as s:
        rows = s.scalars(select(Delivery).order_by(Delivery.id)).all()
        seen = [(r.recipient, r.status, r.payload.get("template")) for r in rows]
    assert seen == [
        ("U0GONE", DeliveryStatus.FAILED, "notices/reminder"),
        (RECRUITER, DeliveryStatus.FAILED, "notices/delivery_failed"),
    ]


def test_a_composer_crash_fails_its_reminder_once_tells_admins_once_and_spares_the_rest(
    stopped: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    stopped.services.members.refreshed(team_id=TEAM, user_id=RECRUITER)  # the admin
    stopped.dispatcher.composer.register_notice("broken", lambda due, locale: 1 // 0)
    with stopped.dispatcher.sessions.begin() as s:
        broken = stopped.services.outbox.schedule(
            s,
            team_id=TEAM,
            kind=DeliveryKind.NOTICE,
            recipient=EMPLOYEE,
            subject="test:broken",
            due_at=now.at + timedelta(days=1),
            dedupe_key="broken",
            payload={"render": "broken"},
        )
    fine = remind(stopped, EMPLOYEE, "still arrives", in_days=1)
    now.travel(days=1)

    for _ in range(4):
        stopped.sweep()
        now.travel(hours=2)
    stopped.sweep()

    assert broken is not None
    row = status_of(stopped, broken)
    assert (row.status, row.attempts, row.last_error) == (
        DeliveryStatus.FAILED,
        1,
        "internal error",
    )
    assert status_of(stopped, fine).status == DeliveryStatus.SENT
    assert posts(slack)[str(fine)] == 1 and str(broken) not in posts(slack)
    alerts = [m for m in slack.dms(RECRUITER) if "could not deliver" in m.plain_text()]
    assert len(alerts) == 1 and "internal error" in alerts[0].plain_text()


def test_one_sweep_sends_everything_due_beyond_its_first_full_batch(
    stopped: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    stopped.dispatcher.batch_size = 2
    ids = [remind(stopped, f"U0P{i}", f"reminder {i}", in_days=1) for i in range(5)]
    now.travel(days=1)

    report = stopped.sweep()

    assert report.sent == 5
    assert posts(slack) == Counter({str(i): 1 for i in ids})


# -- a token that works again (single-workspace mode: no install callback says so) ------------


def token_fails_twice_then_works(runtime: Runtime, slack: SlackEmulator, now: FixedClock) -> int:
    """Two reminders that met a dead token ten minutes apart, so each waits for its own
    recheck; at the first one's, the token works again. The second one's id."""
    remind(runtime, EMPLOYEE, "first", in_days=1)
    second = remind(runtime, EMPLOYEE, "second", in_days=1 + 10 / (24 * 60))
    now.travel(days=1)
    slack.fail("chat.postMessage", error="invalid_auth")
    runtime.sweep()
    now.travel(minutes=10)
    slack.fail("chat.postMessage", error="invalid_auth")
    runtime.sweep()
    now.travel(minutes=6)  # the first one's recheck (15 minutes): it goes out
    runtime.sweep()
    return second


def test_when_the_token_works_again_the_rest_goes_out_at_once_not_at_its_own_recheck(
    stopped: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    # No admin known yet, so no notice to them: only the resume itself wakes the dispatcher.
    second = token_fails_twice_then_works(stopped, slack, now)

    assert slack.wait_for(lambda: posts(slack)[str(second)] == 1)
    assert slack.wait_for(lambda: status_of(stopped, second).status == DeliveryStatus.SENT)


def test_when_the_token_works_again_the_admins_are_told_everything_that_waited(
    stopped: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    stopped.services.members.refreshed(team_id=TEAM, user_id=RECRUITER)  # the admin

    token_fails_twice_then_works(stopped, slack, now)

    def told() -> list[str]:
        return [m.plain_text() for m in slack.dms(RECRUITER) if "reach this workspace" in m.text]

    # One sent by the recheck, one resumed by it: two waited.
    assert slack.wait_for(lambda: len(told()) == 1)
    assert "*2* messages" in told()[0]


def test_a_notice_due_this_very_instant_goes_out_right_after_its_commit(
    stopped: Runtime, slack: SlackEmulator
) -> None:
    # The clock stands still: the notice is due exactly now, not a tick ago (a coarse clock).
    remind(stopped, RECRUITER, "call Ada back")

    assert slack.wait_for(lambda: len(slack.dms(RECRUITER)) == 1)  # no sweep was asked for


def test_a_delivery_being_sent_names_the_host_and_process_holding_it(
    stopped: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    # What an operator reads in deliveries.lease_owner when a send seems stuck, and what keeps
    # two replicas' leases apart.
    reminder = remind(stopped, RECRUITER, "call Ada back", in_days=1)
    now.travel(days=1)
    slack.hang("chat.postMessage", 2.0)

    sweeping = threading.Thread(target=stopped.sweep)
    sweeping.start()
    try:
        assert slack.wait_for(lambda: status_of(stopped, reminder).status == DeliveryStatus.CLAIMED)
        holder = status_of(stopped, reminder).lease_owner
    finally:
        sweeping.join()

    assert holder is not None and holder.startswith(f"{socket.gethostname()}:{os.getpid()}:")


def test_a_reader_who_switched_language_reads_it_once_her_profile_is_a_day_old(
    runtime: Runtime, slack: SlackEmulator, clock: Clock
) -> None:
    runtime.services.members.refreshed(team_id=TEAM, user_id=RECRUITER)  # English, London
    asked = len(slack.calls_to("users.info"))
    # Rita switches Slack to French; refbot learns it when her profile is next due (a day).
    slack.add_user(
        RECRUITER, name="rita", real_name="Rita Okafor", tz="Europe/London", locale="fr-FR"
    )
    remind(runtime, RECRUITER, "call Ada")
    runtime.sweep()
    clock.travel(hours=23)
    remind(runtime, RECRUITER, "call Ben")
    runtime.sweep()
    cached = len(slack.calls_to("users.info")) - asked
    clock.travel(hours=2)
    remind(runtime, RECRUITER, "call Cy")
    runtime.sweep()

    said = [m.plain_text() for m in slack.dms(RECRUITER) if "call" in m.plain_text()]
    assert ["Rappel" in t for t in said] == [False, False, True]  # English, English, French
    assert ["Reminder: call" in t for t in said] == [True, True, False]
    assert cached == 0 and len(slack.calls_to("users.info")) - asked == 1
