"""The foundation over real HTTP: verification, help, App Home, health and metrics."""

import json
import re
import time
from pathlib import Path

from bot.app import build
from bot.loopback import serving
from bot.outbox import text_notice
from bot.server import wsgi_app
from bot.slack_emulator import SlackEmulator
from bot.workspace import Workspace
from tests.conftest import (
    EMPLOYEE,
    FRENCH_EMPLOYEE,
    SIGNING_SECRET,
    Clock,
    Refbot,
    settings_for,
)


def test_forged_signature_is_refused(refbot: Refbot, slack: SlackEmulator) -> None:
    body = b"command=%2Frefbot&text=help&user_id=U0ALICE&team_id=T0001"
    before = len(slack.calls)  # refbot's own auth.test, as it started

    answer = refbot.post(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)

    assert answer.status == 401
    assert slack.calls[before:] == []


def test_stale_timestamp_is_refused(refbot: Refbot, slack: SlackEmulator) -> None:
    body = b"command=%2Frefbot&text=help&user_id=U0ALICE&team_id=T0001"
    before = len(slack.calls)

    answer = refbot.post(
        body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 301
    )

    assert answer.status == 401
    assert slack.calls[before:] == []


def test_help_lists_commands_ephemerally(refbot: Refbot, slack: SlackEmulator) -> None:
    answer = refbot.command(EMPLOYEE, "/refbot", "help")

    assert answer.status == 200
    assert slack.wait_for(lambda: slack.ephemerals(EMPLOYEE))
    reply = slack.ephemerals(EMPLOYEE)[-1]
    assert "/refbot help" in reply.plain_text()
    assert reply.ephemeral


def test_help_speaks_the_users_language(refbot: Refbot, slack: SlackEmulator) -> None:
    refbot.command(FRENCH_EMPLOYEE, "/refbot", "")

    assert slack.wait_for(lambda: slack.ephemerals(FRENCH_EMPLOYEE))
    assert "cette liste de commandes" in slack.ephemerals(FRENCH_EMPLOYEE)[-1].plain_text()


def test_unknown_subcommand_gets_friendly_usage(refbot: Refbot, slack: SlackEmulator) -> None:
    answer = refbot.command(EMPLOYEE, "/refbot", "frobnicate <!channel>")

    assert answer.status == 200
    assert slack.wait_for(lambda: slack.ephemerals(EMPLOYEE))
    text = slack.ephemerals(EMPLOYEE)[-1].plain_text()
    assert "I don't know `/refbot frobnicate`" in text
    assert "/refbot help" in text


def test_unknown_subcommand_text_is_escaped(refbot: Refbot, slack: SlackEmulator) -> None:
    # Typed literally, Slack escapes it: refbot reads back `<!channel>` and must escape it again.
    refbot.command(EMPLOYEE, "/refbot", "&lt;!channel&gt;")

    assert slack.wait_for(lambda: slack.ephemerals(EMPLOYEE))
    text = slack.ephemerals(EMPLOYEE)[-1].plain_text()
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text


def test_app_home_for_a_new_employee(refbot: Refbot, slack: SlackEmulator) -> None:
    answer = refbot.open_home(EMPLOYEE)

    assert answer.status == 200
    assert slack.wait_for(lambda: slack.home(EMPLOYEE) is not None)
    home = json.dumps(slack.home(EMPLOYEE))
    assert "Refer someone" in home
    assert "You haven't referred anyone yet" in home


def test_health_reports_database_and_scheduler(refbot: Refbot) -> None:
    answer = refbot.get("/healthz")

    assert answer.status == 200
    assert answer.json() == {
        "status": "ok",
        "database": "ok",
        "scheduler": {"running": False, "last_sweep_at": None, "stale": False},
    }


def test_health_fails_when_the_scheduler_has_not_swept_for_three_intervals(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    refbot.settings = refbot.settings.model_copy(update={"refbot_sweep_seconds": 1})
    refbot.restart()  # now with its scheduler, sweeping every second
    assert refbot.get("/healthz").status == 200
    slack.hang("chat.postMessage", 2)  # Slack stops answering: the sweep is stuck in a post
    with refbot.runtime.dispatcher.sessions.begin() as s:
        refbot.runtime.services.outbox.notice(
            s,
            team_id="T0001",
            recipient=EMPLOYEE,
            subject="t",
            dedupe_key="stuck",
            payload=text_notice("notices/reminder", text="hello"),
        )

    clock.travel(seconds=4)
    stuck = refbot.get("/healthz")

    assert stuck.status == 503
    assert stuck.json()["status"] == "error" and stuck.json()["scheduler"]["stale"] is True
    assert slack.wait_for(lambda: refbot.get("/healthz").status == 200, timeout=10)


def test_health_is_503_when_the_database_is_gone(slack: SlackEmulator, tmp_path: Path) -> None:
    gone = f"sqlite:///{tmp_path}/removed-volume/refbot.db"
    runtime = build(settings_for(slack, gone), scheduler=False)

    with serving(wsgi_app(runtime)) as url:
        answer = Workspace(slack, server_url=url, signing_secret=SIGNING_SECRET).get("/healthz")

    runtime.close()
    assert answer.status == 503
    assert answer.json()["status"] == "error"
    assert answer.json()["database"] == "unreachable"


def sample(text: str, name: str, **labels: str) -> float:
    """A sample's value in Prometheus text (0 when absent); labels in the exposition's order."""
    rendered = ",".join(f'{k}="{v}"' for k, v in labels.items())
    found = re.search(rf"^{re.escape(name)}{{{re.escape(rendered)}}} (\S+)$", text, re.M)
    return float(found[1]) if found else 0.0


def test_metrics_count_slack_requests_by_listener_and_time_the_ack(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    before = refbot.get("/metrics").body
    help_ok = {"listener": "/refbot help", "outcome": "ok"}
    acks = {"le": "+Inf", "listener": "/refbot help"}

    refbot.command(EMPLOYEE, "/refbot", "help")
    refbot.open_home(EMPLOYEE)
    text = refbot.get("/metrics").body

    counted = "refbot_slack_requests_total"
    assert sample(text, counted, **help_ok) == sample(before, counted, **help_ok) + 1
    home = {"listener": "app_home_opened", "outcome": "ok"}
    assert sample(text, counted, **home) == sample(before, counted, **home) + 1
    timed = "refbot_slack_ack_seconds_bucket"
    assert sample(text, timed, **acks) == sample(before, timed, **acks) + 1
    assert 'refbot_http_requests_total{method="POST",path="/slack/events",status="200"}' in text


def test_metrics_expose_the_delivery_engine(refbot: Refbot, slack: SlackEmulator) -> None:
    runtime = refbot.runtime
    with runtime.dispatcher.sessions.begin() as s:
        runtime.services.outbox.notice(
            s,
            team_id="T0001",
            recipient=EMPLOYEE,
            subject="t",
            dedupe_key="metrics",
            payload=text_notice("notices/reminder", text="hello"),
        )
    assert slack.wait_for(lambda: slack.dms(EMPLOYEE) != [])
    refbot.sweep()

    text = refbot.get("/metrics").body

    assert 'refbot_deliveries_sent_total{kind="notice"}' in text
    assert "refbot_delivery_queue_depth 0.0" in text
    assert "refbot_delivery_send_seconds_count" in text
    assert "refbot_delivery_oldest_due_seconds" in text
