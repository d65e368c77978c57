"""`refbot run` as a self-hoster sees it in the terminal while Slack cannot be reached: one
clear line per attempt (no traceback, no Bolt warning about an unused token), connects when
Slack is back, and stops cleanly on SIGTERM meanwhile. A database it cannot reach is one line
and exit code 2."""

import json
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from bot.ids import Command
from bot.slack_emulator import SlackEmulator
from bot.workspace import Workspace
from tests.conftest import EMPLOYEE, SIGNING_SECRET, TEAM
from tests.e2e.test_delivery_processes import worker_env
from tests.socket_mode_server import SocketModeServer
from tests.tcp_proxy import TcpProxy

UNREACHABLE = "cannot reach Slack"


class Terminal:
    """refbot's stderr, line by line, as it is written."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self._new: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._new.put(line.rstrip("\n"))
        self._new.put(None)

    def wait_for(self, wanted: Callable[[str], bool], timeout: float = 30) -> str:
        """The next line that `wanted` accepts (every line read is kept in `lines`)."""
        while True:
            line = self._new.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"refbot exited; it said: {self.lines}")
            self.lines.append(line)
            if wanted(line):
                return line

    def stop(self) -> int:
        """SIGTERM, then everything it said until it exited; its exit code."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        while (line := self._new.get(timeout=10)) is not None:
            self.lines.append(line)
        return code


@contextmanager
def refbot_run(env: dict[str, str]) -> Iterator[Terminal]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        yield Terminal(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def says(text: str) -> Callable[[str], bool]:
    return lambda line: line.startswith("{") and text in json.loads(line)["msg"]


def assert_told_plainly(lines: list[str]) -> None:
    """Every line is one JSON log line: no traceback, no slack_sdk retry chatter, no warning
    about a token Bolt would not use."""
    assert lines and all(line.startswith("{") for line in lines), lines
    messages = [json.loads(line)["msg"] for line in lines]
    assert not any("will be unused" in m for m in messages), messages
    assert not any(json.loads(line)["logger"].startswith("slack_sdk") for line in lines)


def test_run_says_in_one_line_per_try_that_slack_is_unreachable_then_connects_when_it_is_back(
    slack: SlackEmulator, migrated_url: str
) -> None:
    with SocketModeServer() as server, TcpProxy("127.0.0.1", _port(slack.url)) as slack_link:
        slack.socket_mode_url = server.url
        slack_link.cut()  # Slack's API is down (the WebSocket server itself is fine)
        env = {
            **worker_env(slack, migrated_url),
            "SLACK_API_URL": f"http://127.0.0.1:{slack_link.port}/api/",
            "SLACK_APP_TOKEN": slack.app_token,
        }
        with refbot_run(env) as terminal:
            first = terminal.wait_for(says(UNREACHABLE))
            second = terminal.wait_for(says(UNREACHABLE))
            slack_link.restore()
            terminal.wait_for(says("connected to Slack in Socket Mode"))
            workspace = Workspace(
                slack, server_url="http://unused", signing_secret=SIGNING_SECRET, team_id=TEAM
            )
            server.request("slash_commands", workspace.command_payload(EMPLOYEE, Command.REFBOT))
            assert slack.wait_for(lambda: slack.ephemerals(EMPLOYEE) != [], timeout=10)
            code = terminal.stop()

    assert json.loads(first)["msg"] == (
        f"cannot reach Slack at http://127.0.0.1:{slack_link.port}/api/ (Connection refused): "
        "trying again in 1 s"
    )
    assert json.loads(second)["msg"].endswith("trying again in 2 s")
    assert json.loads(first)["level"] == "warning"
    assert_told_plainly(terminal.lines)
    assert code == 0


def test_run_stops_cleanly_on_sigterm_while_slack_is_unreachable(
    slack: SlackEmulator, migrated_url: str
) -> None:
    env = {
        **worker_env(slack, migrated_url),
        "SLACK_API_URL": f"http://127.0.0.1:{closed_port()}/api/",
        "SLACK_APP_TOKEN": slack.app_token,
    }

    with refbot_run(env) as terminal:
        terminal.wait_for(says(UNREACHABLE))
        code = terminal.stop()

    assert code == 0
    assert_told_plainly(terminal.lines)
    assert not any("Traceback" in line for line in terminal.lines)


def test_run_says_in_one_line_that_the_database_cannot_be_reached(slack: SlackEmulator) -> None:
    port = closed_port()
    database = f"postgresql+psycopg://refbot:s3cret@127.0.0.1:{port}/refbot"
    env = {**worker_env(slack, database), "SLACK_APP_TOKEN": slack.app_token}

    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "refbot: DATABASE_URL: cannot connect to the database (connection failed: connection "
        f'to server at "127.0.0.1", port {port} failed: '
        "Connection refused)"
    ]
    assert "s3cret" not in run.stderr
