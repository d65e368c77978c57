"""`refbot` console script (DESIGN.md section 3). Imports are deferred so each command loads only
what it needs (and `serve` can set PROMETHEUS_MULTIPROC_DIR before prometheus_client loads)."""

import argparse
import gc
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.app import Runtime
    from bot.config import Settings
    from storage.db import Sessions

log = logging.getLogger("refbot")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from bot import logs

    servers = args.func in (_serve, _run, _worker)
    # The demo's output is the story, import's and export's their data and summary: only
    # problems belong beside them. The servers' lines are JSON, for log collectors.
    logs.configure(logging.INFO if servers else logging.WARNING, json_lines=servers)
    try:
        return int(args.func(args) or 0)
    except ConfigError as error:
        print(f"refbot: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="refbot", description="Referrals and sourcing in Slack.")
    commands = parser.add_subparsers(required=True, metavar="command")

    serve = commands.add_parser("serve", help="serve Slack over HTTP (production server)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--no-scheduler", action="store_true", help="leave sweeps to `refbot worker`"
    )
    serve.set_defaults(func=_serve)

    run = commands.add_parser("run", help="connect to Slack in Socket Mode")
    run.set_defaults(func=_run)

    worker = commands.add_parser("worker", help="run only the scheduler and the dispatcher")
    worker.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    worker.add_argument(
        "--port", type=int, help="serve /healthz and /metrics on this port (default: none)"
    )
    worker.add_argument("--host", default="127.0.0.1", help="address of the --port probes")
    worker.set_defaults(func=_worker)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(required=True, metavar="action")
    upgrade = db_commands.add_parser("upgrade", help="migrate the database to the latest schema")
    upgrade.set_defaults(func=_db_upgrade)
    rotate = db_commands.add_parser(
        "rotate-secrets", help="re-encrypt stored tokens with the first key of REFBOT_SECRET_KEY"
    )
    rotate.set_defaults(func=_db_rotate_secrets)

    demo = commands.add_parser("demo", help="play the whole product against a local fake Slack")
    demo.set_defaults(func=_demo)

    team_help = "workspace id (T…); default: the only workspace in the database"
    load = commands.add_parser(
        "import",
        help="import candidates from a CSV or JSON file (an ATS export, a spreadsheet) or "
        "restore refbot's own export",
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--team", help=team_help)
    load.add_argument(
        "--encoding", help="the file's text encoding (default: detected; e.g. cp1252, mac_roman)"
    )
    load.set_defaults(func=_import)

    dump = commands.add_parser("export", help="export every candidate with its history")
    dump.add_argument("--format", choices=("csv", "json"), default="csv")
    dump.add_argument("--out", type=Path, help="file to write (default: standard output)")
    dump.add_argument("--team", help=team_help)
    dump.set_defaults(func=_export)

    stats = commands.add_parser("stats", help="what works: sources, response rates, referrers")
    stats.add_argument("--days", type=int, default=90)
    stats.add_argument("--team", help=team_help)
    stats.set_defaults(func=_stats)
    return parser


def _settings(**needs: bool) -> "Settings":
    from bot.config import load_settings

    return load_settings(**needs)


def _prepare_database(settings: "Settings") -> None:
    """Migrate an empty SQLite database; refuse to run against a schema that is behind."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    from storage import migrate

    url = settings.database_url
    try:
        if url.startswith("sqlite") and migrate.is_empty(url):
            log.info("creating the database schema")
            migrate.upgrade(url)
        current, head = migrate.current_revision(url), migrate.head_revision()
    except (OperationalError, InterfaceError) as error:
        # Down, refused, a wrong password: one line saying so, not a driver's traceback. The
        # driver's first line names the host and the reason, never the password.
        reason = str(error.orig or error).strip().splitlines()[0]
        raise ConfigError(f"DATABASE_URL: cannot connect to the database ({reason})") from None
    if current != head:
        raise ConfigError(
            f"DATABASE_URL: schema is at {current or 'nothing'}, expected {head}; "
            "run `refbot db upgrade`"
        )


def _serve(args: argparse.Namespace) -> int:
    # The gunicorn master only forks and watches workers: the settings, the schema check and
    # the app are loaded in a short-lived child and in each worker, never here (idle RSS).
    checked = _in_child(lambda: _prepare_database(_settings()))
    if checked:
        return checked
    if args.workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="refbot-metrics-")
    from prometheus_client import multiprocess

    from bot.webserver import run_gunicorn

    runtimes: list[Runtime] = []

    def load() -> object:
        from bot.app import build
        from bot.server import wsgi_app

        # A web replica beside a worker leaves its sends to it (PostgreSQL: woken by NOTIFY).
        runtime = build(_settings(), scheduler=not args.no_scheduler, hand_off=args.no_scheduler)
        if runtime.scheduler:
            runtime.scheduler.start()
        runtimes.append(runtime)
        app = wsgi_app(runtime)
        _ready_to_answer()
        return app

    def worker_exit(server: object, worker: object) -> None:
        for runtime in runtimes:
            runtime.close()

    def child_exit(server: object, worker: object) -> None:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]

    run_gunicorn(
        load,
        host=args.host,
        port=args.port,
        workers=args.workers,
        worker_exit=worker_exit,
        child_exit=child_exit,
    )
    return 0


def _ready_to_answer() -> None:
    """Tune a process that answers Slack's requests, once it is loaded: acks first."""
    # The GIL passes between threads every 5 ms by default: an ack waiting behind a card
    # being composed waited that long. 1 ms lets the short requests through sooner.
    sys.setswitchinterval(0.001)
    # What was loaded lives as long as the process: frozen, it is out of the collector's
    # sight, and a full collection scans only what requests have kept since (~9 ms) instead
    # of everything (~100 ms, every request in flight held behind it).
    gc.collect()
    gc.freeze()


def _in_child(check: Callable[[], None]) -> int:
    """Run `check` in a forked child; its exit code (2 and one line for a ConfigError, as from
    `main`). What the check imports stays out of this process."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            check()
        except ConfigError as error:
            print(f"refbot: {error}", file=sys.stderr)
            code = 2
        except BaseException:
            log.exception("start-up check failed")
            code = 1
        finally:
            sys.stderr.flush()
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def _run(args: argparse.Namespace) -> int:
    """Socket Mode. While Slack cannot be reached it keeps trying, one log line per attempt;
    SIGTERM or Ctrl-C stops it cleanly meanwhile, and a refused app token exits 2."""
    settings = _settings(socket=True)
    _prepare_database(settings)
    from bot.app import build
    from bot.socket_mode import connect_patiently

    assert settings.slack_app_token is not None  # load_settings(socket=True) checked it
    stop = _stopping()
    runtime = build(settings)
    _ready_to_answer()
    try:
        handler = connect_patiently(runtime, settings.slack_app_token, stop=stop)
        if handler is None:  # stopped before Slack could be reached
            return 0
        if runtime.scheduler:
            runtime.scheduler.start()
        log.info("connected to Slack in Socket Mode")
        stop.wait()
        handler.close()
    finally:
        runtime.close()
    return 0


def _stopping() -> threading.Event:
    """An event that SIGINT or SIGTERM sets."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _until_stopped() -> None:
    """Block until SIGINT or SIGTERM."""
    _stopping().wait()


# How much less CPU priority a worker takes than the web processes (Linux `nice`; 19 at most).
# On a host they share, an ack waits for no card: a card may be late by seconds, an ack may not
# (Slack gives up after 3). Alone on its host, a worker loses nothing by it.
WORKER_NICENESS = 10


def _worker(args: argparse.Namespace) -> int:
    settings = _settings(http=False)
    _prepare_database(settings)
    os.nice(WORKER_NICENESS)
    from bot.app import build

    runtime = build(settings, scheduler=not args.once)
    if args.once:
        report = runtime.sweep()
        log.info("delivered: %s", report)
        runtime.close()
        return 0
    assert runtime.scheduler is not None
    runtime.scheduler.start()
    runtime.listen_for_due()
    log.info("worker started: sweeping every %ss", settings.refbot_sweep_seconds)
    with _probes(runtime, args.host, args.port):
        _until_stopped()
    runtime.close()
    return 0


@contextmanager
def _probes(runtime: "Runtime", host: str, port: int | None) -> Iterator[None]:
    """The worker's /healthz and /metrics, when asked for a port."""
    if port is None:
        yield
        return
    from bot.loopback import serving
    from bot.server import wsgi_app

    with serving(wsgi_app(runtime, slack_requests=False), host=host, port=port) as url:
        log.info("worker probes on %s", url)
        yield


def _db_upgrade(args: argparse.Namespace) -> int:
    settings = _settings(http=False, slack=False)
    from storage import migrate

    migrate.upgrade(settings.database_url)
    log.info("database at %s", migrate.head_revision())
    return 0


def _db_rotate_secrets(args: argparse.Namespace) -> int:
    settings = _settings(http=False, slack=False)
    if not settings.secret_keys:
        raise ConfigError("REFBOT_SECRET_KEY is missing: set it to the new key, then the old ones")
    _prepare_database(settings)
    from storage.db import make_engine, make_sessions
    from storage.encryption import Secrets
    from storage.installations import rotate_secrets
    from storage.repositories import ats

    engine = make_engine(settings.database_url)
    secrets = Secrets(settings.secret_keys)
    try:
        rows = rotate_secrets(engine, secrets)
        # Apart from the tokens' transaction: a row left on an old key still opens with it.
        with make_sessions(engine).begin() as s:
            connections = ats.rotate(s, secrets)
    finally:
        engine.dispose()
    plural = "" if connections == 1 else "s"
    print(
        f"{rows} installation rows and {connections} ATS connection{plural} re-encrypted with "
        "the first key of REFBOT_SECRET_KEY"
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import play

    return play()


def _import(args: argparse.Namespace) -> int:
    """Summary on stdout, skipped rows on stderr; 1 when the file can't be read."""
    path: Path = args.file
    if not path.is_file() or not os.access(path, os.R_OK):
        # Before touching the database: a mistyped name must not create an empty one.
        print(f"refbot: {path}: no such readable file", file=sys.stderr)
        return 1
    settings = _settings(http=False, slack=False)
    _prepare_database(settings)
    from bot import clock
    from bot.transfer import ImportFileError, import_file
    from storage.db import make_engine, make_sessions

    engine = make_engine(settings.database_url)
    try:
        sessions = make_sessions(engine)
        team_id = _team(args, sessions)
        bar = _ProgressBar(path) if sys.stderr.isatty() else None
        try:
            report = import_file(
                sessions,
                path,
                team_id=team_id,
                clock=clock.now,
                encoding=args.encoding,
                recruiters=settings.refbot_recruiters,
                progress=bar,
            )
        except ImportFileError as error:
            print(f"refbot: {path}: {error}", file=sys.stderr)
            return 1
        finally:
            if bar is not None:
                bar.close()
    finally:
        engine.dispose()
    for line, reason in report.errors:
        print(f"{report.place} {line}: {reason}", file=sys.stderr)
    for line, warning in report.warnings:
        print(f"{report.place} {line}: {warning}", file=sys.stderr)
    print(report.summary())
    return 0


def _export(args: argparse.Namespace) -> int:
    """Candidates to stdout or --out, the count on stderr; 1 when the output fails."""
    settings = _settings(http=False, slack=False)
    _prepare_database(settings)
    from bot.transfer import export_candidates
    from storage.db import make_engine, make_sessions

    engine = make_engine(settings.database_url)
    try:
        sessions = make_sessions(engine)
        team_id = _team(args, sessions)
        with _output(args.out) as out:
            count = export_candidates(sessions, team_id=team_id, fmt=args.format, out=out)
    except BrokenPipeError:
        # `refbot export | head`: the reader left. Silence stdout so that the interpreter's
        # last flush does not fail too (Python docs, signal module, "Note on SIGPIPE").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as error:
        print(f"refbot: {args.out}: {error.strerror or error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"exported {count:,} candidate{'' if count == 1 else 's'} of {team_id}", file=sys.stderr)
    return 0


def _stats(args: argparse.Namespace) -> int:
    """The same report as `/refbot stats`, in the terminal."""
    settings = _settings(http=False, slack=False)
    _prepare_database(settings)
    from bot import clock
    from bot.rendering import stats_text
    from bot.services.members import Members
    from bot.services.stats import Stats
    from bot.slack import SlackDirectory, web_client
    from storage.db import make_engine, make_sessions

    engine = make_engine(settings.database_url)
    try:
        sessions = make_sessions(engine)
        members = Members(  # no Slack needed: the terminal has no user to look up
            sessions=sessions,
            directory=SlackDirectory(lambda _team: web_client(None, settings.slack_api_url)),
            clock=clock.now,
            recruiters=(),
            default_locale=settings.refbot_locale,
            default_tz=settings.refbot_timezone,
        )
        stats = Stats(sessions=sessions, members=members, clock=clock.now)
        report = stats.report(team_id=_team(args, sessions), actor_id=None, days=args.days)
    finally:
        engine.dispose()
    print(stats_text(report))
    return 0


@contextmanager
def _output(path: Path | None) -> Iterator[IO[str]]:
    """The export's file: UTF-8 whatever the locale, no newline translation in CSV cells."""
    if path is None:
        fd = os.dup(sys.stdout.fileno())  # closing this handle leaves sys.stdout open
    else:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data
    with open(fd, "w", encoding="utf-8", newline="") as out:
        yield out


def _team(args: argparse.Namespace, sessions: "Sessions") -> str:
    """--team, else the database's only workspace; a config error when that is ambiguous."""
    from bot.transfer import default_team

    team_id = args.team or default_team(sessions)
    if team_id is None:
        raise ConfigError("--team is required: the database holds no workspace, or several")
    return str(team_id)


class _ProgressBar:
    """A one-line bar on stderr, for terminals only. Its total is the file's line count: a
    quick byte scan, so a note spanning lines makes the estimate a little high."""

    WIDTH = 30

    def __init__(self, path: Path) -> None:
        with path.open("rb") as file:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b""))
        self.total = max(lines - 1, 1)  # the header

    def __call__(self, done: int) -> None:
        share = min(done / self.total, 1.0)
        filled = "#" * round(share * self.WIDTH)
        line = f"\rimporting [{filled:<{self.WIDTH}}] {share:4.0%} {done:,} rows"
        print(line, end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        print(file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
