"""Exactly once across restarts, crashes and replicas: real processes, real databases."""

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import insert

from bot.app import build
from bot.slack_emulator import SlackEmulator
from bot.workspace import Workspace
from storage.db import make_engine, make_sessions
from storage.models import Delivery
from storage.repositories import deliveries
from storage.types import DeliveryKind, DeliveryStatus
from tests.conftest import RECRUITER, SIGNING_SECRET, TEAM, Clock, settings_for
from tests.pg import free_port
from tests.test_dispatcher import posts, remind

WORKER = [sys.executable, "-m", "bot.cli", "worker", "--once"]


def worker_env(slack: SlackEmulator, database_url: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    return {
        **keep,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": database_url,
    }


def queue(database_url: str, count: int, *, due_at: datetime, recipients: int = 1) -> list[int]:
    """Insert due reminders straight into the table (no dispatch after commit in this process)."""
    rows = [
        {
            "team_id": TEAM,
            "kind": DeliveryKind.NOTICE,
            "subject": f"load:{i}",
            "recipient": f"U{i % recipients:07d}" if recipients > 1 else RECRUITER,
            "due_at": due_at,
            "next_attempt_at": due_at,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "dedupe_key": f"load:{i}",
            "payload": {"template": "notices/reminder", "context": {"text": f"reminder {i}"}},
            "created_at": due_at,
        }
        for i in range(count)
    ]
    engine = make_engine(database_url)
    with make_sessions(engine).begin() as s:
        ids = list(s.scalars(insert(Delivery).returning(Delivery.id), rows))
    engine.dispose()
    return ids


def statuses(database_url: str) -> Counter[str]:
    engine = make_engine(database_url)
    with make_sessions(engine)() as s:
        found = Counter({k.value: v for k, v in deliveries.status_counts(s).items()})
    engine.dispose()
    return found


@pytest.fixture
def reminder_in_six_months(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[int]:
    runtime = build(settings_for(slack, migrated_url), scheduler=False)
    delivery_id = remind(runtime, RECRUITER, "call Ada again", in_days=183, key="six-months")
    runtime.close()  # the server stops
    yield delivery_id


def test_restart_after_downtime_delivers_once_marked_late(
    reminder_in_six_months: int, slack: SlackEmulator, migrated_url: str, clock: Clock
) -> None:
    clock.travel(days=190)

    for _ in range(2):  # start, deliver what is overdue, stop; then start once more
        runtime = build(settings_for(slack, migrated_url))
        scheduler = runtime.scheduler
        assert scheduler is not None
        scheduler.start()  # the first sweep runs at start
        assert slack.wait_for(lambda s=scheduler: s.last_sweep_at is not None)
        runtime.close()

    assert posts(slack) == Counter({str(reminder_in_six_months): 1})
    dm = slack.dms(RECRUITER)[-1].plain_text()
    assert "call Ada again" in dm and "Due 7 days ago" in dm


@pytest.mark.parametrize("moment", ["after Slack received it", "before Slack received it"])
def test_dispatcher_killed_mid_send_is_sent_exactly_once(
    moment: str, slack: SlackEmulator, migrated_url: str
) -> None:
    (reminder,) = queue(migrated_url, 1, due_at=datetime.now(UTC))
    slack.hang("chat.postMessage", 60, after=moment.startswith("after"))
    worker = subprocess.Popen(
        WORKER, env=worker_env(slack, migrated_url), stderr=subprocess.DEVNULL
    )

    assert slack.wait_for(lambda: slack.calls_to("conversations.open") != [], timeout=30)
    assert slack.wait_for(lambda: moment.startswith("before") or posts(slack) != Counter(), 30)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    slack.reset_faults()
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2), tick=True):
        runtime = build(settings_for(slack, migrated_url), scheduler=False)
        runtime.sweep()
        runtime.close()

    assert posts(slack) == Counter({str(reminder): 1})
    assert statuses(migrated_url) == Counter({"sent": 1})


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_three_replicas_deliver_ten_thousand_exactly_once(
    slack: SlackEmulator, migrated_url: str
) -> None:
    ids = queue(migrated_url, 10_000, due_at=datetime.now(UTC), recipients=100)

    workers = [
        subprocess.Popen(WORKER, env=worker_env(slack, migrated_url), stderr=subprocess.DEVNULL)
        for _ in range(3)
    ]
    codes = [w.wait(timeout=600) for w in workers]

    delivered = posts(slack)
    assert codes == [0, 0, 0]
    assert len(delivered) == len(ids) == 10_000
    assert set(delivered.values()) == {1}, "a delivery reached Slack twice"
    assert statuses(migrated_url) == Counter({"sent": 10_000})


def test_worker_once_exits_cleanly_when_nothing_is_due(
    slack: SlackEmulator, migrated_url: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        WORKER, env=worker_env(slack, migrated_url), capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0
    assert slack.calls_to("chat.postMessage") == []


def test_sigterm_finishes_the_send_in_flight_and_gives_leases_back(
    slack: SlackEmulator, migrated_url: str
) -> None:
    queue(migrated_url, 40, due_at=datetime.now(UTC), recipients=40)
    slack.hang("chat.postMessage", 1.5, times=8)
    env = {**worker_env(slack, migrated_url), "REFBOT_SWEEP_SECONDS": "1"}
    worker = subprocess.Popen([*WORKER[:-1]], env=env, stderr=subprocess.DEVNULL)

    assert slack.wait_for(lambda: len(slack.calls_to("conversations.open")) >= 8, timeout=30)
    worker.send_signal(signal.SIGTERM)
    code = worker.wait(timeout=30)

    left = statuses(migrated_url)
    assert code == 0
    assert "claimed" not in left, "a lease was left behind"
    assert left["sent"] == len(posts(slack)) and set(posts(slack).values()) == {1}
    assert left["pending"] == 40 - left["sent"] > 0


def test_worker_probes_report_health_and_delivery_metrics(
    slack: SlackEmulator, migrated_url: str
) -> None:
    queue(migrated_url, 3, due_at=datetime.now(UTC), recipients=3)
    port = free_port()
    env = {**worker_env(slack, migrated_url), "REFBOT_SWEEP_SECONDS": "1"}
    worker = subprocess.Popen(
        [*WORKER[:-1], "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True
    )
    probes = Workspace(slack, server_url=f"http://127.0.0.1:{port}", signing_secret="unused")
    try:
        assert slack.wait_for(lambda: len(posts(slack)) == 3, timeout=30)
        assert slack.wait_for(lambda: _answers(probes, "/healthz") == 200, timeout=30)
        health = probes.get("/healthz").json()
        metrics = probes.get("/metrics").body
        slack_path = probes.post(b"{}", "application/json")
    finally:
        worker.send_signal(signal.SIGTERM)
        _, logged = worker.communicate(timeout=30)

    assert health["status"] == "ok" and health["scheduler"]["running"] is True
    assert 'refbot_deliveries_sent_total{kind="notice"} 3.0' in metrics
    assert "refbot_delivery_queue_depth 0.0" in metrics
    assert slack_path.status == 404  # the worker takes no Slack requests
    lines = [json.loads(line) for line in logged.splitlines() if line.strip()]
    assert any(line["msg"].startswith("worker started") for line in lines)


def _answers(probes: Workspace, path: str) -> int:
    try:
        return probes.get(path).status
    except OSError:
        return 0  # not listening yet
