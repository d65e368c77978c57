"""Retention: what refbot forgets with time (DESIGN.md section 8)."""

from datetime import timedelta

from bot.clock import Clock
from storage.db import Sessions
from storage.repositories import deliveries

DELIVERY_HISTORY = timedelta(days=90)  # long enough to answer "did she get my reminder?"


class Retention:
    def __init__(self, *, sessions: Sessions, clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock

    def purge(self) -> int:
        """Delete cancelled deliveries, and sent ones that name nobody, older than 90 days (those
        that name someone are how a later forget finds the messages to edit); how many went."""
        with self.sessions.begin() as s:
            return deliveries.purge_finished(s, before=self.clock() - DELIVERY_HISTORY)
