"""Graceful degradation: the database out of reach for a moment, Slack down for ten minutes."""

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot import rendering
from bot.outbox import Due
from bot.rendering.blocks import Message
from bot.slack_emulator import SlackEmulator
from storage import db
from storage.db import make_engine, make_sessions
from storage.models import Candidate, Delivery
from storage.types import DeliveryKind
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Clock, Refbot, settings_for
from tests.e2e.test_referral import cards, open_referral
from tests.services.conftest import claimed
from tests.tcp_proxy import TcpProxy

ADA = {"name": "Ada Lovelace", "email": "ada@example.com", "relationship": "worked_together"}


def candidates(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with make_sessions(engine)() as s:
            return int(s.scalar(select(func.count()).select_from(Candidate)) or 0)
    finally:
        engine.dispose()


@pytest.fixture
def proxy(migrated_url: str) -> Iterator[TcpProxy]:
    if not migrated_url.startswith("postgresql"):
        pytest.skip("an unreachable server is a PostgreSQL matter; SQLite is a local file")
    url = make_url(migrated_url)
    with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as running:
        yield running


@pytest.fixture
def refbot_via_proxy(
    slack: SlackEmulator, migrated_url: str, proxy: TcpProxy, clock: Clock
) -> Iterator[Refbot]:
    proxied = make_url(migrated_url).set(port=proxy.port)
    running = Refbot(settings_for(slack, proxied.render_as_string(hide_password=False)), slack)
    yield running
    running.close()


def test_database_unreachable_asks_to_try_again_and_saves_nothing_half(
    refbot_via_proxy: Refbot, slack: SlackEmulator, proxy: TcpProxy, migrated_url: str
) -> None:
    refbot = refbot_via_proxy
    open_referral(refbot, EMPLOYEE)

    proxy.cut()
    refused = refbot.submit(EMPLOYEE, "referral_submit", **ADA)
    refbot.command(EMPLOYEE, "/refer", "")
    with pytest.raises(OperationalError):
        refbot.sweep()  # the scheduler logs this and sweeps again next interval

    # The modal stays open with the person's input and a message beside the first field.
    assert refused.status == 200
    errors = refused.json()["errors"]
    assert "Try again in a moment" in json.dumps(errors)
    assert slack.wait_for(lambda: slack.ephemerals(EMPLOYEE) != [])
    assert "Try again in a moment" in slack.ephemerals(EMPLOYEE)[-1].plain_text()
    assert "Traceback" not in json.dumps([m.text for m in slack.ephemerals(EMPLOYEE)])
    assert candidates(migrated_url) == 0

    proxy.restore()
    accepted = refbot.submit(EMPLOYEE, "referral_submit", **ADA)

    assert accepted.json()["response_action"] == "update"
    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    refbot.sweep()  # the dispatcher carries on by itself: nothing more to send
    assert candidates(migrated_url) == 1 and len(cards(slack)) == 1


def test_connections_the_server_dropped_are_replaced_without_losing_a_referral(
    refbot_via_proxy: Refbot,
    slack: SlackEmulator,
    proxy: TcpProxy,
    migrated_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    clock: Clock,
) -> None:
    """No ping before each transaction: a connection that answered within IDLE_PING_SECONDS is
    used as it is. A server restart drops them all: the idle ones are asked first and replaced
    unseen; a hot one fails the statement it runs, the pool replaces them all, and the referral
    is written again on a new one, once."""
    refbot = refbot_via_proxy

    def submit(i: int) -> dict[str, Any]:
        ada = {**ADA, "name": f"Ada {i}", "email": f"ada{i}@example.com"}
        return dict(refbot.submit(EMPLOYEE, "referral_submit", **ada).json())

    def reopen() -> None:
        slack.close_views(EMPLOYEE)
        open_referral(refbot, EMPLOYEE)

    reopen()
    assert submit(0)["response_action"] == "update"

    reopen()
    proxy.cut()  # the server restarts between two referrals: every open connection is gone
    proxy.restore()
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)  # ...after the pool sat idle a while
    assert submit(1)["response_action"] == "update"  # pinged, found dead, replaced
    monkeypatch.undo()

    reopen()
    proxy.cut()  # again, with the pool hot this time
    proxy.restore()
    assert submit(2)["response_action"] == "update"  # written again on a new connection
    reopen()
    assert submit(3)["response_action"] == "update"
    assert candidates(migrated_url) == 4
    clock.travel(minutes=1)  # a card the dispatcher met a dropped connection for: its retry
    refbot.sweep()
    assert slack.wait_for(lambda: len(cards(slack)) == 4)  # each carded once
    refbot.sweep()
    assert len(cards(slack)) == 4
    # A restart is not a bug: at most warnings (the dispatcher's, if it met a dropped one).
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_slack_down_for_ten_minutes_delays_deliveries_then_sends_them_once(
    refbot: Refbot, slack: SlackEmulator, clock: Clock, migrated_url: str
) -> None:
    open_referral(refbot, EMPLOYEE)
    slack.outage()

    answer = refbot.submit(EMPLOYEE, "referral_submit", **ADA)
    for _ in range(10):  # ten minutes of sweeps against a Slack answering 503
        clock.travel(minutes=1)
        refbot.sweep()

    assert answer.json()["response_action"] == "update"  # the ack needed no Slack
    assert cards(slack) == []
    slack.outage(False)
    for _ in range(30):  # the retries back off; within half an hour they find Slack again
        clock.travel(minutes=1)
        refbot.sweep()
    assert len(cards(slack)) == 1
    confirmations = [m for m in slack.dms(EMPLOYEE) if "reached the recruiting team" in m.text]
    assert len(confirmations) == 1
    engine = make_engine(migrated_url)
    with make_sessions(engine)() as s:
        due = select(Delivery.status).where(Delivery.due_at <= datetime.now(UTC))
        statuses = {status.value for status in s.scalars(due)}
    engine.dispose()
    assert statuses == {"sent"}  # every delivery due so far went out; none failed


def test_a_database_blip_while_composing_retries_the_delivery_instead_of_failing_it(
    refbot_via_proxy: Refbot, slack: SlackEmulator, proxy: TcpProxy, clock: Clock
) -> None:
    runtime = refbot_via_proxy.runtime
    blips = []

    def compose_during_a_blip(due: Due, locale: str) -> Message:
        if not blips:  # the first time: the database goes away for the read, then comes back
            blips.append(due.id)
            proxy.cut()
            try:
                with runtime.engine.connect() as connection:
                    connection.execute(select(1))
            finally:
                proxy.restore()
        return rendering.notice(locale, "notices/reminder", {"text": "call Ada back"})

    runtime.dispatcher.composer.register_notice("blip", compose_during_a_blip)
    with runtime.dispatcher.sessions.begin() as s:
        runtime.services.outbox.notice(
            s,
            team_id=TEAM,
            recipient=RECRUITER,
            subject="t",
            dedupe_key="blip",
            payload={"render": "blip"},
        )
    runtime.sweep()

    assert blips and slack.dms(RECRUITER) == []
    clock.travel(seconds=30)  # past the first backoff
    runtime.sweep()
    assert [m.text for m in slack.dms(RECRUITER)] == [":alarm_clock: Reminder: call Ada back"]


def test_a_save_the_database_keeps_failing_gives_the_form_back_and_saves_once_it_answers(
    refbot_via_proxy: Refbot, slack: SlackEmulator, proxy: TcpProxy, clock: Clock
) -> None:
    """Acked, then the database goes away between the claim and the save: tried again for
    SAVE_PATIENCE, then the person gets the form back with their answers; the row, run again
    once the database answers, saves it once."""
    refbot = refbot_via_proxy
    open_referral(refbot, EMPLOYEE)
    refbot.runtime.dispatcher.stop()  # the test runs the claimed row itself
    payload = refbot.submission_payload(EMPLOYEE, "referral_submit", **ADA)
    answer = refbot.post_payload(payload)
    slack.apply_response_action(
        EMPLOYEE, payload["view"]["id"], answer.json(), submitted_hash=payload["view"]["hash"]
    )
    with refbot.runtime.dispatcher.sessions() as s:
        row = s.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.SUBMISSION)).one()
        due = claimed(row)
    submissions = refbot.runtime.services.submissions

    proxy.cut()
    with pytest.raises(OperationalError):  # within its patience: the dispatcher retries it
        submissions.send(due)
    clock.travel(seconds=30)
    assert submissions.send(due)  # past it: the form back, answers kept

    shown = refbot.modal(EMPLOYEE)
    assert "could not save this just now" in json.dumps(shown)
    name = next(b for b in shown["blocks"] if b.get("block_id") == "name")
    assert name["element"]["initial_value"] == "Ada Lovelace"

    proxy.restore()
    assert submissions.send(due)  # the row again (its settle was lost with the database)
    assert "Thanks" in json.dumps(refbot.modal(EMPLOYEE))
    assert candidates(refbot.settings.database_url) == 1
