"""Dispatcher throughput: DMs per second for 1 and 2 `refbot worker --once` processes on
PostgreSQL against the fake Slack (in its own process, Block Kit validation on), with duplicate
and lost counts. The baseline is the fake Slack alone: a client posting the same messages
straight to it, with no database, in the same run (its ceiling on this machine).

    python benchmarks/dispatch.py [--deliveries 10000]
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from storage import migrate
from storage.db import make_engine, make_sessions
from storage.models import Delivery, Member
from storage.types import DeliveryKind, DeliveryStatus

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.pg import throwaway_server  # noqa: E402 - the tests' throwaway PostgreSQL

EMULATOR = """
import json, sys
from collections import Counter
from bot.slack_emulator import SlackEmulator
slack = SlackEmulator().start()
print(slack.url, slack.token, flush=True)
for line in sys.stdin:
    seen = Counter()
    for call in slack.calls_to("chat.postMessage"):
        if call.ok and call.args.get("metadata"):
            seen.update(call.args["metadata"]["event_payload"]["delivery_ids"].split(","))
    print(json.dumps({"posts": dict(seen), "errors": slack.errors[:3]}), flush=True)
"""


@contextmanager
def fake_slack() -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    process = subprocess.Popen(
        [sys.executable, "-c", EMULATOR],
        cwd=ROOT,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    url, token = process.stdout.readline().split()
    try:
        yield url, token, process
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)


def seen_by(process: subprocess.Popen[str]) -> tuple[Counter[str], list[str]]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("report\n")
    process.stdin.flush()
    report = json.loads(process.stdout.readline())
    return Counter(report["posts"]), report["errors"]


def queue(url: str, count: int, offset: int) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "team_id": "T0001",
            "kind": DeliveryKind.NOTICE,
            "subject": f"bench:{i}",
            "recipient": f"U{i % 500:07d}",
            "due_at": now,
            "next_attempt_at": now,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "dedupe_key": f"bench:{i}",
            "payload": {"template": "notices/reminder", "context": {"text": f"reminder {i}"}},
            "created_at": now,
        }
        for i in range(offset, offset + count)
    ]
    # The recipients use refbot already: their profiles are known (the steady state).
    people = [
        {
            "team_id": "T0001",
            "user_id": f"U{i:07d}",
            "is_recruiter": True,
            "is_admin": False,
            "locale": "en-US",
            "tz": "Europe/Paris",
            "profile_fetched_at": now,
        }
        for i in range(500)
    ]
    engine = make_engine(url)
    with make_sessions(engine).begin() as s:
        s.execute(insert(Member), people)
        s.execute(insert(Delivery), rows)
    engine.dispose()


def baseline(api_url: str, token: str, count: int) -> float:
    """The fake Slack's own ceiling: 8 threads posting chat.postMessage directly."""
    body = json.dumps(
        {
            "channel": "D0",
            "text": "x",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "baseline"}}],
        }
    ).encode()

    def post(_: int) -> None:
        request = urllib.request.Request(
            api_url + "chat.postMessage",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        urllib.request.urlopen(request, timeout=10).read()

    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(post, range(count)))
    return count / (time.perf_counter() - started)


def run(pg_url: str, workers: int, n: int) -> tuple[float, float, int, int, list[str]]:
    """One fresh fake Slack and database: its ceiling, then `workers` dispatchers draining n."""
    with fake_slack() as (api_url, token, slack):
        ceiling = baseline(api_url, token, n // 2)
        seen_by(slack)  # the baseline's posts carry no delivery ids
        migrate.upgrade(pg_url)
        queue(pg_url, n, 0)
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": token,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": pg_url,
            "PYTHONPATH": str(ROOT),
        }
        started = time.perf_counter()
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "worker", "--once"],
                env=env,
                cwd=ROOT,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        for p in processes:
            p.wait()
        elapsed = time.perf_counter() - started
        posts, errors = seen_by(slack)
    expected = {str(i) for i in range(1, n + 1)}
    duplicates = sum(v - 1 for v in posts.values())
    return ceiling, n / elapsed, duplicates, len(expected - set(posts)), errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=10_000)
    args = parser.parse_args()
    n = args.deliveries
    print(f"dispatch throughput: {n} due DMs to 500 people, PostgreSQL, fake Slack in its own")
    print("process validating Block Kit; baseline = the fake Slack alone, 8 threads, no database")
    with throwaway_server() as pg:
        single = None
        for workers in (1, 2):
            name = f"bench{workers}"
            pg.janitor(name).init()
            ceiling, rate, duplicates, lost, errors = run(pg.url(name), workers, n)
            single = single or rate
            print(
                f"{workers} worker{'s' if workers > 1 else ' '}: {rate:7.0f} DMs/s  "
                f"baseline {ceiling:5.0f}/s  ratio {rate / ceiling:.2f}x  "
                f"scaling {rate / single:.2f}x  duplicates={duplicates} lost={lost}"
                + (f"  slack errors={errors}" if errors else "")
            )


if __name__ == "__main__":
    main()
