"""`refbot` console script (DESIGN.md section 3). Imports are deferred so each command loads only
what it needs (and `serve` can set PROMETHEUS_MULTIPROC_DIR before prometheus_client loads)."""

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Sequence

from bot.config import ConfigError, Settings, load_settings

log = logging.getLogger("refbot")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        # The demo's output is the story; only problems belong beside it.
        level=logging.WARNING if args.func is _demo else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
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
    worker.set_defaults(func=_worker)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(required=True, metavar="action")
    upgrade = db_commands.add_parser("upgrade", help="migrate the database to the latest schema")
    upgrade.set_defaults(func=_db_upgrade)

    demo = commands.add_parser("demo", help="play the whole product against a local fake Slack")
    demo.set_defaults(func=_demo)
    return parser


def _prepare_database(settings: Settings) -> None:
    """Migrate an empty SQLite database; refuse to run against a schema that is behind."""
    from storage import migrate

    url = settings.database_url
    if url.startswith("sqlite") and migrate.is_empty(url):
        log.info("creating the database schema")
        migrate.upgrade(url)
    current, head = migrate.current_revision(url), migrate.head_revision()
    if current != head:
        raise ConfigError(
            f"DATABASE_URL: schema is at {current or 'nothing'}, expected {head}; "
            "run `refbot db upgrade`"
        )


def _serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    _prepare_database(settings)
    if args.workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="refbot-metrics-")
    from prometheus_client import multiprocess

    from bot.app import Runtime, build
    from bot.server import run_gunicorn, wsgi_app

    runtimes: list[Runtime] = []

    def load() -> object:
        runtime = build(settings, scheduler=not args.no_scheduler)
        if runtime.scheduler:
            runtime.scheduler.start()
        runtimes.append(runtime)
        return wsgi_app(runtime)

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


def _run(args: argparse.Namespace) -> int:
    settings = load_settings(socket=True)
    _prepare_database(settings)
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import build

    runtime = build(settings)
    if runtime.scheduler:
        runtime.scheduler.start()
    try:
        SocketModeHandler(runtime.bolt, settings.slack_app_token).start()
    finally:
        runtime.close()
    return 0


def _worker(args: argparse.Namespace) -> int:
    settings = load_settings(http=False)
    _prepare_database(settings)
    from bot.app import build

    runtime = build(settings, scheduler=not args.once)
    if args.once:
        report = runtime.sweep()
        log.info("delivered: %s", report)
        runtime.close()
        return 0
    assert runtime.scheduler is not None
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    runtime.scheduler.start()
    log.info("worker started: sweeping every %ss", settings.refbot_sweep_seconds)
    stop.wait()
    runtime.close()
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    settings = load_settings(http=False, slack=False)
    from storage import migrate

    migrate.upgrade(settings.database_url)
    log.info("database at %s", migrate.head_revision())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import play

    return play()


if __name__ == "__main__":
    sys.exit(main())
