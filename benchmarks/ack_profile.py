"""Where the ack time of a referral submission goes: cProfile of refbot's WSGI app, in-process.

Builds refbot as `refbot serve` does in each worker (`bot.app.build` + `bot.server.wsgi_app`)
on a migrated database (SQLite in a temp dir, or --database-url), with the fake Slack in its
own process, and calls the WSGI app with the same signed `referral_submit` submissions as
benchmarks/ack.py (every 10th a duplicate email), one at a time, no HTTP server. Prints the
per-request time without and with the profiler, and that of a bare Bolt app acking the same
bytes in-process (the framework's floor); the CPU each referral costs (this thread's, and the
whole process's); the SQL statements and the write transactions each runs; then the top
functions by cumulative and by own time. By default the dispatcher is stopped before
measuring, so the cards it would send after each commit do not share the GIL with the measured
thread (--dispatch keeps it, and profiles the dispatcher's threads apart: where a card's CPU
goes).

    python benchmarks/ack_profile.py [--requests 500] [--top 25] [--out referral.prof]
"""

import argparse
import cProfile
import functools
import io
import pstats
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Connection, Engine, event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ack import (  # noqa: E402 - benchmarks/ is not an installed package
    RECRUITER,
    REFERRERS,
    SECRET,
    Referred,
    fake_slack,
    referral_submissions,
    updates_view,
)
from bot.app import build  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.ids import View  # noqa: E402
from bot.server import wsgi_app  # noqa: E402
from storage import migrate  # noqa: E402

WARMUP = 50


class ThreadProfiles:
    """A cProfile per thread started from now on (the dispatcher's kicker and senders): cProfile
    sees only the thread that enables it, so each new thread enables its own on its first event."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        threading.setprofile(self._boot)

    def _boot(self, *_: Any) -> None:
        sys.setprofile(None)
        # CPU (the senders mostly wait on I/O), read from this thread's clock whichever thread
        # reads it: `stats()` disables the profile from the main thread, and cProfile closes
        # the calls still open with its timer there (time.thread_time would be the main
        # thread's: one sqlite execute read 5.7 s of CPU in a run that took 3.5 s).
        clock = time.pthread_getcpuclockid(threading.get_ident())
        profile = cProfile.Profile(functools.partial(time.clock_gettime, clock))
        self.profiles.append(profile)
        profile.enable()

    def stats(self, out: io.StringIO) -> pstats.Stats | None:
        threading.setprofile(None)  # type: ignore[arg-type]
        for profile in self.profiles:
            profile.disable()  # only stops it in this thread; the others stop with their pools
        live = [p for p in self.profiles if p.getstats()]
        return pstats.Stats(*live, stream=out) if live else None


def bare_app(token: str, api_url: str) -> Callable[..., Iterable[bytes]]:
    """The framework's own cost: Bolt verifying, parsing, routing and acking, nothing else."""
    bolt = App(
        client=WebClient(token=token, base_url=api_url),
        signing_secret=SECRET,
        token_verification_enabled=False,
        process_before_response=True,
    )
    bolt.view(View.REFERRAL)(lambda ack: ack())
    return SlackRequestHandler(bolt)


def call(
    app: Callable[..., Iterable[bytes]],
    signer: SignatureVerifier,
    item: Referred,
    ok: Callable[[bytes], bool] = updates_view,
) -> bytes:
    stamp = str(int(time.time()))
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": item.content_type,
        "CONTENT_LENGTH": str(len(item.body)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp,
        "HTTP_X_SLACK_SIGNATURE": signer.generate_signature(timestamp=stamp, body=item.body),
        "wsgi.input": io.BytesIO(item.body),
    }
    seen: list[str] = []
    body = b"".join(app(environ, lambda status, headers, *exc: seen.append(status)))
    if not seen or not seen[0].startswith("200") or not ok(body):
        raise SystemExit(f"bad answer: {seen} {body[:300]!r}")
    return body


class SqlCounter:
    """Statements by verb, and transactions (those that wrote apart), on an engine; and the
    wall time each kind of statement spent in the driver (sending it, the server running it,
    the answer coming back: what no change to refbot's Python can save)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: Counter[str] = Counter()
        self.driver: Counter[str] = Counter()  # seconds, by verb and table
        self.transactions = self.writes = 0
        self._dirty: set[int] = set()  # connections whose open transaction has written
        self._started: dict[int, tuple[str, float]] = {}
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "after_cursor_execute", self._executed)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)

    def stop(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "after_cursor_execute", self._executed)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)

    def _statement(self, conn: Connection, cursor: Any, statement: str, *rest: Any) -> None:
        verb = statement.split(None, 1)[0].upper()
        table = re.search(r"\b(?:INTO|FROM|UPDATE)\s+(\w+)", statement)
        self._started[id(conn)] = (f"{verb} {table[1] if table else ''}", time.perf_counter())
        if verb == "BEGIN":  # SQLite's explicit BEGIN (IMMEDIATE); PostgreSQL's is implicit
            return
        self.statements[verb] += 1
        if verb in ("INSERT", "UPDATE", "DELETE"):
            self._dirty.add(id(conn))

    def _executed(self, conn: Connection, *rest: Any) -> None:
        kind, started = self._started.pop(id(conn), ("?", time.perf_counter()))
        self.driver[kind] += time.perf_counter() - started

    def _commit(self, conn: Connection) -> None:
        self.transactions += 1
        if id(conn) in self._dirty:
            self.writes += 1
            self._dirty.discard(id(conn))

    def _rollback(self, conn: Connection) -> None:
        self.transactions += 1  # a read session ends with a rollback
        self._dirty.discard(id(conn))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", help="also write the raw profile here (for snakeviz etc.)")
    parser.add_argument("--database-url", help="default: SQLite in a temp dir")
    parser.add_argument("--dispatch", action="store_true", help="keep the dispatcher running")
    args = parser.parse_args()
    # A run of its own: a reused PostgreSQL database holds the emails of earlier runs.
    submissions = referral_submissions(2 * (WARMUP + args.requests), secrets.token_hex(3))
    signer = SignatureVerifier(SECRET)
    users = [RECRUITER, *REFERRERS]
    with fake_slack(users) as slack, tempfile.TemporaryDirectory() as tmp:
        api_url, token = slack.url, slack.token
        url = args.database_url or f"sqlite:///{tmp}/profile.db"
        migrate.upgrade(url)
        settings = Settings(
            slack_bot_token=token,
            slack_signing_secret=SECRET,
            slack_api_url=api_url,
            database_url=url,
            refbot_recruiters=(RECRUITER,),
        )
        runtime = build(settings, scheduler=False)
        app = wsgi_app(runtime)
        feed = iter(submissions)
        for _ in range(WARMUP):  # imports, the referrers' profiles from users.info, caches
            call(app, signer, next(feed))
        if not args.dispatch:
            runtime.dispatcher.stop()
        sql = SqlCounter(runtime.engine)
        plain: list[float] = []
        cpu_thread, cpu_process = time.thread_time(), time.process_time()
        for _ in range(args.requests):
            started = time.perf_counter()
            call(app, signer, next(feed))
            plain.append(time.perf_counter() - started)
        cpu_thread = time.thread_time() - cpu_thread
        if args.dispatch:  # the cards wait for a lull (bot.foreground): send what is left
            runtime.dispatcher.sweep()
        cpu_process = time.process_time() - cpu_process
        sql.stop()
        threads = None
        if args.dispatch:
            # The dispatcher's threads are profiled from here on only: a fresh runtime (its
            # threads start under the hook), warmed up like the first one.
            runtime.close()
            threads = ThreadProfiles()
            runtime = build(settings, scheduler=False)
            app = wsgi_app(runtime)
            for _ in range(WARMUP):
                call(app, signer, next(feed))
        # CPU, like the figure it explains: a wall clock would charge the database's time to
        # the driver's wait.
        profiler = cProfile.Profile(time.thread_time)
        profiled: list[float] = []
        for _ in range(args.requests):
            started = time.perf_counter()
            profiler.enable()
            call(app, signer, next(feed))
            profiler.disable()
            profiled.append(time.perf_counter() - started)
        if threads is not None:  # the cards wait for a lull: their senders' threads send them
            runtime.dispatcher.sweep()
        runtime.close()
        background = io.StringIO()
        dispatch_stats = threads.stats(background) if threads else None
        floor = [0.0] * args.requests
        bare = bare_app(token, api_url)
        for i, item in enumerate(submissions[WARMUP : WARMUP + args.requests]):
            started = time.perf_counter()
            call(bare, signer, item, ok=lambda body: body == b"")
            floor[i] = time.perf_counter() - started
    print(f"referral_submit in-process, {args.requests} requests, one at a time (ms)")
    rows = (("refbot", plain), ("profiled", profiled), ("bare Bolt*", floor))
    for name, samples in rows:
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
        print(
            f"{name:11} mean {statistics.fmean(samples) * 1000:6.2f}"
            f"  p50 {cuts[49] * 1000:6.2f}  p99 {cuts[98] * 1000:6.2f}"
        )
    print("* Bolt acking the same bytes in-process with process_before_response=True: the floor")
    n = args.requests
    print(
        f"CPU per referral: {cpu_thread / n * 1000:.2f} ms on the request's thread,"
        f" {cpu_process / n * 1000:.2f} ms in the whole process"
        + (" (its cards included: --dispatch)" if args.dispatch else "")
    )
    per = {k: round(v / n, 2) for k, v in sql.statements.most_common()}
    print(
        f"SQL per referral: {sum(sql.statements.values()) / n:.2f} statements {per}"
        f" (BEGIN/COMMIT not counted), {sql.transactions / n:.2f} transactions,"
        f" {sql.writes / n:.2f} of them writing"
    )
    in_driver = sum(sql.driver.values()) / n * 1000
    print(
        f"SQL wall time in the driver per referral: {in_driver:.2f} ms"
        f" of {statistics.fmean(plain) * 1000:.2f} (PostgreSQL: its BEGIN rides on the first"
        f" statement; COMMIT not counted)"
    )
    for kind, seconds in sql.driver.most_common():
        print(f"  {seconds / n * 1000:6.3f} ms  {kind}")
    if args.out:
        profiler.dump_stats(args.out)
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
        stats.print_stats(args.top)
        print(f"\n--- CPU by {order} (totals over {args.requests} requests) ---")
        print(out.getvalue().split("\n\n", 1)[-1].rstrip())
    if dispatch_stats is not None:
        # The second warm-up and the profiled phase: totals, not per referral.
        dispatch_stats.strip_dirs().sort_stats("cumulative").print_stats(args.top)
        print("\n--- the dispatcher's threads, CPU by cumulative (whole run) ---")
        print(background.getvalue().split("\n\n", 1)[-1].rstrip())


if __name__ == "__main__":
    main()
