"""PostgreSQL's LISTEN/NOTIFY between processes: a web replica that leaves its sends to
`refbot worker` wakes the worker when it commits something due now (issue 15: composing and
posting a card on the web process cost as much CPU as the ack itself, on the same GIL).

The web replica notifies after its commits, off the requests' threads (`Notifier`). A missed
notification costs nothing but time: the worker's sweep finds the row anyway.
"""

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger(__name__)

CHANNEL = "refbot_due"
_RETRY_SECONDS = (1, 2, 5, 10, 30)  # between reconnections, then every 30 s
# A NOTIFY waits this long for the commits that follow it: a burst wakes the worker ~20 times
# a second, each time for a batch, not once per referral.
GATHER_SECONDS = 0.05


class Notifier:
    """Wakes the listeners after commits (`poke`), from a thread of its own: the committing
    thread (an ack) spends no round trip on it, and the commits of a burst share one NOTIFY.
    Sent after the commit, so a woken worker finds the row; a process that stops in between
    loses only the wake-up."""

    def __init__(self, engine: Engine, gather: float = GATHER_SECONDS) -> None:
        self._engine, self._gather = engine, gather
        self._poked = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="refbot-notify", daemon=True)

    def start(self) -> "Notifier":
        self._thread.start()
        return self

    def poke(self) -> None:
        self._poked.set()

    def stop(self) -> None:
        self._stopping.set()
        self._poked.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while self._poked.wait() and not self._stopping.is_set():
            self._stopping.wait(self._gather)  # the rest of the burst's commits come along
            self._poked.clear()
            try:
                with self._engine.connect() as connection:
                    connection.exec_driver_sql(f"NOTIFY {CHANNEL}")
                    connection.commit()
            except (DBAPIError, PoolTimeoutError) as error:
                log.warning("due notification: %s", type(error).__name__)


class Listener:
    """A thread that LISTENs on its own connection and calls `wake` for each notification
    (several at once: once), reconnecting after a lost connection."""

    def __init__(self, engine: Engine, wake: Callable[[], None]) -> None:
        # psycopg's conninfo: the engine's URL without SQLAlchemy's driver suffix.
        url = engine.url.set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._wake = wake
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="refbot-listen", daemon=True)

    def start(self) -> "Listener":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg  # here: a SQLite deployment never loads the driver (idle RSS, ~9 MB)

        failures = 0
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=3) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    failures = 0
                    self._wake()  # whatever was committed while nobody listened
                    while not self._stopping.is_set():
                        # A timeout, so that stop() is noticed within a second.
                        if any(True for _ in conn.notifies(timeout=1.0, stop_after=1)):
                            self._wake()
            except psycopg.Error as error:
                delay = _RETRY_SECONDS[min(failures, len(_RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("due listener: %s; again in %ss", type(error).__name__, delay)
                self._stopping.wait(delay)
