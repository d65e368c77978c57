"""Multi-workspace OAuth: installs through Bolt's flow, tokens per team, no data across teams."""

import re
import urllib.request
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.slack_emulator import SlackEmulator
from bot.workspace import Workspace
from storage.installations import SLACK_METADATA
from storage.models import Delivery, Member
from storage.types import DeliveryKind, DeliveryStatus
from tests.conftest import (
    EMPLOYEE,
    OAUTH_SECRET_KEY,
    RECRUITER,
    SIGNING_SECRET,
    TEAM,
    Clock,
    Refbot,
    oauth_settings_for,
)
from tests.e2e.test_referral import cards, refer

TEAM_B = "T0002"
EMPLOYEE_B = "U0BOB"
RECRUITER_B = "U0BRUNO"
Installed = SLACK_METADATA.tables["slack_bots"]
SECRET_KEY = OAUTH_SECRET_KEY


@pytest.fixture
def refbot(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[Refbot]:
    """refbot in multi-workspace mode: no bot token, installations in its database."""
    settings = oauth_settings_for(slack, migrated_url)
    slack.revoke(TEAM)  # the emulator's default token: this team has to install refbot first
    slack.add_user(EMPLOYEE_B, name="bob", real_name="Bob Stone", team_id=TEAM_B)
    slack.add_user(RECRUITER_B, name="bruno", real_name="Bruno Diaz", team_id=TEAM_B)
    running = Refbot(settings, slack)
    yield running
    running.close()


def install(refbot: Refbot, team_id: str, installer: str) -> str:
    """The installer opens /slack/install, approves on Slack, and lands on the redirect URL."""
    page = refbot.get("/slack/install")
    assert page.status == 200
    state = re.search(r"state=([\w-]+)", page.body)
    assert state, page.body
    code = refbot.slack.approve_install(team_id, installer)
    request = urllib.request.Request(
        f"{refbot.server_url}/slack/oauth_redirect?code={code}&state={state[1]}",
        headers={"Cookie": f"slack-app-oauth-state={state[1]}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
        return answer.read().decode()


def team_b(refbot: Refbot) -> Workspace:
    return Workspace(
        refbot.slack, server_url=refbot.server_url, signing_secret=SIGNING_SECRET, team_id=TEAM_B
    )


def snooze(workspace: Workspace, recruiter: str, **fields: str) -> None:
    workspace.click(recruiter, "candidate_snooze")
    slack = workspace.slack
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "snooze_submit" for v in slack.open_views(recruiter))
    )
    assert workspace.submit(recruiter, "snooze_submit", **fields).status == 200


def dm_tokens(slack: SlackEmulator, user_id: str) -> set[str | None]:
    channel = slack.dm_channel(user_id)
    return {c.token for c in slack.calls_to("chat.postMessage") if c.args["channel"] == channel}


def test_two_workspaces_never_see_each_others_candidates(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    assert "Thank you" in install(refbot, TEAM, RECRUITER)
    install(refbot, TEAM_B, RECRUITER_B)
    b = team_b(refbot)

    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com")
    refer(b, EMPLOYEE_B, name="Grace Hopper", email="grace@example.com")
    slack.close_views(EMPLOYEE_B)  # Bob closes the "thanks" modal
    # The same person in both workspaces is new to each: dedupe never looks across teams.
    refer(b, EMPLOYEE_B, name="Ada L.", email="ada@example.com")

    assert slack.wait_for(lambda: len(cards(slack, RECRUITER)) == 1)
    assert slack.wait_for(lambda: len(cards(slack, RECRUITER_B)) == 2)
    assert "Ada Lovelace" in cards(slack, RECRUITER)[0].plain_text()
    seen_by_a = " ".join(m.plain_text() for m in slack.dms(RECRUITER))
    assert "Grace" not in seen_by_a and "Ada L." not in seen_by_a
    # Each workspace's messages go out with its own bot token.
    assert dm_tokens(slack, RECRUITER) == {slack.token_of(TEAM)}
    assert dm_tokens(slack, RECRUITER_B) == {slack.token_of(TEAM_B)}
    assert slack.token_of(TEAM) != slack.token_of(TEAM_B)

    # Rediscovery finds only the searcher's own workspace.
    refbot.command(RECRUITER, "/refbot", "find grace")
    b.command(RECRUITER_B, "/refbot", "find grace")
    assert slack.wait_for(lambda: slack.ephemerals(RECRUITER) and slack.ephemerals(RECRUITER_B))
    assert "Grace Hopper" not in slack.ephemerals(RECRUITER)[-1].plain_text()
    assert "Grace Hopper" in slack.ephemerals(RECRUITER_B)[-1].plain_text()

    # A snooze in team B comes back to B's recruiter only.
    snooze(b, RECRUITER_B, until="1m", note="after her launch")
    clock.travel(days=32)
    refbot.sweep()
    reminders = [m for m in slack.dms(RECRUITER_B) if "Snooze over" in m.plain_text()]
    assert len(reminders) == 1 and "after her launch" in reminders[0].plain_text()
    assert not any("Snooze over" in m.plain_text() for m in slack.dms(RECRUITER))


def test_installer_runs_refbot_in_their_workspace(refbot: Refbot, slack: SlackEmulator) -> None:
    install(refbot, TEAM_B, RECRUITER_B)

    with refbot.runtime.dispatcher.sessions() as s:
        member = s.scalars(select(Member).where(Member.user_id == RECRUITER_B)).one()
    assert (member.team_id, member.is_admin, member.is_recruiter) == (TEAM_B, True, True)


def test_a_request_from_a_workspace_that_never_installed_is_refused_politely(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    install(refbot, TEAM, RECRUITER)

    answer = team_b(refbot).command(EMPLOYEE_B, "/refer", "")

    assert answer.status == 200
    assert slack.wait_for(lambda: slack.ephemerals(EMPLOYEE_B))
    assert "install refbot again" in slack.ephemerals(EMPLOYEE_B)[-1].plain_text()
    assert not slack.open_views(EMPLOYEE_B)


@pytest.mark.parametrize("how", ["app_uninstalled", "tokens_revoked"])
def test_an_uninstalled_workspace_keeps_its_reminders_until_reinstalled(
    refbot: Refbot, slack: SlackEmulator, clock: Clock, how: str
) -> None:
    install(refbot, TEAM, RECRUITER)
    install(refbot, TEAM_B, RECRUITER_B)
    b = team_b(refbot)
    refer(b, EMPLOYEE_B, name="Grace Hopper", email="grace@example.com")
    assert slack.wait_for(lambda: len(cards(slack, RECRUITER_B)) == 1)
    snooze(b, RECRUITER_B, until="1m", note="after her launch")
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com")
    assert slack.wait_for(lambda: len(cards(slack, RECRUITER)) == 1)

    slack.revoke(TEAM_B)
    event = (
        {"type": "app_uninstalled"}
        if how == "app_uninstalled"
        else {"type": "tokens_revoked", "tokens": {"bot": [slack.bot_user_id]}}
    )
    assert b.event(event).status == 200
    clock.travel(days=32)  # the snooze comes due while refbot is not installed
    posts_before = len(slack.calls_to("chat.postMessage"))
    refbot.sweep()
    kept = snooze_end_of(refbot, TEAM_B)
    waiting = refbot.get("/metrics").body
    to_b = slack.dm_channel(RECRUITER_B)
    tried = [
        c for c in slack.calls_to("chat.postMessage")[posts_before:] if c.args["channel"] == to_b
    ]
    slack.close_views(EMPLOYEE)
    refer(refbot, EMPLOYEE, name="Linus T.", email="linus@example.com")
    assert slack.wait_for(lambda: any("Linus" in m.text for m in cards(slack, RECRUITER)))
    # Nothing left in flight: on SQLite, slack_sdk's OAuth state store reads then deletes in a
    # deferred transaction, which fails (invalid_state) if another writer commits in between.
    refbot.sweep()
    clock.travel(days=1)
    install(refbot, TEAM_B, RECRUITER_B)  # a day later, B installs refbot again
    refbot.sweep()

    assert (kept.status, kept.attempts) == (DeliveryStatus.PENDING, 0)  # kept, not cancelled
    assert tried == []  # not even tried without a token
    assert re.search(r"^refbot_deliveries_waiting_for_install [1-9]", waiting, re.M)
    with refbot.runtime.dispatcher.sessions() as s:
        tokens = s.execute(select(Installed.c.bot_token).where(Installed.c.team_id == TEAM_B))
        assert len(tokens.all()) == 1  # deleted with the uninstall, then the new one
    ended = [m.plain_text() for m in slack.dms(RECRUITER_B) if "Snooze over" in m.text]
    assert len(ended) == 1 and "after her launch" in ended[0] and "ago" in ended[0]  # late
    assert dm_tokens(slack, RECRUITER_B) >= {slack.token_of(TEAM_B)}
    assert slack.wait_for(
        lambda: any("reach this workspace" in m.text for m in slack.dms(RECRUITER_B))
    )


def snooze_end_of(refbot: Refbot, team_id: str) -> Delivery:
    with refbot.runtime.dispatcher.sessions() as s:
        return s.scalars(
            select(Delivery).where(
                Delivery.team_id == team_id, Delivery.kind == DeliveryKind.SNOOZE_END
            )
        ).one()


def test_a_plain_member_who_reinstalls_gains_no_role(refbot: Refbot, slack: SlackEmulator) -> None:
    install(refbot, TEAM_B, RECRUITER_B)
    first_token = slack.token_of(TEAM_B)

    install(refbot, TEAM_B, EMPLOYEE_B)  # a plain member reinstalls (new scopes, say)
    team_b(refbot).command(EMPLOYEE_B, "/refbot", "forget grace@example.com")

    with refbot.runtime.dispatcher.sessions() as s:
        members = s.scalars(select(Member).where(Member.team_id == TEAM_B)).all()
        roles = {m.user_id: (m.is_admin, m.is_recruiter) for m in members}
    assert roles.get(EMPLOYEE_B, (False, False)) == (False, False)
    assert roles[RECRUITER_B] == (True, True)
    assert slack.wait_for(lambda: slack.ephemerals(EMPLOYEE_B) != [])
    assert "not allowed" in slack.ephemerals(EMPLOYEE_B)[-1].plain_text()
    assert slack.token_of(TEAM_B) != first_token  # the reinstall changed the token, only that
