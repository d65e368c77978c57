"""Ack latency: refbot vs a bare default Bolt app, same server, same run.

Two scenarios, each measured against the bare app (benchmarks/bare_bolt.py) in the same run:

- `help`: the `/refbot help` slash command (answered in the ack).
- `referral`: a `view_submission` of the `referral_submit` modal, exactly as Slack sends it
  (built by bot.workspace.Workspace.submit, the e2e tests' builder). Each request refers a
  distinct candidate (name + email); every 10th is a duplicate email of an earlier one, sent by
  another employee, so the dedupe path runs too. refbot validates, dedupes and writes to a
  database it migrated (SQLite in a temp dir, or --database-url), with a recruiter configured so
  every new candidate queues a card. The bare app acks the same bytes with a plain `ack()`.

Both apps run on gunicorn gthread (2 workers x 8 threads) against the fake Slack, which runs in
its own process; clients send signed requests over loopback with keep-alive connections. Prints
p50/p99 at 1 and 50 concurrent clients and refbot's ratio to the bare app (lower is better),
the answers that were not a 200 or carried `errors`, and (referral) whether refbot's database
holds what was sent.

    python benchmarks/ack.py [--scenario help|referral|all] [--requests 600]
                             [--database-url postgresql+psycopg://...]
"""

import argparse
import http.client
import itertools
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot import rendering
from bot.ids import View
from bot.services.referrals import ReferralFormView
from bot.slack_emulator import SlackEmulator
from bot.workspace import Response, Workspace
from storage import migrate
from storage.db import make_engine
from storage.models import Candidate, Delivery, Referral
from storage.types import DeliveryStatus

SECRET = "bench-signing-secret"
TEAM = "T0001"
USER = "U0BENCH"
RECRUITER = "U0RECRUITER"
REFERRERS = [f"U0REF{i:02d}" for i in range(20)]
DUPLICATE_EVERY = 10  # request i with i % 10 == 9 refers again the candidate of request i - 5
DUPLICATE_BACK = 5
WARMUP_CLIENTS, WARMUP_REQUESTS = 10, 100
ROOT = Path(__file__).resolve().parent.parent

Body = tuple[bytes, str]  # request body, content type


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# A plain traceback, refbot's JSON lines, or a plain logging line of level warning or worse.
_PROBLEM = re.compile(
    r'^Traceback|"level": "(error|warning|critical)"|\b(ERROR|WARNING|CRITICAL)\b'
)


@dataclass
class Served:
    """A running server and its log (a temp file)."""

    process: subprocess.Popen
    log: IO[str]

    def tail(self, lines: int = 30) -> str:
        return "".join(self._lines()[-lines:])

    def first_error(self, lines: int = 40) -> str:
        """The log's first problems (the root cause; later ones tend to repeat it): a plain
        traceback, or the first error/warning lines (refbot logs JSON lines); else the tail."""
        text = [line for line in self._lines() if "gunicorn.access" not in line]
        found = [i for i, line in enumerate(text) if _PROBLEM.search(line)]
        if not found:
            return "".join(text[-lines:])
        first = found[0]
        shown = text[first : first + lines] if text[first].startswith("Traceback") else None
        shown = shown or [text[i] for i in found[:12]]
        return f"({len(found)} error lines; the first:)\n" + "".join(shown)

    def _lines(self) -> list[str]:
        self.log.flush()
        self.log.seek(0)
        text = self.log.readlines()
        self.log.seek(0, os.SEEK_END)
        return text


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[Served]:
    """The server's log goes to a temp file: shown when it fails to start or dies, and its
    first problems when answers were bad."""
    with tempfile.TemporaryFile("w+") as log:
        served = Served(subprocess.Popen(command, env=env, cwd=ROOT, stderr=log), log)
        process = served.process

        def fail(what: str) -> SystemExit:
            return SystemExit(f"server {what}: {' '.join(command)}\n{served.tail()}")

        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise fail("did not start") from None
                    time.sleep(0.1)
            yield served
            if process.poll() is not None:
                raise fail(f"exited with {process.returncode}")
        finally:
            process.terminate()
            process.wait(timeout=20)


# The fake Slack runs in its own process so that refbot's replies after the ack do not steal
# CPU from the clients doing the measuring.
EMULATOR = """
import sys
from bot.slack_emulator import SlackEmulator
slack = SlackEmulator().start()
for user in sys.argv[1:]:
    slack.add_user(user, name=user.lower())
print(slack.url, slack.token, slack.response_url("U0BENCH"), flush=True)
sys.stdin.read()
"""


@contextmanager
def fake_slack(users: Sequence[str] = (USER,)) -> Iterator[tuple[str, str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", EMULATOR, *users],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    url, token, response_url = process.stdout.readline().split()
    try:
        yield url, token, response_url
    finally:
        process.stdin.close()
        process.wait(timeout=10)


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A migrated database: a fresh SQLite file unless a URL is given (migrated if behind)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{tmp}/bench.db"
        migrate.upgrade(url)
        yield url


# -- the requests ----------------------------------------------------------------------------


def help_bodies(response_url: str) -> Callable[[], Body]:
    """`/refbot help`, each with its own trigger_id as Slack sends (a repeated one is a retry)."""
    numbers = itertools.count(1)

    def body() -> Body:
        fields = {
            "command": "/refbot",
            "text": "help",
            "team_id": TEAM,
            "user_id": USER,
            "channel_id": "C0BENCH",
            "response_url": response_url,
            "trigger_id": f"{next(numbers)}.{USER}.bench",
        }
        return urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"

    return body


@dataclass(frozen=True)
class Referred:
    body: bytes
    content_type: str
    email: str
    duplicate: bool


class _Recorder(Workspace):
    """Workspace.submit (submission_payload, then post_payload's form encoding) builds the
    view_submission exactly as the e2e tests send it; this keeps the body, signed at send time,
    instead of posting it. The empty answer makes the emulator close the modal, as Slack does,
    so each submission is of a freshly opened one."""

    def __init__(self, slack: SlackEmulator) -> None:
        super().__init__(slack, server_url="http://unused", signing_secret=SECRET, team_id=TEAM)
        self.sent: list[Body] = []

    def post(self, body: bytes, content_type: str, **options: Any) -> Response:
        self.sent.append((body, content_type))
        return Response(200, "")


def referral_submissions(count: int, run: str) -> list[Referred]:
    """`count` referral_submit submissions; every 10th a duplicate email by another referrer."""
    with SlackEmulator(team_id=TEAM) as slack:
        for user in REFERRERS:
            slack.add_user(user, name=user.lower())
        opener = WebClient(token=slack.token, base_url=slack.url)
        recorder = _Recorder(slack)
        # The modal refbot opens for `/refer` when no role is open (handlers/commands/refer.py).
        modal = rendering.referral_modal(ReferralFormView(locale="en", roles=()))
        made: list[Referred] = []
        for i in range(count):
            duplicate = i % DUPLICATE_EVERY == DUPLICATE_EVERY - 1
            # The original (i - 5) is never itself a duplicate, nor from the same referrer.
            email = made[i - DUPLICATE_BACK].email if duplicate else f"c{i}.{run}@example.com"
            referrer = REFERRERS[i % len(REFERRERS)]
            opener.views_open(trigger_id=slack.trigger_id(referrer), view=modal)
            recorder.submit(
                referrer,
                View.REFERRAL,
                name=f"Candidate {run} {i}",
                email=email,
                relationship="worked_together",
                strength="good",
                candidate_knows="yes",
                note=f"Benchmark referral {i}",
            )
            body, content_type = recorder.sent.pop()
            made.append(Referred(body, content_type, email, duplicate))
    return made


class Feed:
    """Hands each client thread the next request body, in order."""

    def __init__(self, items: Sequence[Referred]) -> None:
        self.items = items
        self.taken = 0
        self._lock = threading.Lock()

    def __call__(self) -> Body:
        with self._lock:
            if self.taken >= len(self.items):
                raise SystemExit("ran out of prepared referrals")
            item = self.items[self.taken]
            self.taken += 1
        return item.body, item.content_type


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Tally:
    """Answers that were not what a working app gives: a non-200, a body with `errors`, or a
    200 that is not the answer the scenario expects (an empty ack where a view was due...)."""

    statuses: Counter = field(default_factory=Counter)  # HTTP status, or a connection error
    errors: int = 0
    unexpected: int = 0
    sample: str = ""

    def add(self, other: "Tally") -> None:
        self.statuses.update(other.statuses)
        self.errors += other.errors
        self.unexpected += other.unexpected
        self.sample = self.sample or other.sample

    @property
    def bad(self) -> int:
        failed = sum(n for status, n in self.statuses.items() if status != 200)
        return failed + self.errors + self.unexpected


def _has_errors(body: bytes) -> bool:
    if b"errors" not in body:
        return False
    try:
        answer = json.loads(body)
    except ValueError:
        return True
    return not isinstance(answer, dict) or "errors" in answer


Expect = Callable[[bytes], bool]


def updates_view(body: bytes) -> bool:
    """refbot's answer to a valid referral: the modal becomes the confirmation."""
    try:
        return bool(json.loads(body).get("response_action") == "update")
    except (ValueError, AttributeError):
        return False


def empty(body: bytes) -> bool:
    return body == b""


def run_clients(
    port: int,
    clients: int,
    requests: int,
    next_body: Callable[[], Body],
    expect: Expect | None = None,
) -> tuple[list[float], Tally]:
    signer = SignatureVerifier(SECRET)
    latencies: list[float] = []
    tally = Tally()
    lock = threading.Lock()
    per_client = max(1, requests // clients)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        seen = Tally()
        for _ in range(per_client):
            body, content_type = next_body()
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signer.generate_signature(timestamp=stamp, body=body),
            }
            started = time.perf_counter()
            try:
                connection.request("POST", "/slack/events", body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
            except OSError as error:  # counted, not measured; the next request reconnects
                connection.close()
                seen.statuses[type(error).__name__] += 1
                seen.sample = seen.sample or repr(error)
                continue
            mine.append(time.perf_counter() - started)
            seen.statuses[answer.status] += 1
            if answer.status != 200 or _has_errors(data):
                seen.errors += answer.status == 200
                seen.sample = seen.sample or f"{answer.status} {data[:300]!r}"
            elif expect is not None and not expect(data):
                seen.unexpected += 1
                seen.sample = seen.sample or f"unexpected {answer.status} {data[:300]!r}"
        connection.close()
        with lock:
            latencies.extend(mine)
            tally.add(seen)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, tally


def percentiles(samples: list[float]) -> tuple[float, float]:
    if len(samples) < 2:
        return float("nan"), float("nan")
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


Figures = dict[int, tuple[float, float]]


def measure(
    port: int, requests: int, next_body: Callable[[], Body], expect: Expect | None = None
) -> tuple[Figures, Tally]:
    tally = Tally()
    # Warm-up: imports, connections, caches, the referrers' profiles from users.info.
    _, warm = run_clients(port, WARMUP_CLIENTS, WARMUP_REQUESTS, next_body, expect)
    tally.add(warm)
    figures: Figures = {}
    for clients in (1, 50):
        latencies, seen = run_clients(port, clients, requests, next_body, expect)
        figures[clients] = percentiles(latencies)
        tally.add(seen)
    return figures, tally


def consumed(requests: int) -> int:
    """How many bodies one server's warm-up and runs take."""
    per_run = [max(1, n // c) * c for n, c in ((WARMUP_REQUESTS, WARMUP_CLIENTS),)]
    per_run += [max(1, requests // c) * c for c in (1, 50)]
    return sum(per_run)


def commands(port: int) -> dict[str, list[str]]:
    gunicorn = [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", "2", "--threads", "8"]
    return {
        "bare Bolt": [*gunicorn, "-b", f"127.0.0.1:{port}", "benchmarks.bare_bolt:app"],
        "refbot": [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--workers", "2"],
    }


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as c:

            def n(model: type, *where: Any) -> int:
                query = select(func.count()).select_from(model)
                return int(c.scalar(query.where(*where)) or 0)

            cards = Delivery.dedupe_key.like("card:%")
            return {
                "candidates": n(Candidate, Candidate.team_id == TEAM),
                "referrals": n(Referral, Referral.team_id == TEAM),
                "cards": n(Delivery, cards, Delivery.recipient == RECRUITER),
                "cards sent": n(
                    Delivery,
                    cards,
                    Delivery.recipient == RECRUITER,
                    Delivery.status == DeliveryStatus.SENT,
                ),
            }
    finally:
        engine.dispose()


def print_table(title: str, results: dict[str, Figures]) -> None:
    print(title)
    print(f"{'':12}{'p50 @1':>10}{'p99 @1':>10}{'p50 @50':>10}{'p99 @50':>10}")
    for name, figures in results.items():
        row = [figures[1][0], figures[1][1], figures[50][0], figures[50][1]]
        print(f"{name:12}" + "".join(f"{v:10.2f}" for v in row))
    bare, ours = results["bare Bolt"], results["refbot"]
    ratios = [
        ours[1][0] / bare[1][0],
        ours[1][1] / bare[1][1],
        ours[50][0] / bare[50][0],
        ours[50][1] / bare[50][1],
    ]
    print(f"{'ratio':12}" + "".join(f"{v:9.2f}x" for v in ratios))
    print("targets: p50 ratio <= 0.5x; p99 @50 ratio <= 1.0x; absolute p99 @50 < 100 ms")


def print_tallies(tallies: dict[str, Tally], logs: dict[str, str]) -> None:
    for name, tally in tallies.items():
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items(), key=str))
        line = f"{name}: answers {statuses}; 200s with `errors`: {tally.errors}"
        line += f"; other unexpected 200s: {tally.unexpected}"
        print(line + (f"; first bad: {tally.sample}" if tally.sample else ""))
        if tally.bad and logs.get(name):
            print(f"  {name}'s log ends with:\n" + logs[name])


def scenario_help(env: dict[str, str], requests: int, response_url: str) -> bool:
    results: dict[str, Figures] = {}
    tallies: dict[str, Tally] = {}
    logs: dict[str, str] = {}
    for name in ("bare Bolt", "refbot"):
        port = free_port()
        with server(commands(port)[name], env, port) as served:
            results[name], tallies[name] = measure(port, requests, help_bodies(response_url))
            logs[name] = served.first_error()
    print_table(f"ack latency of /refbot help, {requests} requests per run (ms)", results)
    print_tallies(tallies, logs)
    return all(t.bad == 0 for t in tallies.values())


def scenario_referral(env: dict[str, str], requests: int, url: str) -> bool:
    run = secrets.token_hex(3)  # unique emails, so a reused PostgreSQL database dedupes nothing
    taken = consumed(requests)
    started = time.perf_counter()
    submissions = referral_submissions(taken, run)
    print(f"(built {taken} referral submissions in {time.perf_counter() - started:.1f} s)")
    before = counts(url)
    results: dict[str, Figures] = {}
    tallies: dict[str, Tally] = {}
    logs: dict[str, str] = {}
    after: dict[str, int] = {}
    for name, expect in (("bare Bolt", empty), ("refbot", updates_view)):
        port = free_port()
        feed = Feed(submissions)  # the same bytes for both apps
        with server(commands(port)[name], env, port) as served:
            results[name], tallies[name] = measure(port, requests, feed, expect)
            if name == "refbot":
                # The cards go out after the ack; give the dispatcher a moment to catch up.
                deadline = time.monotonic() + 30
                while True:
                    after = counts(url)
                    sent = after["cards sent"] - before["cards sent"]
                    if sent >= after["cards"] - before["cards"] or time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
            logs[name] = served.first_error()
        assert feed.taken == taken, (feed.taken, taken)
    duplicates = sum(s.duplicate for s in submissions)
    expected = {
        "candidates": taken - duplicates,
        "referrals": taken,
        "cards": taken - duplicates,
    }
    print_table(
        f"ack latency of a referral_submit view_submission, {requests} requests per run (ms)",
        results,
    )
    print_tallies(tallies, logs)
    found = {k: after[k] - before[k] for k in after}
    ok = all(found[k] == v for k, v in expected.items())
    print(
        f"refbot's database: {found['candidates']} new candidates"
        f" (expected {expected['candidates']} = {taken} submissions - {duplicates} duplicate"
        f" emails), {found['referrals']} referrals (expected {expected['referrals']}),"
        f" {found['cards']} recruiter cards queued (expected {expected['cards']}),"
        f" {found['cards sent']} of them sent to the fake Slack: {'OK' if ok else 'MISMATCH'}"
    )
    return ok and all(t.bad == 0 for t in tallies.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=("help", "referral", "all"), default="all")
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument(
        "--database-url", help="refbot's database (migrated here); default: SQLite in a temp dir"
    )
    args = parser.parse_args()
    users = [USER, RECRUITER, *REFERRERS]
    scenarios = ("help", "referral") if args.scenario == "all" else (args.scenario,)
    ok = True
    with fake_slack(users) as (api_url, token, response_url), database(args.database_url) as url:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": url,
            "REFBOT_RECRUITERS": RECRUITER,
            "PYTHONPATH": str(ROOT),
        }
        for i, scenario in enumerate(scenarios):
            if i:
                print()
            if scenario == "help":
                ok &= scenario_help(env, args.requests, response_url)
            else:
                ok &= scenario_referral(env, args.requests, url)
    if not ok:
        raise SystemExit("some answers were errors, or the database does not hold what was sent")


if __name__ == "__main__":
    main()
