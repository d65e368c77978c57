"""Services wired as in production (``bot.app.build``) on a migrated database and the fake
Slack, with a clock the test sets to the microsecond: rules with a boundary (a credit window, a
snooze's 09:00) are checked exactly at it, which a ticking clock cannot do."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from bot.app import Runtime, build
from bot.outbox import Due
from bot.slack_emulator import SlackEmulator
from storage.models import Delivery
from tests.conftest import START, settings_for


@dataclass
class FixedClock:
    """``bot.clock``'s contract (an aware UTC ``datetime``), stopped until the test moves it."""

    at: datetime = START

    def __call__(self) -> datetime:
        return self.at

    def travel(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def now() -> FixedClock:
    return FixedClock()


@pytest.fixture
def runtime(slack: SlackEmulator, migrated_url: str, now: FixedClock) -> Iterator[Runtime]:
    """refbot without its HTTP server: tests call the services and ``sweep()`` directly."""
    built = build(settings_for(slack, migrated_url), clock=now, scheduler=False)
    yield built
    built.close()


def claimed(row: Delivery, *, attempts: int = 0) -> Due:
    """An outbox row as the dispatcher hands it to a sender once it claimed it."""
    return Due(
        id=row.id,
        team_id=row.team_id,
        kind=row.kind,
        subject=row.subject,
        recipient=row.recipient,
        due_at=row.due_at,
        payload=dict(row.payload),
        attempts=attempts,
        uncertain=False,
    )
