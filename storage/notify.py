"""PostgreSQL's LISTEN/NOTIFY between processes: a web replica that leaves its sends to
`refbot worker` wakes the worker when it commits something due now (issue 15: composing and
posting a card on the web process cost as much CPU as the ack itself, on the same GIL).

NOTIFY is transactional: it reaches listeners when the transaction commits, never on a rollback.
A missed notification costs nothing but time: the worker's sweep finds the row anyway.
"""

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

CHANNEL = "refbot_due"
_RETRY_SECONDS = (1, 2, 5, 10, 30)  # between reconnections, then every 30 s


def notify_on_commit(sessions: sessionmaker[Session], due_now: Callable[[Session], bool]) -> None:
    """Send NOTIFY in each transaction for which `due_now(session)` says it queued something
    due now; the listeners hear it once the transaction commits."""

    @event.listens_for(sessions, "before_commit")
    def _notify(session: Session) -> None:
        if due_now(session):
            session.execute(text(f"NOTIFY {CHANNEL}"))


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
