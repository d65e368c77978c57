"""Slack's retries never cause double work: each request key is handled once (DESIGN §8).

Slack resends an event it thinks was lost (`X-Slack-Retry-Num`), and a flaky network can deliver
an interaction twice; both carry the key of the first copy (event id, trigger id)."""

from datetime import timedelta

from sqlalchemy.orm import Session

from bot.clock import Clock
from storage.db import Sessions
from storage.repositories import seen

KEEP = timedelta(days=1)  # Slack retries within minutes; a day is a wide margin


class AlreadyHandled(Exception):
    """A later copy of a request: its first copy was handled (or is being handled now)."""


class Requests:
    def __init__(self, *, sessions: Sessions, clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def first_time(self, *, team_id: str, key: str) -> bool:
        """True for the first copy of a request, False for every later one."""
        with self.sessions.begin() as s:
            return seen.first_sight(s, key=key, team_id=team_id, at=self.clock())

    def in_next_write(self, *, team_id: str, key: str) -> None:
        """`first_time()` folded into this thread's next write transaction (the use case's
        own: one commit instead of two), which raises `AlreadyHandled` for a later copy and
        so writes nothing. A listener that writes nothing leaves nothing to do twice."""

        def record(s: Session) -> None:
            if not seen.first_sight(s, key=key, team_id=team_id, at=self.clock()):
                raise AlreadyHandled(key)

        self.sessions.first_in_next_write(record)

    def answered(self) -> None:
        """The request is answered: nothing is left for a later transaction to record."""
        self.sessions.first_in_next_write(None)

    def failed(self, *, key: str) -> None:
        """The first copy failed: let Slack's retry do the work instead."""
        with self.sessions.begin() as s:
            seen.forget(s, key)

    def purge(self) -> int:
        with self.sessions.begin() as s:
            return seen.purge(s, before=self.clock() - KEEP)
