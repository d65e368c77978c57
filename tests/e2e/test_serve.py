"""`refbot serve` as operators run it: gunicorn in a child process, configured by environment."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack_emulator import SlackEmulator
from bot.workspace import Response, Workspace
from tests.conftest import EMPLOYEE, SIGNING_SECRET

REFBOT = [sys.executable, "-m", "bot.cli"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(slack: SlackEmulator, database: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    return {
        **keep,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": f"sqlite:///{database}",
        **extra,
    }


@pytest.fixture
def served(slack: SlackEmulator, tmp_path: Path) -> Iterator[Workspace]:
    port = _free_port()
    process = subprocess.Popen(
        [*REFBOT, "serve", "--port", str(port), "--workers", "2"],
        env=_environment(slack, tmp_path / "refbot.db"),
        stderr=subprocess.PIPE,
        text=True,
    )
    workspace = Workspace(
        slack, server_url=f"http://127.0.0.1:{port}", signing_secret=SIGNING_SECRET
    )
    deadline = time.monotonic() + 30
    while not _up(workspace):  # waiting for a child process to bind, not for the scheduler
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "refbot serve did not come up"
        time.sleep(0.1)
    yield workspace
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0


def _up(workspace: Workspace) -> Response | None:
    try:
        return workspace.get("/healthz")
    except OSError:
        return None


def test_serve_migrates_an_empty_database_and_answers_health(served: Workspace) -> None:
    health = served.get("/healthz").json()

    assert health["status"] == "ok"
    assert health["scheduler"]["running"] is True


def test_serve_refuses_forged_requests_and_answers_help(
    served: Workspace, slack: SlackEmulator
) -> None:
    forged = served.post(
        b"command=%2Frefbot", "application/x-www-form-urlencoded", signature="v0=0"
    )

    answered = served.command(EMPLOYEE, "/refbot", "help")

    assert forged.status == 401
    assert answered.status == 200
    assert slack.wait_for(lambda: slack.ephemerals(EMPLOYEE))
    assert "/refbot help" in slack.ephemerals(EMPLOYEE)[-1].plain_text()


def test_metrics_aggregate_every_worker(served: Workspace) -> None:
    for _ in range(4):
        served.command(EMPLOYEE, "/refbot", "help")

    text = served.get("/metrics").body

    counted = [line for line in text.splitlines() if line.startswith("refbot_slack_requests_total")]
    assert counted and float(counted[0].rsplit(" ", 1)[1]) == 4.0


def test_missing_signing_secret_stops_with_one_clear_line(
    slack: SlackEmulator, tmp_path: Path
) -> None:
    env = _environment(slack, tmp_path / "refbot.db")
    del env["SLACK_SIGNING_SECRET"]

    done = subprocess.run([*REFBOT, "serve"], env=env, capture_output=True, text=True, timeout=30)

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "refbot: SLACK_SIGNING_SECRET is missing: "
        "set it to the Signing Secret (Slack app > Basic Information)"
    ]


def test_malformed_value_names_the_variable(slack: SlackEmulator, tmp_path: Path) -> None:
    env = _environment(slack, tmp_path / "refbot.db", REFBOT_SWEEP_SECONDS="soon")

    done = subprocess.run([*REFBOT, "serve"], env=env, capture_output=True, text=True, timeout=30)

    assert done.returncode == 2
    assert done.stderr.startswith("refbot: REFBOT_SWEEP_SECONDS:")
    assert "Traceback" not in done.stderr
