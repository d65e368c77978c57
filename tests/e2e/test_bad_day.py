"""A bad day, end to end (issue 13): the token is revoked and a plain member reinstalls while
reminders come due, Slack fails each method once, chat.postMessage stalls past the lease with
two workers, a Slack Connect partner submits a referral, and a person mentioned everywhere is
forgotten. At the end every reminder went out exactly once, nothing names her any more, and
nobody gained a role."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot import i18n, rendering
from bot.app import Runtime, build
from bot.dispatcher import PARK_RECHECK
from bot.slack_emulator import Message, SlackEmulator
from storage.models import Candidate, Delivery, Member
from storage.types import DeliveryKind, DeliveryStatus
from tests.conftest import (
    EMPLOYEE,
    FRENCH_EMPLOYEE,
    RECRUITER,
    TEAM,
    Clock,
    Refbot,
    oauth_settings_for,
)
from tests.e2e.test_decisions import MANAGER, role
from tests.e2e.test_delivery_trust import waiting_gauge, waiting_rows
from tests.e2e.test_forget_everywhere import forget, naming
from tests.e2e.test_referral import cards, refer
from tests.e2e.test_sourcing import add, start
from tests.e2e.test_tenancy import OUTSIDE, partner_submission
from tests.e2e.test_workspaces import install
from tests.test_dispatcher import posts

REMINDERS = (DeliveryKind.SNOOZE_END, DeliveryKind.FOLLOW_UP)
NAMING_REMINDERS = (*REMINDERS, DeliveryKind.SLA_NUDGE, DeliveryKind.SESSION_END)
# The Slack methods the day's flows call; each answers one transient `ok: false` error.
TRANSIENT = (
    "conversations.open",
    "chat.postMessage",
    "views.open",
    "users.info",
    "conversations.history",
    "chat.update",
)


@pytest.fixture
def refbot(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[Refbot]:
    """Multi-workspace refbot (installations in its database), not yet installed anywhere."""
    settings = oauth_settings_for(slack, migrated_url)
    slack.revoke(TEAM)  # the emulator's default token: the workspace installs refbot first
    slack.add_user(MANAGER, name="hugo", real_name="Hugo Martel", tz="Europe/London")
    running = Refbot(settings, slack)
    yield running
    running.close()


@pytest.fixture
def second_worker(refbot: Refbot) -> Iterator[Runtime]:
    """Another dispatcher on the same database, as a second `refbot worker` replica."""
    worker = build(refbot.settings, scheduler=False)
    yield worker
    worker.close()


def card_of(slack: SlackEmulator, name: str) -> Message:
    return next(m for m in cards(slack) if name in m.plain_text())


def act(refbot: Refbot, action: str, on: Message, callback_id: str, **fields: str) -> None:
    """Rita clicks `action` on message `on` and submits the modal it opens."""
    refbot.click(RECRUITER, action, on=on)
    slack = refbot.slack
    assert slack.wait_for(
        lambda: any(v["callback_id"] == callback_id for v in slack.open_views(RECRUITER))
    )
    assert refbot.submit(RECRUITER, callback_id, **fields).status == 200
    slack.close_views(RECRUITER)


def delivery_ids(message: Message) -> list[int]:
    """The deliveries a message refbot posted carries (from its Slack metadata)."""
    if not message.metadata:
        return []
    return [int(i) for i in message.metadata["event_payload"]["delivery_ids"].split(",")]


def carrying(slack: SlackEmulator, ids: list[int]) -> list[Message]:
    """The messages in Slack that carry any of these deliveries."""
    return [m for m in slack.messages() if set(ids) & set(delivery_ids(m))]


def kind_of_message(row: Delivery) -> str | None:
    """The kind of message a delivery is, among those that may name a candidate."""
    key = row.dedupe_key or ""
    if key.startswith("card:"):
        return "recruiter card"
    if key.startswith("hm:"):
        return "hiring manager card"
    if key.startswith("update:") and key.endswith(":received"):
        return "referrer receipt"
    return row.kind.value if row.kind in NAMING_REMINDERS else None


def in_french(home: dict[str, Any] | None) -> bool:
    """Whether an App Home view is refbot's French one (by its title)."""
    title = (home or {}).get("blocks", [{}])[0].get("text", {}).get("text")
    return title == i18n.plain("fr", "home/title") != i18n.plain("en", "home/title")


def keyed(refbot: Refbot, prefix: str) -> list[int]:
    """The deliveries whose dedupe key starts with prefix."""
    return [r.id for r in rows(refbot) if (r.dedupe_key or "").startswith(prefix)]


def rows(refbot: Refbot, *kinds: DeliveryKind) -> list[Delivery]:
    with refbot.runtime.dispatcher.sessions() as s:
        query = select(Delivery).order_by(Delivery.id)
        return list(s.scalars(query.where(Delivery.kind.in_(kinds)) if kinds else query))


def failed_calls(slack: SlackEmulator, method: str) -> int:
    return sum(1 for c in slack.calls_to(method) if not c.ok)


def test_a_bad_day_loses_no_reminder_doubles_none_leaks_no_name_and_grants_no_role(
    refbot: Refbot, second_worker: Runtime, slack: SlackEmulator, clock: Clock
) -> None:
    install(refbot, TEAM, RECRUITER)  # the first installer: admin and recruiter
    engineer = role(refbot, "Data Engineer", manager=MANAGER)
    slack.fail("conversations.open", error="internal_error")  # the first DM opened fails once
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com", role=engineer)
    refer(refbot, FRENCH_EMPLOYEE, name="Grace Hopper", email="grace@example.com")
    # The notices went out after the referrals (in the lull that followed them), and the
    # failure of the first is recorded...
    assert slack.wait_for(lambda: any(r.last_error for r in rows(refbot)))
    clock.travel(minutes=1)  # ...they come back after their backoff
    refbot.sweep()
    assert slack.wait_for(lambda: len(cards(slack)) == 2 and slack.dms(MANAGER) != [])
    clock.travel(days=3)  # two business days unreviewed: the SLA nudges
    # One post fails with an error after which it may have gone through: it is looked for in
    # history before it is sent again, and that history check fails once too.
    slack.fail("chat.postMessage", error="internal_error")
    slack.fail("conversations.history", error="service_unavailable")
    for _ in range(3):
        refbot.sweep()
        clock.travel(minutes=1)
    slack.fail("views.open", error="internal_error")  # Rita is told, and clicks again
    refbot.click(RECRUITER, "candidate_reach_out", on=card_of(slack, "Lovelace"))
    assert slack.wait_for(lambda: slack.ephemerals(RECRUITER) != [])
    reach_out = card_of(slack, "Lovelace")
    act(
        refbot,
        "candidate_reach_out",
        reach_out,
        "reach_out_submit",
        template="referred_A",
        channel="email",
    )
    snooze = card_of(slack, "Hopper")
    act(refbot, "candidate_snooze", snooze, "snooze_submit", until="date", date="2026-11-12")
    refbot.sweep()  # the card edits and Camille's update are out before the token goes
    due_while_revoked = [r.id for r in rows(refbot, *REMINDERS)]  # follow-ups +3, +7; Grace

    # The token is revoked (the event as Slack sends it) and the three reminders come due.
    revoked_at = len(slack.calls)
    slack.revoke(TEAM)
    event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [slack.bot_user_id]}}
    assert refbot.event(event).status == 200
    clock.travel(days=12)
    refbot.sweep()
    clock.travel(seconds=PARK_RECHECK.total_seconds() + 60)
    refbot.sweep()
    waited, gauge = waiting_rows(refbot), waiting_gauge(refbot)
    tried_meanwhile = [c.method for c in slack.calls[revoked_at:] if c.method.startswith("chat.")]
    failed_meanwhile = [r.id for r in rows(refbot) if r.status == DeliveryStatus.FAILED]
    # Alice, a plain member, reinstalls refbot through /slack/install.
    install(refbot, TEAM, EMPLOYEE)
    assert slack.wait_for(lambda: len(carrying(slack, due_while_revoked)) == 3)
    late = {delivery_ids(m)[0]: m.blocks[0] for m in carrying(slack, due_while_revoked)}
    assert slack.wait_for(lambda: keyed(refbot, "waiting-over:") != [])
    # Rita snoozes Ada and Grace again for a month; a sourcing session brings Ada up again.
    act(refbot, "candidate_snooze", card_of(slack, "Lovelace"), "snooze_submit", until="1m")
    (grace_back,) = carrying(slack, [r.id for r in rows(refbot, DeliveryKind.SNOOZE_END)])
    act(refbot, "candidate_snooze", grace_back, "snooze_submit", until="1m")
    session = start(refbot, slack, duration="30m")
    add(refbot, FRENCH_EMPLOYEE, session, name="Ada L.", email="ada@example.com")
    clock.travel(hours=1)
    refbot.sweep()
    # A Slack Connect partner submits a referral.
    slack.close_views(EMPLOYEE)  # Alice closed her "thanks" modal long ago
    partner = refbot.post_payload(partner_submission(refbot, name="Linus T.", email="l@x.org"))
    # A month on: Camille's stale profile meets a users.info error as she opens App Home.
    clock.traveller.move_to(datetime(2026, 12, 17, 9, 5, tzinfo=UTC))  # both snoozes are due
    slack.fail("users.info", error="internal_error")
    refbot.open_home(FRENCH_EMPLOYEE)
    assert slack.wait_for(lambda: slack.home(FRENCH_EMPLOYEE) is not None)
    # The first worker's post stalls past its lease (90 s on the clock) while a second worker
    # sweeps the same database.
    slack.hang("chat.postMessage", 2.0, after=True)
    stuck = threading.Thread(target=refbot.sweep)
    stuck.start()
    snooze_ends = [r.id for r in rows(refbot, DeliveryKind.SNOOZE_END)]
    assert slack.wait_for(lambda: len(carrying(slack, snooze_ends)) == 2)
    clock.travel(seconds=90)
    taken_over = second_worker.sweep()
    stuck.join()
    refbot.sweep()
    second_worker.sweep()
    # Rita forgets Ada, named in every kind of message; Slack fails one of the edits once.
    kinds: dict[str, list[Message]] = {}
    for row in rows(refbot):
        if kind := kind_of_message(row):
            named = [m for m in carrying(slack, [row.id]) if "Lovelace" in m.plain_text()]
            kinds.setdefault(kind, []).extend(named)
    slack.fail("chat.update", error="service_unavailable")
    forget(refbot)
    refbot.sweep()
    clock.travel(minutes=2)
    refbot.sweep()

    # Each Slack method failed once, and nothing was lost to it.
    assert {m: failed_calls(slack, m) for m in TRANSIENT} == dict.fromkeys(TRANSIENT, 1)
    assert keyed(refbot, "delivery-failed:") == []  # no admin alert
    # Revoked: nothing tried, nothing failed, the reminders waited and went out late once back.
    assert tried_meanwhile == [] and failed_meanwhile == []
    assert sorted(waited) == due_while_revoked and gauge == len(due_while_revoked) == 3
    for row in (r for r in rows(refbot, *REMINDERS) if r.id in due_while_revoked):
        assert row.sent_at is not None  # and it was marked late, by as much as it was
        assert late[row.id] == rendering.late("en", row.sent_at - row.due_at)
    (told,) = carrying(slack, keyed(refbot, "waiting-over:"))
    assert told.channel == slack.dm_channel(RECRUITER) and "*3*" in told.plain_text()
    # A transient users.info error left Camille her language.
    assert [c.args["user"] for c in slack.calls_to("users.info") if not c.ok] == [FRENCH_EMPLOYEE]
    assert in_french(slack.home(FRENCH_EMPLOYEE))
    # The partner was refused politely and nothing of theirs was stored.
    assert partner.status == 200 and OUTSIDE in partner.body
    # The stalled batch: the second worker found the stalled post in history, sent the other.
    assert (taken_over.found_in_history, taken_over.sent) == (1, 1)
    # Every reminder exactly once (and every other message at most once).
    reminders = rows(refbot, *REMINDERS)
    sent = posts(slack)
    assert len(reminders) == 5 and {r.status for r in reminders} == {DeliveryStatus.SENT}
    assert {sent[str(r.id)] for r in reminders} == {1}
    assert max(sent.values()) == 1
    assert {r.status for r in rows(refbot)} <= {DeliveryStatus.SENT, DeliveryStatus.CANCELLED}
    # Nothing about Ada in any message's current text, in all seven kinds that named her.
    assert len(kinds) == 7 and all(kinds.values()), {k: len(v) for k, v in kinds.items()}
    assert slack.wait_for(lambda: naming(slack) == []), naming(slack)
    # No role gained: the first installer is the only admin and recruiter.
    with refbot.runtime.dispatcher.sessions() as s:
        roles = {
            m.user_id: (m.is_admin, m.is_recruiter)
            for m in s.scalars(select(Member))
            if m.is_admin or m.is_recruiter
        }
        stored = {(c.team_id, c.name) for c in s.scalars(select(Candidate))}
    assert roles == {RECRUITER: (True, True)}
    assert {team for team, _ in stored} == {TEAM}  # nothing under the partner's team id
    assert "Linus T." not in {name for _, name in stored}  # nor under the installing one


def test_a_transient_users_info_error_keeps_the_persons_language_and_time_zone(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    install(refbot, TEAM, RECRUITER)
    refbot.open_home(FRENCH_EMPLOYEE)  # refbot learns Camille's language and time zone
    assert slack.wait_for(lambda: len(slack.calls_to("views.publish")) == 1)
    clock.travel(days=2)  # her stored profile is stale: refbot asks Slack again

    slack.fail("users.info", error="internal_error")
    refbot.open_home(FRENCH_EMPLOYEE)
    assert slack.wait_for(lambda: len(slack.calls_to("views.publish")) == 2)

    assert [c.args["user"] for c in slack.calls_to("users.info") if not c.ok] == [FRENCH_EMPLOYEE]
    assert in_french(slack.home(FRENCH_EMPLOYEE))
    with refbot.runtime.dispatcher.sessions() as s:
        camille = s.scalars(select(Member).where(Member.user_id == FRENCH_EMPLOYEE)).one()
    assert (camille.locale, camille.tz) == ("fr-FR", "Europe/Paris")
