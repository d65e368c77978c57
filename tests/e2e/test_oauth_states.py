"""Unauthenticated requests cannot grow refbot's state: what anyone on the internet can reach
(the install page, any path, any method) leaves bounded traces behind."""

import http.client
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select

from bot.slack_emulator import SlackEmulator
from storage.installations import SLACK_METADATA, ExpiringStateStore
from tests.conftest import RECRUITER, TEAM, Clock, Refbot
from tests.e2e import test_workspaces

refbot = test_workspaces.refbot  # refbot in multi-workspace OAuth mode

States = SLACK_METADATA.tables["slack_oauth_states"]


def states(refbot: Refbot) -> int:
    with refbot.runtime.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(States)) or 0


def oauth_states(refbot: Refbot) -> ExpiringStateStore:
    flow = refbot.runtime.bolt.oauth_flow
    assert flow is not None and isinstance(flow.settings.state_store, ExpiringStateStore)
    return flow.settings.state_store


def raw_request(refbot: Refbot, method: str, path: str) -> int:
    url = urllib.parse.urlsplit(refbot.server_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        connection.request(method, path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_install_page_visits_leave_no_oauth_state_behind_once_expired(
    refbot: Refbot, clock: Clock
) -> None:
    for _ in range(5):
        assert refbot.get("/slack/install").status == 200
    assert states(refbot) == 5

    clock.travel(minutes=11)  # every one of them expired unused
    refbot.get("/slack/install")

    assert states(refbot) == 1  # the new visit's own state only
    clock.travel(minutes=11)
    assert oauth_states(refbot).purge() == 1  # what the daily job does
    assert states(refbot) == 0


def test_an_install_started_more_than_ten_minutes_ago_must_start_over(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    state = re.search(r"state=([\w-]+)", refbot.get("/slack/install").body)
    assert state
    code = slack.approve_install(TEAM, RECRUITER)

    clock.travel(minutes=11)
    late = urllib.request.Request(
        f"{refbot.server_url}/slack/oauth_redirect?code={code}&state={state[1]}",
        headers={"Cookie": f"slack-app-oauth-state={state[1]}"},
    )

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(late, timeout=10)
    assert refused.value.code == 401  # Bolt: invalid_state
    assert slack.calls_to("oauth.v2.access") == []  # the code was never exchanged


def test_metrics_label_only_known_methods_and_paths(refbot: Refbot) -> None:
    for n in range(20):
        raw_request(refbot, f"BREW{n}", f"/coffee/{n}")

    text = refbot.get("/metrics").body

    assert "BREW" not in text and "/coffee" not in text
    assert 'method="other",path="other",status="404"' in text
