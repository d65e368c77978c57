"""Engines and sessions. Built by the caller at start-up, never at import."""

import sqlite3
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

# PRAGMAs are per connection, so they are set on every new one. WAL lets readers run beside
# the one writer; busy_timeout makes a second writer wait instead of failing at once;
# synchronous=NORMAL is durable across application crashes in WAL mode (only an OS crash can
# lose the last commits). https://www.sqlite.org/pragma.html
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
)


def normalize_url(url: str | URL) -> URL:
    """Parse ``url``, sending bare ``postgresql://``/``postgres://`` URLs to psycopg 3 (the only
    PostgreSQL driver installed; SQLAlchemy would otherwise pick psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _set_sqlite_pragmas(dbapi_connection: sqlite3.Connection, _: ConnectionPoolEntry) -> None:
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
        engine = create_engine(parsed, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": 3}  # seconds; keeps ping() quick
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    # Results are handed to rendering after commit; expiring them would mean a query per access.
    return sessionmaker(engine, expire_on_commit=False)


def ping(engine: Engine) -> bool:
    """True when the database answers ``SELECT 1``."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (DBAPIError, PoolTimeoutError):
        return False
    return True
