"""In-process APScheduler (memory job store): the database, not the job store, is durable."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import Clock

log = logging.getLogger("refbot.scheduler")


class Scheduler:
    def __init__(self, *, sweep: Callable[[], object], every_seconds: int, clock: Clock) -> None:
        self._sweep = sweep
        self._clock = clock
        self.last_sweep_at: datetime | None = None
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._scheduler.add_job(
            self.sweep,
            "interval",
            seconds=every_seconds,
            id="sweep",
            max_instances=1,  # a slow sweep is never overlapped by the next one
            coalesce=True,
            next_run_time=datetime.now(UTC),  # APScheduler's own wall clock: sweep at start
        )

    @property
    def running(self) -> bool:
        return self._scheduler.running

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def sweep(self) -> None:
        """One pass of the periodic work; failures are logged and retried next interval."""
        try:
            self._sweep()
        except Exception:
            log.exception("sweep failed")
        else:
            self.last_sweep_at = self._clock()
