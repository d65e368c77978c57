"""Ack latency: refbot vs a bare default Bolt app, same machine, same run (issue 15).

Two scenarios, each measured against the bare app (benchmarks/bare_bolt.py) in the same run:

- `help`: the `/refbot help` slash command (answered in the ack).
- `referral`: a `view_submission` of the `referral_submit` modal, exactly as Slack sends it
  (built by bot.workspace.Workspace, the e2e tests' builder). Each request refers a distinct
  candidate (name + email); every 10th repeats the email of an earlier one, sent by another
  employee, so the dedupe path runs too. refbot validates, dedupes and writes to a database it
  migrated (SQLite in a temp dir, or --database-url), with a recruiter configured so every new
  candidate queues a card. The bare app acks the same bytes with a plain `ack()`.

Both apps run on gunicorn gthread (--workers, 8 threads each) against the fake Slack, which
runs in its own process; clients send signed requests over loopback on keep-alive connections.
For each app it prints:
- p50 at one client, one request after another;
- p50 and p99 of an open-loop load of --rate requests/s for --seconds: request i is due at
  start + i / rate whatever happened to the earlier ones, and its latency runs from when it was
  due, not from when a client thread got round to sending it (no coordinated omission);
then refbot's ratios to the bare app (lower is better), the answers that were not a 200 or
carried `errors`, and (referral) whether refbot's database and the fake Slack hold exactly what
was sent: every candidate saved once, every referral saved, one card each, sent once.

--with-worker (PostgreSQL): refbot as deployed at scale, `refbot serve --no-scheduler` beside
one `refbot worker` that composes and sends the cards (the web process only acks).

--sustained (PostgreSQL): one `refbot serve --no-scheduler` (default workers) plus one
`refbot worker`, which it leaves its sends to (NOTIFY); referrals only, open-loop steps of
rising rate (--rates) until ack p99 reaches 100 ms or a step is not saved, deduped and carded
exactly once; prints each step with the CPU each process used (a local PostgreSQL server's
too) and all of it per referral, the highest rate that held, and what limited it.

Figures, not verdicts: nothing here asserts a timing. Ratios compare with the bare app in the
same run, so they hold up better than absolute milliseconds on a busy machine.

    python benchmarks/ack.py [--scenario help|referral|all] [--requests 300]
                             [--rate 100] [--seconds 15] [--workers 1] [--repeat 3]
                             [--database-url postgresql+psycopg://... [--with-worker]]
    python benchmarks/ack.py --sustained --database-url postgresql+psycopg://...
                             [--rates 100,150,200,250,300,400] [--seconds 10]
"""

import argparse
import functools
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
from contextlib import contextmanager, nullcontext
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
from storage.types import DeliveryKind, DeliveryStatus

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
# CPU from the clients doing the measuring. It answers one question on stdin: how many messages
# with recruiter-card buttons a user holds, and for how many distinct candidates.
EMULATOR = """
import json, sys
from bot.slack_emulator import SlackEmulator
slack = SlackEmulator().start()
for user in sys.argv[1:]:
    slack.add_user(user, name=user.lower())
print(slack.url, slack.token, slack.response_url("U0BENCH"), flush=True)
for line in sys.stdin:
    cards = [m for m in slack.dms(line.strip()) if m.has_button("candidate_snooze")]
    shown = {m.button_value("candidate_snooze") for m in cards}
    print(json.dumps([len(cards), len(shown)]), flush=True)
"""


@dataclass
class FakeSlack:
    process: subprocess.Popen
    url: str
    token: str
    response_url: str

    def cards(self, user: str) -> tuple[int, int]:
        """Card messages in `user`'s DMs, and the distinct candidates they show."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(user + "\n")
        self.process.stdin.flush()
        posted, distinct = json.loads(self.process.stdout.readline())
        return int(posted), int(distinct)


@contextmanager
def fake_slack(users: Sequence[str] = (USER,)) -> Iterator[FakeSlack]:
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
        yield FakeSlack(process, url, token, response_url)
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
    """Workspace.submission_payload and post_payload's form encoding build the view_submission
    exactly as the e2e tests send it; this keeps the body, signed at send time, instead of
    posting it."""

    def __init__(self, slack: SlackEmulator) -> None:
        super().__init__(slack, server_url="http://unused", signing_secret=SECRET, team_id=TEAM)
        self.sent: list[Body] = []

    def post(self, body: bytes, content_type: str, **options: Any) -> Response:
        self.sent.append((body, content_type))
        return Response(200, "")


def referral_submissions(count: int, run: str) -> list[Referred]:
    """`count` referral_submit submissions; every 10th a duplicate email by another referrer.
    Each referrer's modal is opened once (as refbot opens it for `/refer` when no role is open,
    handlers/commands/refer.py) and submitted many times, each with its own trigger id."""
    with SlackEmulator(team_id=TEAM) as slack:
        opener = WebClient(token=slack.token, base_url=slack.url)
        recorder = _Recorder(slack)
        modal = rendering.referral_modal(ReferralFormView(locale="en", roles=()))
        for user in REFERRERS:
            slack.add_user(user, name=user.lower())
            opener.views_open(trigger_id=slack.trigger_id(user), view=modal)
        made: list[Referred] = []
        for i in range(count):
            duplicate = i % DUPLICATE_EVERY == DUPLICATE_EVERY - 1
            # The original (i - 5) is never itself a duplicate, nor from the same referrer.
            email = made[i - DUPLICATE_BACK].email if duplicate else f"c{i}.{run}@example.com"
            payload = recorder.submission_payload(
                REFERRERS[i % len(REFERRERS)],
                View.REFERRAL,
                name=f"Candidate {run} {i}",
                email=email,
                relationship="worked_together",
                strength="good",
                candidate_knows="yes",
                note=f"Benchmark referral {i}",
            )
            recorder.post_payload(payload)
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


class Client:
    """One keep-alive connection sending signed requests; records what came back."""

    signer = SignatureVerifier(SECRET)

    def __init__(self, port: int, expect: Expect | None) -> None:
        self.port, self.expect = port, expect
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.tally = Tally()

    def send(self, body: bytes, content_type: str) -> bool:
        """Send and read the answer; False when the connection failed (counted, not timed)."""
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": self.signer.generate_signature(timestamp=stamp, body=body),
        }
        seen = self.tally
        try:
            self.connection.request("POST", "/slack/events", body=body, headers=headers)
            answer = self.connection.getresponse()
            data = answer.read()
        except OSError as error:  # the next request reconnects
            self.connection.close()
            seen.statuses[type(error).__name__] += 1
            seen.sample = seen.sample or repr(error)
            return False
        seen.statuses[answer.status] += 1
        if answer.status != 200 or _has_errors(data):
            seen.errors += answer.status == 200
            seen.sample = seen.sample or f"{answer.status} {data[:300]!r}"
        elif self.expect is not None and not self.expect(data):
            seen.unexpected += 1
            seen.sample = seen.sample or f"unexpected {answer.status} {data[:300]!r}"
        return True

    def close(self) -> None:
        self.connection.close()


@dataclass
class Run:
    latencies: list[float]  # seconds
    tally: Tally
    late: list[float] = field(default_factory=list)  # open loop: how late each was sent
    elapsed: float = 0.0


def closed_loop(
    port: int, clients: int, requests: int, next_body: Callable[[], Body], expect: Expect | None
) -> Run:
    """`clients` threads, each sending its share one after another."""
    run = Run([], Tally())
    lock = threading.Lock()

    def client() -> None:
        mine, sender = [], Client(port, expect)
        for _ in range(max(1, requests // clients)):
            body = next_body()
            started = time.perf_counter()
            if sender.send(*body):
                mine.append(time.perf_counter() - started)
        sender.close()
        with lock:
            run.latencies.extend(mine)
            run.tally.add(sender.tally)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return run


def open_loop(
    port: int, rate: float, seconds: float, next_body: Callable[[], Body], expect: Expect | None
) -> Run:
    """Request i is due at start + i / rate; its latency runs from then to its answer. Enough
    threads that a slow answer delays no later request's sending (if they all wait at once,
    the next ones leave late, and that lateness is in their latency)."""
    total = int(rate * seconds)
    threads = min(256, max(16, int(rate // 2)))
    run = Run([], Tally())
    lock = threading.Lock()
    numbers = itertools.count()
    start = time.perf_counter() + 0.2

    def client() -> None:
        mine, late, sender = [], [], Client(port, expect)
        while (i := next(numbers)) < total:  # itertools.count is atomic under the GIL
            due = start + i / rate
            body = next_body()
            if (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)  # pacing to the schedule
            late.append(time.perf_counter() - due)
            if sender.send(*body):
                mine.append(time.perf_counter() - due)
        sender.close()
        with lock:
            run.latencies.extend(mine)
            run.late.extend(late)
            run.tally.add(sender.tally)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    run.elapsed = time.perf_counter() - start
    return run


def percentile(samples: list[float], q: int) -> float:
    """The q-th percentile in milliseconds."""
    if len(samples) < 2:
        return float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1] * 1000


@dataclass
class Figures:
    p50_one: float
    open_p50: float
    open_p99: float
    late_p99: float  # how late the client itself sent (should be ~0)
    achieved: float  # requests per second actually sent
    stolen: float  # share of the machine's CPU time the hypervisor took during both phases


def cpu_ticks() -> tuple[int, int]:
    """The machine's CPU time stolen by the hypervisor, and all of it, in ticks (/proc/stat):
    a run the host starved shows here, not in refbot's code."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def measure(
    port: int,
    args: argparse.Namespace,
    next_body: Callable[[], Body],
    expect: Expect | None,
    settle: Callable[[], object] = lambda: None,
) -> tuple[Figures, Tally]:
    """Warm-up, one client, open loop; `settle()` between them lets the work a phase left
    behind (refbot's cards) finish first, so each phase measures its own load."""
    tally = Tally()
    # Warm-up: imports, connections, caches, the referrers' profiles from users.info.
    tally.add(closed_loop(port, WARMUP_CLIENTS, WARMUP_REQUESTS, next_body, expect).tally)
    settle()
    before_one = cpu_ticks()
    one = closed_loop(port, 1, args.requests, next_body, expect)
    tally.add(one.tally)
    after_one = cpu_ticks()
    settle()
    before_load = cpu_ticks()
    loaded = open_loop(port, args.rate, args.seconds, next_body, expect)
    tally.add(loaded.tally)
    after_load = cpu_ticks()
    stolen, total = (
        (a1 - a0) + (b1 - b0)
        for a0, a1, b0, b1 in zip(before_one, after_one, before_load, after_load, strict=True)
    )
    figures = Figures(
        p50_one=percentile(one.latencies, 50),
        open_p50=percentile(loaded.latencies, 50),
        open_p99=percentile(loaded.latencies, 99),
        late_p99=percentile(loaded.late, 99),
        achieved=len(loaded.late) / loaded.elapsed if loaded.elapsed else 0.0,
        stolen=stolen / total if total else 0.0,
    )
    return figures, tally


def consumed(args: argparse.Namespace) -> int:
    """How many bodies one server's warm-up and runs take."""
    return WARMUP_REQUESTS + args.requests + int(args.rate * args.seconds)


def gunicorn_commands(port: int, workers: int) -> dict[str, list[str]]:
    gunicorn = [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", str(workers)]
    return {
        "bare Bolt": [
            *gunicorn,
            "--threads",
            "8",
            "-b",
            f"127.0.0.1:{port}",
            "benchmarks.bare_bolt:app",
        ],
        "refbot": [*REFBOT, "serve", "--port", str(port), "--workers", str(workers)],
    }


REFBOT = [sys.executable, "-m", "bot.cli"]


def counts(url: str, slack: FakeSlack) -> dict[str, int]:
    """What refbot's database holds for the benchmark's team, and the cards the fake Slack
    shows the recruiter."""
    engine = make_engine(url)
    try:
        with engine.connect() as c:

            def n(model: type, *where: Any) -> int:
                query = select(func.count()).select_from(model)
                return int(c.scalar(query.where(*where)) or 0)

            cards = (Delivery.dedupe_key.like("card:%"), Delivery.recipient == RECRUITER)
            submitted = (Delivery.kind == DeliveryKind.SUBMISSION, Delivery.team_id == TEAM)
            handled = Delivery.status.in_([DeliveryStatus.SENT, DeliveryStatus.CANCELLED])
            found = {
                "submissions": n(Delivery, *submitted),
                "submissions handled": n(Delivery, *submitted, handled),
                "candidates": n(Candidate, Candidate.team_id == TEAM),
                "referrals": n(Referral, Referral.team_id == TEAM),
                "cards": n(Delivery, *cards),
                "cards sent": n(Delivery, *cards, Delivery.status == DeliveryStatus.SENT),
            }
    finally:
        engine.dispose()
    found["cards in Slack"], found["candidates carded"] = slack.cards(RECRUITER)
    return found


def delivered(url: str, slack: FakeSlack, before: dict[str, int], timeout: float = 180) -> dict:
    """Counts once every submission was saved and every queued card sent (or the timeout
    passed): the new ones only. Saving and carding follow the acks, requests first (a burst's
    wait for a lull in it): the line printed says how long each took past the last answer."""
    started = time.monotonic()
    deadline = started + timeout
    saved_after: float | None = None  # when the last modal had its outcome
    while True:  # saved and carded after the acks: wait for the dispatcher to catch up
        after = counts(url, slack)
        new = {k: after[k] - before[k] for k in after}
        if saved_after is None and new["submissions handled"] >= new["submissions"]:
            saved_after = time.monotonic() - started
        if (saved_after is not None and new["cards sent"] >= new["cards"]) or (
            time.monotonic() > deadline
        ):
            saved = "not all" if saved_after is None else f"{saved_after:.1f} s"
            print(
                f"  (saved, outcome in the modal: {saved}; carded: "
                f"{time.monotonic() - started:.1f} s after the last answer)"
            )
            return new
        time.sleep(0.5)


def exactly_once(new: dict[str, int], submissions: Sequence[Referred]) -> tuple[bool, str]:
    duplicates = sum(s.duplicate for s in submissions)
    people = len(submissions) - duplicates
    expected = {
        "submissions": len(submissions),  # each queued once by its ack, then saved
        "submissions handled": len(submissions),
        "candidates": people,
        "referrals": len(submissions),
        "cards": people,
        "cards sent": people,
        "cards in Slack": people,
        "candidates carded": people,
    }
    ok = new == expected
    text = ", ".join(
        f"{k} {new[k]}" + ("" if new[k] == v else f" (expected {v})") for k, v in expected.items()
    )
    return ok, f"{text}: {'OK' if ok else 'MISMATCH'}"


def print_comparison(title: str, results: dict[str, Figures], rate: float) -> list[float]:
    print(title)
    print(f"{'':12}{'p50 @1':>10}{'p50 open':>10}{'p99 open':>10}   (open loop: {rate:g}/s)")
    for name, f in results.items():
        print(
            f"{name:12}{f.p50_one:10.2f}{f.open_p50:10.2f}{f.open_p99:10.2f}"
            f"   sent {f.achieved:.0f}/s, client late p99 {f.late_p99:.1f} ms,"
            f" CPU stolen by the host {f.stolen:.0%}"
        )
    bare, ours = results["bare Bolt"], results["refbot"]
    ratios = [
        ours.p50_one / bare.p50_one,
        ours.open_p50 / bare.open_p50,
        ours.open_p99 / bare.open_p99,
    ]
    print(f"{'ratio':12}" + "".join(f"{v:9.2f}x" for v in ratios))
    print("targets: p50 @1 ratio <= 0.5x; p99 open-loop ratio <= 1.0x")
    return ratios


def print_tallies(tallies: dict[str, Tally], logs: dict[str, str]) -> None:
    for name, tally in tallies.items():
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items(), key=str))
        line = f"{name}: answers {statuses}; 200s with `errors`: {tally.errors}"
        line += f"; other unexpected 200s: {tally.unexpected}"
        print(line + (f"; first bad: {tally.sample}" if tally.sample else ""))
        if tally.bad and logs.get(name):
            print(f"  {name}'s log ends with:\n" + logs[name])


Outcome = tuple[bool, list[float]]  # all answers and deliveries right; the three ratios


def scenario_help(env: dict[str, str], args: argparse.Namespace, slack: FakeSlack) -> Outcome:
    results: dict[str, Figures] = {}
    tallies: dict[str, Tally] = {}
    logs: dict[str, str] = {}
    for name in ("bare Bolt", "refbot"):
        port = free_port()
        with server(gunicorn_commands(port, args.workers)[name], env, port) as served:
            bodies = help_bodies(slack.response_url)
            results[name], tallies[name] = measure(port, args, bodies, None)
            logs[name] = served.first_error()
    ratios = print_comparison("ack latency of /refbot help (ms)", results, args.rate)
    print_tallies(tallies, logs)
    return all(t.bad == 0 for t in tallies.values()), ratios


def scenario_referral(
    env: dict[str, str], args: argparse.Namespace, url: str, slack: FakeSlack
) -> Outcome:
    run = secrets.token_hex(3)  # unique emails, so a reused PostgreSQL database dedupes nothing
    taken = consumed(args)
    started = time.perf_counter()
    submissions = referral_submissions(taken, run)
    print(f"(built {taken} referral submissions in {time.perf_counter() - started:.1f} s)")
    results: dict[str, Figures] = {}
    tallies: dict[str, Tally] = {}
    logs: dict[str, str] = {}
    new: dict[str, int] = {}
    for name, expect in (("bare Bolt", empty), ("refbot", updates_view)):
        port = free_port()
        feed = Feed(submissions)  # the same bytes for both apps
        before = counts(url, slack)
        command = gunicorn_commands(port, args.workers)[name]
        beside = nullcontext()
        if name == "refbot" and args.with_worker:  # the web replica leaves its sends to it
            command = [*command[:4], "--no-scheduler", *command[4:]]
            beside = worker_process({**env, "REFBOT_SWEEP_SECONDS": "1"})
        with beside, server(command, env, port) as served:
            cards_out = functools.partial(delivered, url, slack, before)
            settle = cards_out if name == "refbot" else lambda: None
            results[name], tallies[name] = measure(port, args, feed, expect, settle)
            if name == "refbot":
                new = delivered(url, slack, before)
            logs[name] = served.first_error()
        assert feed.taken == taken, (feed.taken, taken)
    title = "ack latency of a referral_submit view_submission (ms)"
    ratios = print_comparison(title, results, args.rate)
    print_tallies(tallies, logs)
    ok, text = exactly_once(new, submissions)
    print(f"refbot's database and the fake Slack: {text}")
    if not ok:
        print("  refbot's log:\n" + logs["refbot"])
    return ok and all(t.bad == 0 for t in tallies.values()), ratios


# -- sustained --------------------------------------------------------------------------------


def proc_stat(path: Path) -> list[str]:
    """The fields of /proc/PID/stat after the command's name (which may hold spaces): [1] is
    the parent's PID, [11] and [12] the user and system CPU in clock ticks."""
    return path.read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU of a process and its children (a gunicorn master's workers, a
    PostgreSQL server's backends); 0 without one."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = proc_stat(stat)
        except OSError:  # gone meanwhile
            continue
        if pid is not None and pid in (int(stat.parent.name), int(fields[1])):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def database_server(url: str) -> int | None:
    """The PostgreSQL server's process (its backends' parent) when it runs on this machine."""
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            backend = c.scalar(select(func.pg_backend_pid()))
    finally:
        engine.dispose()
    try:
        return int(proc_stat(Path(f"/proc/{backend}/stat"))[1])
    except OSError:  # a remote server (or another PID namespace)
        return None


def sustained(env: dict[str, str], args: argparse.Namespace, url: str, slack: FakeSlack) -> bool:
    if not url.startswith("postgresql"):
        raise SystemExit("--sustained measures the PostgreSQL deployment: give --database-url")
    rates = [float(r) for r in args.rates.split(",")]
    port = free_port()
    print(
        f"sustained referrals: one `refbot serve` (default workers) + one `refbot worker`, "
        f"PostgreSQL, open-loop steps of {args.seconds:g} s"
    )
    print(
        f"{'rate/s':>7}{'sent/s':>8}{'p50 ms':>8}{'p99 ms':>8}  {'exactly once':14}"
        f"{'CPU cores used: serve':>22}{'worker':>8}{'Slack':>7}{'client':>8}{'database':>10}"
        f"{'CPU ms/referral: serve':>24}{'all':>6}{'stolen':>9}"
    )
    best, limit, exact = 0.0, "", True
    with (
        # The documented topology: a web replica beside a worker leaves its sends to it.
        server([*REFBOT, "serve", "--no-scheduler", "--port", str(port)], env, port) as web,
        # The worker sweeps every second: what the serve process leaves is sent soon.
        worker_process({**env, "REFBOT_SWEEP_SECONDS": "1"}) as worker,
    ):
        warm = referral_submissions(WARMUP_REQUESTS, secrets.token_hex(3))
        before = counts(url, slack)
        closed_loop(port, WARMUP_CLIENTS, WARMUP_REQUESTS, Feed(warm), updates_view)
        delivered(url, slack, before, timeout=30)
        for rate in rates:
            # At least one: the figures below are per referral sent.
            count = max(1, int(rate * args.seconds))
            submissions = referral_submissions(count, secrets.token_hex(3))
            before = counts(url, slack)
            pids = {
                "serve": web.process.pid,
                "worker": worker.pid,
                "Slack": slack.process.pid,
                "database": database_server(url),  # a local server's; 0 for a remote one
            }
            cpu = {name: cpu_seconds(pid) for name, pid in pids.items()}
            client_cpu, ticks = time.process_time(), cpu_ticks()
            loaded = open_loop(port, rate, args.seconds, Feed(submissions), updates_view)
            used = {
                name: (cpu_seconds(pid) - cpu[name]) / loaded.elapsed for name, pid in pids.items()
            }
            used["client"] = (time.process_time() - client_cpu) / loaded.elapsed
            stolen, total = (t1 - t0 for t0, t1 in zip(ticks, cpu_ticks(), strict=True))
            stolen_share = stolen / total if total else 0.0
            new = delivered(url, slack, before)
            ok, text = exactly_once(new, submissions)
            ok = ok and loaded.tally.bad == 0
            exact &= ok
            p99 = percentile(loaded.latencies, 99)
            sent = len(loaded.late) / loaded.elapsed  # below `rate` once the client falls behind
            print(
                f"{rate:7.0f}{sent:8.0f}"
                f"{percentile(loaded.latencies, 50):8.1f}{p99:8.1f}  {'yes' if ok else 'NO':14}"
                f"{used['serve']:22.2f}{used['worker']:8.2f}{used['Slack']:7.2f}"
                f"{used['client']:8.2f}{used['database']:10.2f}{used['serve'] * 1000 / sent:24.2f}"
                f"{sum(used.values()) * 1000 / sent:6.1f}{stolen_share:9.0%}"
            )
            if not ok:
                print(f"  {text}; answers: {dict(loaded.tally.statuses)} {loaded.tally.sample}")
                print("  refbot serve's log:\n" + web.first_error())
            if p99 >= 100 or not ok:
                limit = diagnose(used, sent, stolen_share)
                break
            best = rate
        else:
            limit = "not reached: every rate tried held (give higher --rates)"
    print(
        f"highest rate with ack p99 < 100 ms, each referral saved, deduped and carded exactly"
        f" once: {best:g}/s (target >= 200/s)"
    )
    print(f"what limits it: {limit}")
    return exact  # a rate that did not hold is a figure; a referral not saved once is a bug


def diagnose(used: dict[str, float], sent: float, stolen: float) -> str:
    """Which resource ran out at the first rate that did not hold (`sent`: requests/s;
    `stolen`: the share of the machine's CPU the host took meanwhile)."""
    total, cores = sum(used.values()), os.cpu_count() or 1
    if stolen >= 0.05:
        return (
            f"the host: it took {stolen:.0%} of the machine's CPU during the step ({total:.2f} of"
            f" {cores} cores went to this run; serve {used['serve']:.2f}): run again on a quiet"
            " machine"
        )
    per, all_in = used["serve"] * 1000 / sent, total * 1000 / sent
    if used["serve"] >= 0.85:
        return (
            f"the serve process's CPU: {used['serve']:.2f} cores, {per:.1f} ms per referral"
            " (its acks; the worker sends the cards); one Python process runs one thread at a"
            f" time, so about 1000 / {per:.1f} = {1000 / per:.0f} referrals/s is its ceiling"
            f" (the machine used {total:.2f} of {cores} cores)"
        )
    if total >= 0.9 * cores:
        return (
            f"the machine's {cores} cores: all processes together spend {all_in:.1f} ms of CPU"
            f" per referral, so about {cores * 1000 / all_in:.0f}/s fill them"
            f" ({total:.2f} cores used: serve {used['serve']:.2f},"
            f" worker {used['worker']:.2f}, fake Slack {used['Slack']:.2f}, client"
            f" {used['client']:.2f}, database {used['database']:.2f}; other work on the machine"
            " is not counted)"
        )
    return (
        f"not this run's CPU ({total:.2f} of {cores} cores used; other work on the machine is"
        " not counted): waits for the CPU others use, database locks, the pool, gunicorn's"
        " threads"
    )


@contextmanager
def worker_process(env: dict[str, str]) -> Iterator[subprocess.Popen]:
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen([*REFBOT, "worker"], env=env, cwd=ROOT, stderr=log)
        try:
            yield process
        finally:
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=("help", "referral", "all"), default="all")
    parser.add_argument("--requests", type=int, default=300, help="one-client requests")
    parser.add_argument("--rate", type=float, default=100.0, help="open-loop requests/s")
    parser.add_argument("--seconds", type=float, default=15.0, help="open-loop duration")
    parser.add_argument(
        "--with-worker",
        action="store_true",
        help="referral: refbot as deployed at scale (PostgreSQL): `serve --no-scheduler` beside"
        " one `refbot worker`, which composes and sends the cards",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="gunicorn workers of both apps (refbot's default: 1)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs; prints the median ratios")
    parser.add_argument(
        "--database-url", help="refbot's database (migrated here); default: SQLite in a temp dir"
    )
    parser.add_argument("--sustained", action="store_true", help="find the sustained rate")
    parser.add_argument("--rates", default="100,150,200,250,300,400")
    args = parser.parse_args()
    users = [USER, RECRUITER, *REFERRERS]
    ok = True
    with fake_slack(users) as slack, database(args.database_url) as url:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.url,
            "DATABASE_URL": url,
            "REFBOT_RECRUITERS": RECRUITER,
            "PYTHONPATH": str(ROOT),
        }
        print(
            f"database: {url.split('://')[0]}; machine load average now:"
            f" {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
        )
        if args.with_worker and not url.startswith("postgresql"):
            raise SystemExit("--with-worker is the PostgreSQL deployment: give --database-url")
        if args.sustained:
            ok = sustained(env, args, url, slack)
        else:
            scenarios = ("help", "referral") if args.scenario == "all" else (args.scenario,)
            runs: dict[str, list[list[float]]] = {name: [] for name in scenarios}
            for run in range(args.repeat):
                for i, scenario in enumerate(scenarios):
                    if i or run:
                        print()
                    if scenario == "help":
                        good, ratios = scenario_help(env, args, slack)
                    else:
                        good, ratios = scenario_referral(env, args, url, slack)
                    ok &= good
                    runs[scenario].append(ratios)
            if args.repeat > 1:
                print(f"\nmedian of {args.repeat} runs (ratio to the bare app):")
                print(f"{'':12}{'p50 @1':>10}{'p50 open':>10}{'p99 open':>10}")
                for scenario, rows in runs.items():
                    medians = [statistics.median(column) for column in zip(*rows, strict=True)]
                    print(f"{scenario:12}" + "".join(f"{v:9.2f}x" for v in medians))
    if not ok:
        raise SystemExit("some answers were errors, or what was saved or sent is not exact")


if __name__ == "__main__":
    main()
