"""`refbot run`: the HTTP mode's listeners over Socket Mode, against a local WebSocket server
that speaks Slack's envelope protocol, on both databases."""

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from sqlalchemy import select

from bot.app import Runtime, build
from bot.errors import ConfigError
from bot.ids import Command, Shortcut, View
from bot.slack_emulator import SlackEmulator
from bot.socket_mode import connect
from bot.workspace import Workspace
from storage.models import Candidate
from tests.conftest import EMPLOYEE, RECRUITER, SIGNING_SECRET, TEAM, Clock, settings_for
from tests.e2e.test_delivery_processes import worker_env
from tests.socket_mode_server import SocketModeServer

# Short pings make the client notice a closed socket (and reconnect) within a second.
PING_SECONDS = 1.0


class SocketRefbot:
    """refbot connected in Socket Mode, and Slack's side: envelopes built by Workspace."""

    def __init__(self, slack: SlackEmulator, server: SocketModeServer, database_url: str) -> None:
        self.slack, self.server = slack, server
        settings = settings_for(slack, database_url).model_copy(
            update={"slack_app_token": slack.app_token}
        )
        self.runtime: Runtime = build(settings, scheduler=False)
        # Builds payloads only: nothing here goes over HTTP.
        self.workspace = Workspace(
            slack, server_url="http://unused", signing_secret=SIGNING_SECRET, team_id=TEAM
        )
        self.handler: SocketModeHandler = connect(
            self.runtime, slack.app_token, ping_interval=PING_SECONDS
        )

    def command(self, user_id: str, command: str, text: str = "") -> dict:
        payload = self.workspace.command_payload(user_id, command, text)
        return self.server.request("slash_commands", payload)

    def submit(self, user_id: str, callback_id: str, **values: str) -> dict:
        """Submit the open modal; Slack applies the ack's response_action to it."""
        payload = self.workspace.submission_payload(user_id, callback_id, **values)
        answer = self.server.request("interactive", payload)
        self.slack.apply_response_action(user_id, payload["view"]["id"], answer)
        return answer

    def close(self) -> None:
        self.handler.close()
        self.runtime.close()


@pytest.fixture
def refbot(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[SocketRefbot]:
    with SocketModeServer() as server:
        slack.socket_mode_url = server.url
        running = SocketRefbot(slack, server, migrated_url)
        yield running
        running.close()


def helped(slack: SlackEmulator, user_id: str) -> bool:
    return any("/refbot help" in m.plain_text() for m in slack.ephemerals(user_id))


def test_help_arrives_by_response_url_then_in_the_ack(
    refbot: SocketRefbot, slack: SlackEmulator
) -> None:
    first = refbot.command(EMPLOYEE, Command.REFBOT, "help")
    assert slack.wait_for(lambda: helped(slack, EMPLOYEE))
    second = refbot.command(EMPLOYEE, Command.REFBOT, "help")

    assert first == {}  # a new user's language is unknown: a bare ack, the reply comes after
    assert "/refbot help" in second["text"]  # now known: the help is the ack's payload


def test_refer_shortcut_and_submission_reach_the_recruiter(
    refbot: SocketRefbot, slack: SlackEmulator
) -> None:
    shortcut = refbot.workspace.shortcut_payload(EMPLOYEE, Shortcut.REFER)
    ack = refbot.server.request("interactive", shortcut, accepts_response_payload=False)
    assert slack.wait_for(
        lambda: any(v["callback_id"] == View.REFERRAL for v in slack.open_views(EMPLOYEE))
    )
    answer = refbot.submit(
        EMPLOYEE,
        View.REFERRAL,
        name="Ada Lovelace",
        email="ada@example.com",
        relationship="worked_together",
        strength="strong",
        candidate_knows="yes",
        note="Brilliant engineer",
    )
    refbot.runtime.sweep()

    assert ack == {}
    assert slack.calls_to("views.open")[-1].args["view"]["callback_id"] == View.REFERRAL
    assert answer["response_action"] == "update" and "Saving" in json.dumps(answer["view"])
    assert slack.wait_for(lambda: "Thanks" in json.dumps(slack.open_views(EMPLOYEE)))
    with refbot.runtime.dispatcher.sessions() as s:
        assert s.scalars(select(Candidate.name)).all() == ["Ada Lovelace"]
    assert slack.wait_for(
        lambda: any(
            "Ada Lovelace" in m.plain_text() and m.has_button("candidate_snooze")
            for m in slack.dms(RECRUITER)
        )
    )


def test_app_home_opened_publishes_the_home_tab(refbot: SocketRefbot, slack: SlackEmulator) -> None:
    event = refbot.workspace.event_payload(refbot.workspace.home_opened_event(EMPLOYEE))

    ack = refbot.server.request("events_api", event, accepts_response_payload=False)

    assert ack == {}
    assert slack.wait_for(lambda: slack.home(EMPLOYEE) is not None)
    assert [c.args["user_id"] for c in slack.calls_to("views.publish")] == [EMPLOYEE]
    assert "Refer someone" in json.dumps(slack.home(EMPLOYEE))


def test_a_redelivered_event_is_handled_once(refbot: SocketRefbot, slack: SlackEmulator) -> None:
    event = refbot.workspace.event_payload(refbot.workspace.home_opened_event(EMPLOYEE))

    first = refbot.server.request("events_api", event, accepts_response_payload=False)
    assert slack.wait_for(lambda: slack.home(EMPLOYEE) is not None)
    again = refbot.server.request(
        "events_api", event, accepts_response_payload=False, retry_attempt=1
    )

    assert first == again == {}
    # The duplicate is dropped before any listener runs, so its ack means it is done.
    assert len(slack.calls_to("views.publish")) == 1


@pytest.mark.parametrize("how", ["socket dropped", "refresh requested"])
def test_reconnects_and_keeps_answering(
    refbot: SocketRefbot, slack: SlackEmulator, how: str
) -> None:
    assert refbot.server.wait_for_connections(1)

    if how == "socket dropped":
        refbot.server.drop()
    else:
        refbot.server.disconnect("refresh_requested")
    assert refbot.server.wait_for_connections(2)
    refbot.command(EMPLOYEE, Command.REFBOT, "help")

    assert slack.wait_for(lambda: helped(slack, EMPLOYEE))
    assert len(slack.calls_to("apps.connections.open")) == 2
    assert refbot.server.connections == 2


def test_a_refused_app_token_stops_with_one_clear_line(
    slack: SlackEmulator, tmp_path: Path
) -> None:
    runtime = build(settings_for(slack, f"sqlite:///{tmp_path}/refbot.db"), scheduler=False)

    with pytest.raises(ConfigError, match=r"^SLACK_APP_TOKEN: Slack refused it \(invalid_auth\)"):
        connect(runtime, "xapp-not-this-one")

    runtime.close()
    # Asked once, not again and again (beside it, the bot token's own auth.test).
    assert [c.method for c in slack.calls if c.method != "auth.test"] == ["apps.connections.open"]


def test_refbot_run_answers_over_socket_mode_and_stops_on_sigterm(
    slack: SlackEmulator, migrated_url: str
) -> None:
    with SocketModeServer() as server:
        slack.socket_mode_url = server.url
        env = {
            **worker_env(slack, migrated_url),
            "SLACK_APP_TOKEN": slack.app_token,
            "REFBOT_RECRUITERS": RECRUITER,
        }
        run = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"], env=env, stderr=subprocess.PIPE, text=True
        )
        try:
            assert server.wait_for_connections(1, timeout=30)
            workspace = Workspace(
                slack, server_url="http://unused", signing_secret=SIGNING_SECRET, team_id=TEAM
            )
            payload = workspace.command_payload(EMPLOYEE, Command.REFBOT, "help")
            server.request("slash_commands", payload)
            assert slack.wait_for(lambda: helped(slack, EMPLOYEE), timeout=10)
        finally:
            run.send_signal(signal.SIGTERM)
            _, logged = run.communicate(timeout=30)

    assert run.returncode == 0
    assert any(
        json.loads(line)["msg"] == "connected to Slack in Socket Mode"
        for line in logged.splitlines()
        if line.startswith("{")
    )
