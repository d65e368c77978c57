"""In-process APScheduler (memory job store): the database, not the job store, is durable.

Several processes may run this at once (web workers, `refbot worker`): every job is safe to run
concurrently because the work it does is claimed or deduplicated in the database.
"""

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import Clock

log = logging.getLogger("refbot.scheduler")
STALE_AFTER = 3  # sweep intervals

Job = Callable[[], object]


class Scheduler:
    def __init__(
        self,
        *,
        sweep: Job,
        every_seconds: int,
        clock: Clock,
        hourly: Sequence[Job] = (),
        daily: Sequence[Job] = (),
        every: Sequence[tuple[Job, int]] = (),
    ) -> None:
        self._sweep = sweep
        self._clock = clock
        self._every = timedelta(seconds=every_seconds)
        self.last_sweep_at: datetime | None = None
        self._started_at: datetime | None = None
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._scheduler.add_job(
            self.sweep,
            "interval",
            seconds=every_seconds,
            id="sweep",
            max_instances=1,  # a slow sweep is never overlapped by the next one
            coalesce=True,
            misfire_grace_time=None,  # a sweep late because the last one was slow still runs
            next_run_time=datetime.now(UTC),  # at start: overdue rows go out first
        )
        for job in hourly:
            self._add_cron(job, minute=0)
        for job in daily:
            self._add_cron(job, hour=3, minute=17)  # a quiet hour, off the round minute
        for job, seconds in every:  # e.g. the ATS poll, every REFBOT_ATS_POLL_SECONDS
            self._scheduler.add_job(
                _logged(job),
                "interval",
                seconds=seconds,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )

    def _add_cron(self, job: Job, **when: int) -> None:
        self._scheduler.add_job(
            _logged(job), "cron", max_instances=1, coalesce=True, misfire_grace_time=3600, **when
        )

    @property
    def running(self) -> bool:
        return self._scheduler.running

    def start(self) -> None:
        self._started_at = self._clock()
        self._scheduler.start()

    @property
    def stale(self) -> bool:
        """No sweep for 3 intervals (stopped, stuck, or its database out of reach): reminders
        are not going out, which /healthz reports as a failure."""
        last = self.last_sweep_at or self._started_at
        return not self.running or last is None or self._clock() - last > STALE_AFTER * self._every

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)  # lets a running sweep record its batch

    def sweep(self) -> None:
        """One pass of the dispatcher; failures are logged and retried next interval."""
        try:
            self._sweep()
        except Exception:
            log.exception("sweep failed")
        else:
            self.last_sweep_at = self._clock()


def _logged(job: Job) -> Job:
    def run() -> None:
        try:
            job()
        except Exception:
            log.exception("scheduled job %s failed", getattr(job, "__qualname__", job))

    return run
