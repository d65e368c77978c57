"""Database fixtures: every storage test runs on SQLite and on a real PostgreSQL server.

Loaded with ``pytest_plugins = ["tests.pg"]``. The server is started once per test session, and
only when a PostgreSQL test runs (``-m "not postgres"`` never starts it). pytest-postgresql's
process fixture cannot drop root privileges, which PostgreSQL insists on, so the process part
is ours and its ``DatabaseJanitor`` creates and drops the databases.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from glob import glob
from pathlib import Path

import pytest
from pytest_postgresql.janitor import DatabaseJanitor
from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_sessions
from storage.migrate import upgrade

PG_USER = "postgres"  # the database superuser initdb creates; not the OS user
TEMPLATE_DB = "refbot_migrated"


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str
    datadir: Path
    started_in: float  # seconds from initdb to accepting connections

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def janitor(self, dbname: str, template: str | None = None) -> DatabaseJanitor:
        return DatabaseJanitor(
            user=self.user,
            host=self.host,
            port=self.port,
            dbname=dbname,
            template_dbname=template,
            connection_timeout=10,
        )


def _bindir() -> Path:
    """Where initdb and pg_ctl live: pg_config's answer (CI's apt package, a custom build), else
    Debian's versioned directories, newest first. pg_config may come from libpq-dev without the
    server, so each candidate is checked."""
    candidates: list[Path] = []
    if pg_config := shutil.which("pg_config"):
        answer = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if answer.returncode == 0 and answer.stdout.strip():
            candidates.append(Path(answer.stdout.strip()))
    debian = glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(map(Path, debian), key=lambda p: _version(p.parent.name), reverse=True)
    if pg_ctl := shutil.which("pg_ctl"):
        candidates.append(Path(pg_ctl).parent)
    for path in candidates:
        if (path / "pg_ctl").is_file() and (path / "initdb").is_file():
            return path
    pytest.fail(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install the server, e.g. "
        "`apt-get install postgresql` (CI does), or deselect with -m 'not postgres'.",
        pytrace=False,
    )


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _os_user() -> str | None:
    """The unprivileged account to run the server as when we are root (PostgreSQL refuses
    root); None when we are not root and can run it ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "refbot-pg"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    # Not check=True: a parallel worker may have created it first; getpwnam decides.
    added = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "refbot-pg"],
        capture_output=True,
        text=True,
    )
    try:
        pwd.getpwnam("refbot-pg")
    except KeyError:
        pytest.fail(f"cannot create the OS user refbot-pg: {added.stderr}", pytrace=False)
    return "refbot-pg"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(command: list[str], os_user: str | None, cwd: Path) -> None:
    if os_user is not None:
        command = ["runuser", "-u", os_user, "--", *command]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A throwaway PostgreSQL server on 127.0.0.1 and a free port, for this test session."""
    with throwaway_server() as server:
        yield server


@contextmanager
def throwaway_server() -> Iterator[PgServer]:
    """Start a PostgreSQL server as an unprivileged user; stop and delete it afterwards."""
    bindir = _bindir()
    os_user = _os_user()
    # /tmp when root: the server's user must reach the directory (pytest's own tmp is mode 700
    # under /tmp/pytest-of-root), and the socket path must stay under 107 bytes.
    base = Path(tempfile.mkdtemp(prefix="refbot-pg-", dir="/tmp" if os_user else None))
    datadir, sockdir, log = base / "data", base / "sock", base / "server.log"
    pg_ctl = str(bindir / "pg_ctl")
    try:
        sockdir.mkdir()
        if os_user is not None:
            account = pwd.getpwnam(os_user)
            for path in (base, sockdir):
                os.chown(path, account.pw_uid, account.pw_gid)
        started = time.monotonic()
        # C locale, UTF8: the container's locale may not exist, and byte order is reproducible.
        initdb = [str(bindir / "initdb"), "-D", str(datadir), "-A", "trust", "-U", PG_USER]
        _run([*initdb, "-E", "UTF8", "--locale=C", "--no-sync"], os_user, base)
        port = free_port()
        # Durability is pointless for a throwaway server; turning it off makes DDL fast.
        options = (
            f"-F -p {port} -k {sockdir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
        )
        start = [pg_ctl, "-D", str(datadir), "-l", str(log), "-w", "-o", options, "start"]
        _run(start, os_user, base)
        yield PgServer("127.0.0.1", port, PG_USER, datadir, time.monotonic() - started)
    finally:
        if (datadir / "postmaster.pid").exists():
            # Immediate: no checkpoint, since the data is thrown away next.
            _run([pg_ctl, "-D", str(datadir), "-m", "immediate", "-w", "stop"], os_user, base)
        shutil.rmtree(base, ignore_errors=True)


# Migrating takes a good part of a second; copying a database migrated once per session takes
# milliseconds. Migrations themselves are exercised from empty by tests/storage/test_migrations.


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> Iterator[str]:
    """A PostgreSQL database at head, for ``CREATE DATABASE … TEMPLATE``."""
    janitor = pg_server.janitor(TEMPLATE_DB)
    janitor.init()
    upgrade(pg_server.url(TEMPLATE_DB))  # its engine is disposed, so the template is idle
    yield TEMPLATE_DB
    janitor.drop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at head, to copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "refbot.db"
    # Its engine is disposed, and closing the last connection checkpoints the WAL into the file.
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new empty database on each engine; or, when the test also uses ``migrated_url``, that
    same database already at head, copied from the session's template."""
    # Decided here, at creation: PostgreSQL can only clone a template into a new database.
    migrated = "migrated_url" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "refbot.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server: PgServer = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_template") if migrated else None
    dbname = f"test_{uuid.uuid4().hex[:16]}"
    # The janitor drops the database on exit, first ending any connection a test left open.
    with server.janitor(dbname, template):
        yield server.url(dbname)


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """``database_url`` at the newest revision (see ``database_url``)."""
    return database_url


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated database; the engine is disposed afterwards."""
    engine = make_engine(migrated_url)
    yield make_sessions(engine)
    engine.dispose()
