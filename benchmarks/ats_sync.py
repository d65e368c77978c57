"""Initial ATS pull (DESIGN §10): 100,000 past candidates from the fake Greenhouse, rate limit on.

The fake Greenhouse (bot.ats.greenhouse_emulator) runs in its own process with the history
loaded and its rate limit set (--limit requests per 10-second window: Greenhouse counts
requests in a rolling 10-second window and says the cap in X-RateLimit-Limit, "tens of
requests"; https://harvestdocs.greenhouse.io/docs/api-rate-limiting). refbot is `refbot serve`
(1 worker, as shipped) on a fresh database, connected from the environment; its scheduler's ATS
poll queues the rediscovery pull, and its dispatcher reads the pages (500 a page, the largest
Harvest v3 serves, Link-header cursors), waiting out each 429's Retry-After.

It prints:
- candidates/s from the first page's row to the cursor's move, and that rate as a ratio of the
  rate limit's ceiling (limit / 10 s x 500 candidates a page);
- the peak RSS (VmHWM) of the processes doing the pull: the gunicorn master and its worker;
- webhook ack latency during the pull: signed Greenhouse webhooks to /ats/greenhouse/webhook
  and GET /healthz, one after the other at --rate each per second, p50/p99 and the ratio;
- whether every candidate arrived exactly once.

    python benchmarks/ats_sync.py [--candidates 100000] [--limit 50] [--rate 20]
                                  [--database-url postgresql+psycopg://...]
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.ack import (  # noqa: E402 - benchmarks/ is not an installed package
    RECRUITER,
    REFBOT,
    SECRET,
    TEAM,
    USER,
    database,
    fake_slack,
    free_port,
    server,
)
from bot.ats.greenhouse import sign_webhook  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.models import AtsCursor, AtsLink, Candidate, Delivery, Member  # noqa: E402
from storage.types import DeliveryKind  # noqa: E402

WINDOW = 10.0  # seconds: Greenhouse's rate-limit window
PAGE = 500  # candidates a page (Harvest v3's largest per_page)
WEBHOOK_SECRET = "bench-webhook-secret"
TARGET_MB = 200

# The fake Greenhouse in its own process: its 10^5 candidates are not the puller's memory.
EMULATOR = """
import json, sys
from datetime import UTC, datetime, timedelta
import bot.rendering  # first: `bot.ats.greenhouse_emulator` alone meets an import cycle
from bot.ats.greenhouse_emulator import GreenhouseEmulator
count, limit = int(sys.argv[1]), int(sys.argv[2])
gh = GreenhouseEmulator().start()
user = gh.add_user("refbot@acme.test", "Ref", "Bot", referrer=False)
past = datetime.now(UTC) - timedelta(days=3 * 365)
firsts = ("Maria", "Jonas", "Priya", "Tomasz", "Aiko", "Kwame", "Lucia", "Omar", "Sven", "Nadia")
for start in range(0, count, 10_000):
    gh.add_candidates([
        {"first_name": firsts[i % 10], "last_name": f"Past{i:06d}", "email": f"p{i}@example.org",
         "company": f"Company{i % 997}", "title": "Engineer", "tags": ["python"] if i % 3 else [],
         "updated_at": past + timedelta(minutes=i)}
        for i in range(start, min(count, start + 10_000))
    ])
gh.limit_rate(limit, per_seconds=10.0)
print(json.dumps({"api": gh.api_url, "auth": gh.auth_url, "user": user}), flush=True)
for line in sys.stdin:
    calls = gh.calls_to("GET /v3/candidates")
    print(json.dumps([len(calls), sum(c.status == 429 for c in calls)]), flush=True)
"""


@contextmanager
def fake_greenhouse(count: int, limit: int) -> Iterator[tuple[dict[str, str], subprocess.Popen]]:
    process = subprocess.Popen(
        [sys.executable, "-c", EMULATOR, str(count), str(limit)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        yield json.loads(process.stdout.readline()), process
    finally:
        process.stdin.close()
        process.wait(timeout=30)


def emulator_calls(process: subprocess.Popen) -> tuple[int, int]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("calls\n")
    process.stdin.flush()
    total, limited = json.loads(process.stdout.readline())
    return int(total), int(limited)


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return sorted(set(found))


def peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def wait_healthy(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("/healthz never answered 200")


def peak_rss_mb(pid: int) -> float:
    """The largest peak RSS (VmHWM) of the server and its workers."""
    peaks = []
    for each in (pid, *children(pid)):
        try:
            peaks.append(peak_kb(each))
        except OSError:
            continue
    return max(peaks, default=0) / 1024


class Probe(threading.Thread):
    """Webhooks and /healthz, alternately, at `rate` each per second, while the pull runs."""

    def __init__(self, port: int, rate: float) -> None:
        super().__init__(daemon=True)
        self.port, self.rate = port, rate
        self.stop = threading.Event()
        self.webhook: list[float] = []
        self.health: list[float] = []
        self.errors = 0

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        period, due = 1.0 / self.rate, time.perf_counter()
        while not self.stop.is_set():
            for kind in ("webhook", "health"):
                started = time.perf_counter()
                try:
                    status = self._send(connection, kind)
                except (OSError, http.client.HTTPException):
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                    status = 0
                elapsed = (time.perf_counter() - started) * 1000
                if status != 200:
                    self.errors += 1
                (self.webhook if kind == "webhook" else self.health).append(elapsed)
            due += period
            time.sleep(max(0.0, due - time.perf_counter()))
        connection.close()

    def _send(self, connection: http.client.HTTPConnection, kind: str) -> int:
        if kind == "health":
            connection.request("GET", "/healthz")
        else:
            body = json.dumps(
                {
                    "action": "candidate_stage_change",
                    "payload": {
                        "application": {
                            "id": 900_000_000 + len(self.webhook),
                            "status": "active",
                            "current_stage": {"id": 1, "name": "Onsite"},
                            "candidate": {"id": 800_000_000 + len(self.webhook)},
                        }
                    },
                }
            ).encode()
            connection.request(
                "POST",
                "/ats/greenhouse/webhook",
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "Signature": sign_webhook(WEBHOOK_SECRET, body),
                    "Greenhouse-Event-ID": str(uuid.uuid4()),
                },
            )
        answer = connection.getresponse()
        answer.read()
        return answer.status


def percentile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=50, help="requests per 10-second window")
    parser.add_argument("--rate", type=float, default=20.0, help="webhooks (and /healthz) per s")
    parser.add_argument("--database-url", help="default: SQLite in a temp dir")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    ceiling = args.limit / WINDOW * PAGE
    print(
        f"initial ATS pull: {args.candidates:,} Greenhouse candidates, rate limit "
        f"{args.limit} requests / {WINDOW:.0f} s (ceiling {ceiling:,.0f} candidates/s at "
        f"{PAGE} a page); load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )
    loading = time.perf_counter()
    with (
        fake_greenhouse(args.candidates, args.limit) as (gh, emulator),
        fake_slack([USER, RECRUITER]) as slack,
        database(args.database_url) as url,
    ):
        print(f"fake Greenhouse loaded in {time.perf_counter() - loading:.1f} s")
        engine = make_engine(url)
        with engine.begin() as connection:  # the workspace the environment's ATS serves
            connection.execute(
                insert(Member.__table__),
                [{"team_id": TEAM, "user_id": RECRUITER, "is_recruiter": True, "is_admin": True}],
            )
        port = free_port()
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.url,
            "DATABASE_URL": url,
            "REFBOT_RECRUITERS": RECRUITER,
            "PYTHONPATH": str(ROOT),
            "GREENHOUSE_CLIENT_ID": "gh-client",
            "GREENHOUSE_CLIENT_SECRET": "gh-secret",
            "GREENHOUSE_USER_ID": gh["user"],
            "GREENHOUSE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "GREENHOUSE_API_URL": gh["api"],
            "GREENHOUSE_AUTH_URL": gh["auth"],
            "REFBOT_ATS_POLL_SECONDS": "5",
            "REFBOT_SWEEP_SECONDS": "5",
        }
        command = [*REFBOT, "serve", "--port", str(port)]
        with server(command, env, port) as served:
            wait_healthy(port)
            probe = Probe(port, args.rate)
            probe.start()
            began = ended = None
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                with engine.connect() as connection:
                    if began is None:
                        first = connection.scalar(
                            select(func.min(Delivery.created_at)).where(
                                Delivery.kind == DeliveryKind.ATS_HISTORY
                            )
                        )
                        began = time.perf_counter() if first is not None else None
                    elif connection.scalar(
                        select(func.count())
                        .select_from(AtsCursor)
                        .where(AtsCursor.resource == "history")
                    ):
                        ended = time.perf_counter()
                        break
                time.sleep(0.05)
            probe.stop.set()
            probe.join()
            rss = peak_rss_mb(served.process.pid)
            with engine.connect() as connection:
                pulled = connection.scalar(select(func.count()).select_from(Candidate)) or 0
                links = (
                    connection.scalar(select(func.count(func.distinct(AtsLink.ats_candidate_id))))
                    or 0
                )
            calls, limited = emulator_calls(emulator)
        engine.dispose()
    if began is None or ended is None:
        raise SystemExit("the pull did not finish in time")
    seconds = ended - began
    rate = pulled / seconds
    print(
        f"pull: {pulled:,} candidates in {seconds:.1f} s = {rate:,.0f} candidates/s = "
        f"{rate / ceiling:.2f} x the rate limit's ceiling; {calls} list calls, {limited} "
        "answered 429"
    )
    exact = pulled == args.candidates == links
    print(f"exactly once: {'yes' if exact else 'NO'} ({pulled:,} candidates, {links:,} links)")
    print(
        f"peak RSS of refbot serve: {rss:.0f} MB ({'OK' if rss < TARGET_MB else 'OVER'} < "
        f"{TARGET_MB} MB)"
    )
    w50, w99 = percentile(probe.webhook, 50), percentile(probe.webhook, 99)
    h50, h99 = percentile(probe.health, 50), percentile(probe.health, 99)
    print(
        f"during the pull: webhook ack p50 {w50:.1f} ms p99 {w99:.1f} ms | /healthz p50 "
        f"{h50:.1f} ms p99 {h99:.1f} ms | ratio p99 {w99 / h99:.2f}x ({len(probe.webhook)} "
        f"each, {probe.errors} not 200)"
    )
    if not exact or rss >= TARGET_MB:
        raise SystemExit(1)


if __name__ == "__main__":
    started = datetime.now(UTC)
    main()
    print(f"ran {(datetime.now(UTC) - started) / timedelta(seconds=1):.0f} s")
