"""Engines and sessions. Built by the caller at start-up, never at import."""

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError, InterfaceError, InvalidatePoolError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

log = logging.getLogger(__name__)

# PRAGMAs are per connection, so they are set on every new one. WAL lets readers run beside
# the one writer; busy_timeout makes a second writer wait instead of failing at once;
# synchronous=NORMAL is durable across application crashes in WAL mode (only an OS crash can
# lose the last commits). https://www.sqlite.org/pragma.html
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
    # A commit that fills the WAL past this many pages copies it back into the database and
    # syncs it, in the committing thread: 100-130 ms of an ack, once every ~240 referrals
    # even at this bound (~40 MB). A thread of its own does it instead (Checkpoints); this
    # bound only holds when nothing does (a one-off CLI command).
    "PRAGMA wal_autocheckpoint=10000",
)


# The database is down or out of reach (not a bug in a query): worth trying again later.
UNREACHABLE = (OperationalError, InterfaceError, PoolTimeoutError)
_T = TypeVar("_T")


def normalize_url(url: str | URL) -> URL:
    """Parse ``url``, sending bare ``postgresql://``/``postgres://`` URLs to psycopg 3 (the only
    PostgreSQL driver installed; SQLAlchemy would otherwise pick psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _set_sqlite_pragmas(dbapi_connection: sqlite3.Connection, _: ConnectionPoolEntry) -> None:
    # Take BEGIN away from pysqlite (which defers it to the first write and never begins
    # before a SELECT) so that _begin_sqlite decides; the SQLAlchemy-documented recipe.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for a SQLite or PostgreSQL URL, with refbot's connection settings."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        # Sessions are used from Bolt's and APScheduler's worker threads, one thread at a time.
        engine = create_engine(
            parsed, connect_args={"check_same_thread": False}, hide_parameters=True
        )
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": 3}  # seconds; keeps ping() quick
    # Bolt's 8 listener threads, the dispatcher's 12 senders (8 for messages, 4 for calls) and
    # the scheduler's jobs share the pool. Kept connections cover them all: one beyond
    # pool_size is closed on return and a burst opens it again, a new server process that a
    # loaded machine may take seconds to start (past connect_timeout: a refused referral).
    # Opened only as concurrency needs them.
    engine = create_engine(
        parsed,
        pool_size=24,
        max_overflow=8,
        connect_args=connect_args,
        hide_parameters=True,  # errors and logs never quote row values (personal data)
    )
    _ping_when_idle(engine)
    return engine


# A connection that answered this recently is taken as alive. SQLAlchemy's pool_pre_ping asks
# the server before every checkout: one more round trip on every transaction, ~0.3 ms of CPU
# and wall time of a referral's ack. One that sat idle longer may have been dropped (a restart,
# a failover, a proxy's idle timeout) and is asked first. A server that goes away under load
# fails the statements already on their way (a referral is written again, others ask to try
# again), and SQLAlchemy then replaces every pooled connection.
IDLE_PING_SECONDS = 2.0
_USED = "refbot_used"  # ConnectionPoolEntry.info key: when the connection last answered


def _ping_when_idle(engine: Engine) -> None:
    def used(_: Any, entry: ConnectionPoolEntry, *rest: Any) -> None:
        entry.info[_USED] = time.monotonic()

    def checkout(dbapi: Any, entry: ConnectionPoolEntry, _: PoolProxiedConnection) -> None:
        if time.monotonic() - entry.info.get(_USED, 0.0) < IDLE_PING_SECONDS:
            return
        dialect = engine.dialect
        try:
            dialect.do_ping(dbapi)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi, None):
                raise
            raise InvalidatePoolError() from error  # the pool reconnects, retries this checkout
        entry.info[_USED] = time.monotonic()

    event.listen(engine, "connect", used)
    event.listen(engine, "checkin", used)
    event.listen(engine, "checkout", checkout)


def _begin_sqlite(connection: Connection) -> None:
    # A write transaction takes SQLite's write lock up front: a deferred one that reads and then
    # writes can fail with SQLITE_BUSY when another writer committed in between (WAL snapshot),
    # which busy_timeout does not cover. https://www.sqlite.org/lang_transaction.html
    immediate = connection.get_execution_options().get(_IMMEDIATE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_IMMEDIATE = "refbot_write"


def writing(engine: Engine) -> Engine:
    """The engine for code that reads then writes in `engine.begin()` blocks of its own
    (slack_sdk's OAuth stores): on SQLite each such transaction takes the write lock up front,
    so a write committed by another connection in between cannot fail it (SQLITE_BUSY)."""
    return engine.execution_options(**{_IMMEDIATE: True})


class NestedWriteError(AssertionError):
    """A programming error: a use case began a write transaction inside another one."""


class ReadSessionWriteError(AssertionError):
    """A programming error: a read session (`sessions()`) wrote. On PostgreSQL its statements
    commit one by one: the write would stay, outside any use case's transaction."""


_READ = "refbot_read"  # Session.info key: a read session


def _no_write_in_reads(state: ORMExecuteState) -> None:
    if state.session.info.get(_READ) and (state.is_insert or state.is_update or state.is_delete):
        raise ReadSessionWriteError("a read session ran a write; use sessions.begin()")


def _no_flush_in_reads(session: Session, *_: Any) -> None:
    if session.info.get(_READ):
        raise ReadSessionWriteError("a read session flushed a change; use sessions.begin()")


class Sessions(sessionmaker[Session]):
    """`sessions()` for reads, `sessions.begin()` for one write transaction (use case).

    On PostgreSQL a read session runs in autocommit. Under READ COMMITTED each statement of a
    transaction takes its own snapshot anyway, so this only saves the BEGIN and the ROLLBACK:
    two of the three round trips a one-statement read costs, and the server's CPU for them.
    A read that needs one transaction (SET LOCAL, or reads that must agree with one another:
    an export) asks for it: `sessions.read_transaction()`.
    """

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        engine: Engine = self.kw["bind"]
        self._reads = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine
        )
        self._one_snapshot = (
            engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            if engine.dialect.name == "postgresql"
            else engine
        )
        event.listen(self, "do_orm_execute", _no_write_in_reads)
        event.listen(self, "before_flush", _no_flush_in_reads)
        # SQLite has one writer at a time. Its busy handler makes the others sleep and poll
        # (up to 100 ms a nap), so 50 concurrent writers wait in seconds; this process's
        # writers queue on a lock instead, each woken the moment the previous one commits.
        self._writers = threading.RLock()
        self._writing = threading.local()

    def __call__(self, **kw: Any) -> Session:
        """A read session. It never flushes on its own: a change made to a loaded object is
        dropped at the end, as a rolled back transaction would, and a flush is refused."""
        return super().__call__(bind=self._reads, autoflush=False, info={_READ: True}, **kw)

    def read_transaction(self) -> Session:
        """A read session in one transaction that sees the database as it was at its first
        statement, however long it reads: for transaction-local settings (SET LOCAL), and for
        reads that must agree with one another (an export's pages). On PostgreSQL, REPEATABLE
        READ and READ ONLY: under READ COMMITTED each statement has a snapshot of its own. On
        SQLite, the read transaction is one snapshot already (WAL)."""
        return super().__call__(bind=self._one_snapshot, autoflush=False, info={_READ: True})

    def first_in_next_write(self, write: Callable[[Session], None] | None) -> None:
        """Run `write` first in this thread's next write transaction (and in the next one again
        if that one rolls back) until one commits; None cancels. A request's bookkeeping (its
        retry key) rides in the use case's own transaction instead of a second commit."""
        self._writing.first = write

    @contextmanager
    def begin(self) -> Iterator[Session]:  # type: ignore[override]
        # One use case, one write transaction. A second one begun on this thread while the first
        # is open is a bug: on SQLite it waits for the write lock its own thread holds until
        # busy_timeout (5 s) and fails; on PostgreSQL it commits apart from the first and can
        # deadlock with it. Say so at once, on both (a thread-local flag: no I/O, no lock).
        if getattr(self._writing, "open", False):
            raise NestedWriteError(
                "a write transaction was begun while this thread already holds one; "
                "do the reads first, or pass the open session down"
            )
        self._writing.open = True
        first = getattr(self._writing, "first", None)
        try:
            if self.kw["bind"].dialect.name != "sqlite":
                with super().__call__() as session, session.begin():
                    if first is not None:
                        first(session)
                    yield session
            else:
                with self._writers, super().__call__() as session, session.begin():
                    session.connection(execution_options={_IMMEDIATE: True})
                    if first is not None:
                        first(session)
                    yield session
            if first is not None:  # committed (an exception would have skipped this)
                self._writing.first = None
        finally:
            self._writing.open = False


def once_more_if_dropped(write: Callable[[], _T]) -> _T:
    """Run a write transaction; once more if the server had dropped its connection since it
    last answered (a restart: see IDLE_PING_SECONDS): the pool has replaced them all."""
    try:
        return write()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
    return write()


class Checkpoints:
    """SQLite: a thread that copies the WAL back into the database every `every` seconds, so
    that no request's commit does (see wal_autocheckpoint). PASSIVE blocks no reader or
    writer (what a reader still needs waits for the next one), and SQLite does the copy and
    the sync without holding the GIL. Nothing to do on PostgreSQL."""

    def __init__(self, engine: Engine, every: float = 0.5) -> None:
        self._engine, self._every = engine, every
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="refbot-checkpoint", daemon=True)

    def start(self) -> "Checkpoints":
        if self._engine.dialect.name == "sqlite":
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stopping.wait(self._every):
            try:
                with self._engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            except (DBAPIError, PoolTimeoutError) as error:  # the next one tries again
                log.warning("checkpoint failed: %s", type(error).__name__)


def make_sessions(engine: Engine) -> Sessions:
    # Results are handed to rendering after commit; expiring them would mean a query per access.
    return Sessions(engine, expire_on_commit=False)


def ping(engine: Engine) -> bool:
    """True when the database answers ``SELECT 1``."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (DBAPIError, PoolTimeoutError):
        return False
    return True
