"""A web replica beside a worker (issue 15): on PostgreSQL it leaves even the card its own
request caused to the worker, which NOTIFY wakes at once; on SQLite, which has no NOTIFY, it
sends the card itself as before."""

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.app import Runtime, build
from bot.slack_emulator import SlackEmulator
from storage.models import Delivery
from tests.conftest import EMPLOYEE, Refbot, settings_for
from tests.e2e.test_referral import cards, refer


@pytest.fixture
def web(slack: SlackEmulator, migrated_url: str) -> Iterator[Refbot]:
    replica = Refbot(settings_for(slack, migrated_url), slack, hand_off=True)
    yield replica
    replica.close()


@pytest.fixture
def worker(slack: SlackEmulator, migrated_url: str) -> Iterator[Runtime]:
    # No scheduler: nothing sweeps on a timer, so only the wake-up can send the card.
    runtime = build(settings_for(slack, migrated_url), scheduler=False)
    runtime.listen_for_due()
    yield runtime
    runtime.close()


def card_sender(web: Refbot) -> str | None:
    with web.runtime.dispatcher.sessions() as s:
        return s.scalar(select(Delivery.lease_owner).where(Delivery.dedupe_key.startswith("card:")))


def test_a_web_replica_leaves_the_card_to_the_worker_which_is_woken_at_once(
    web: Refbot, worker: Runtime, slack: SlackEmulator, migrated_url: str
) -> None:
    refer(web, EMPLOYEE, name="Ada Lovelace", email="ada@example.com")

    assert slack.wait_for(lambda: len(cards(slack)) == 1, timeout=20)  # a loaded machine
    postgres = migrated_url.startswith("postgresql")
    sender = worker.dispatcher.owner if postgres else web.runtime.dispatcher.owner
    assert slack.wait_for(lambda: card_sender(web) == sender), card_sender(web)
