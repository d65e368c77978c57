"""Shared fixtures: the fake Slack (`slack`), refbot served over real HTTP (`refbot`), `clock`."""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from bot.app import build
from bot.config import Settings
from bot.loopback import serving
from bot.server import wsgi_app
from bot.slack_emulator import SlackEmulator
from bot.workspace import Workspace

# `python -m bot.cli` in a test's subprocess runs the code under test, not whatever an editable
# install points at (a checkout may be mid-edit). Under mutmut the tests sit in mutants/ beside
# an unmutated copy of the tree: a child runs that copy, since it cannot record mutmut's stats.
_ROOT = Path(__file__).resolve().parent.parent
if "MUTANT_UNDER_TEST" in os.environ:
    _ROOT = _ROOT.parent
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
)

pytest_plugins = ["tests.pg"]

SIGNING_SECRET = "test-signing-secret"
TEAM = "T0001"
EMPLOYEE = "U0ALICE"
FRENCH_EMPLOYEE = "U0CAMILLE"
RECRUITER = "U0RITA"
START = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def clock() -> Iterator["Clock"]:
    with time_machine.travel(START, tick=True) as traveller:
        yield Clock(traveller)


@dataclass
class Clock:
    traveller: time_machine.Traveller

    def travel(self, **delta: float) -> None:
        """Move refbot's clock (and everything else in this process) forward."""
        self.traveller.shift(timedelta(**delta))


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(team_id=TEAM) as emulator:
        emulator.add_user(EMPLOYEE, name="alice", real_name="Alice Martin", tz="America/New_York")
        emulator.add_user(
            FRENCH_EMPLOYEE,
            name="camille",
            real_name="Camille Durand",
            locale="fr-FR",
            tz="Europe/Paris",
        )
        emulator.add_user(RECRUITER, name="rita", real_name="Rita Okafor", tz="Europe/London")
        yield emulator
        assert emulator.errors == [], "refbot sent something Slack would reject"


def settings_for(slack: SlackEmulator, database_url: str) -> Settings:
    return Settings(
        slack_bot_token=slack.token,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.url,
        database_url=database_url,
        refbot_recruiters=(RECRUITER,),
    )


OAUTH_SECRET_KEY = "-9Bg0vVu6cqG9_hnrh1Ufy1pw6s6MHezTFPLuT6X-pQ="  # a Fernet key, tests only


def oauth_settings_for(slack: SlackEmulator, database_url: str, **extra: Any) -> Settings:
    """Multi-workspace OAuth mode: no bot token, installations (encrypted) in the database."""
    return Settings(
        slack_signing_secret=SIGNING_SECRET,
        slack_client_id="1111.2222",
        slack_client_secret="client-secret",
        refbot_secret_key=OAUTH_SECRET_KEY,
        slack_api_url=slack.url,
        database_url=database_url,
        **extra,
    )


class Refbot(Workspace):
    """refbot served over real HTTP, plus the Slack side of the conversation."""

    def __init__(self, settings: Settings, slack: SlackEmulator, *, hand_off: bool = False) -> None:
        self.settings = settings
        self.runtime = build(settings, scheduler=False, hand_off=hand_off)
        self.app = wsgi_app(self.runtime)
        self._serving = serving(lambda environ, start: self.app(environ, start))
        super().__init__(
            slack, server_url=self._serving.__enter__(), signing_secret=SIGNING_SECRET, team_id=TEAM
        )
        self.identified()

    def identified(self) -> None:
        """refbot asks Slack who it is as it starts (single-workspace mode), off the requests:
        answered before a test's first request, so that the Slack calls a test counts are its
        own."""
        identity = self.runtime.identity
        assert identity is None or self.slack.wait_for(identity.known)

    def sweep(self) -> None:
        self.runtime.sweep()

    def restart(self, *, identified: bool = True) -> None:
        """Stop refbot and start it again on the same database and port, scheduler included:
        its first sweep, at start, delivers what came due while it was down. `identified=False`
        lets requests come before Slack said who the bot is."""
        self.runtime.close()
        self.runtime = build(self.settings)
        self.app = wsgi_app(self.runtime)
        scheduler = self.runtime.scheduler
        assert scheduler is not None
        scheduler.start()
        assert self.slack.wait_for(lambda: scheduler.last_sweep_at is not None)
        if identified:
            self.identified()

    def close(self) -> None:
        self._serving.__exit__(None, None, None)
        self.runtime.close()


@pytest.fixture
def refbot(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[Refbot]:
    running = Refbot(settings_for(slack, migrated_url), slack)
    yield running
    running.close()
