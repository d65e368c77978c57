"""Whose data is it: roles by id, recruiters per workspace, Slack Connect partners outside,
Enterprise Grid payloads without a team."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import load_settings
from bot.errors import ConfigError
from bot.services.referrals import ReferralForm
from bot.slack_emulator import SlackEmulator
from storage.models import Candidate, Member
from tests.conftest import (
    EMPLOYEE,
    RECRUITER,
    TEAM,
    Clock,
    Refbot,
    oauth_settings_for,
)
from tests.e2e.test_decisions import MANAGER, referred, role, status
from tests.e2e.test_referral import cards, open_referral
from tests.e2e.test_search import find
from tests.e2e.test_workspaces import EMPLOYEE_B, RECRUITER_B, SECRET_KEY, TEAM_B, install, team_b
from tests.e2e.test_workspaces import refer as refer_in

PARTNER_TEAM = "T0PARTNER"
PARTNER = "U0PAT"  # a user of a Slack Connect partner organisation
OUTSIDE = "only works for people of the workspace it is installed in"


def candidates_stored(refbot: Refbot) -> list[tuple[str, str]]:
    with refbot.runtime.dispatcher.sessions() as s:
        return [(c.team_id, c.name) for c in s.scalars(select(Candidate))]


# -- roles are told apart by id, never by title ------------------------------------------------


def test_hiring_manager_finds_only_candidates_of_their_role_not_of_a_namesake(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    payments = role(refbot, "Software Engineer", manager=MANAGER)
    security = role(refbot, "Software Engineer", manager="U0SECRETHM")  # confidential
    svc = refbot.runtime.services
    for name, email, role_id in (
        ("Pat Payments", "pat@example.com", payments),
        ("Sam Security", "sam@example.com", security),
    ):
        svc.referrals.refer(
            team_id=TEAM,
            referrer_id=EMPLOYEE,
            form=ReferralForm(name=name, email=email, note="engineer", role=role_id),
        )

    answer = find(refbot, MANAGER, "engineer")

    assert "Pat Payments" in answer
    assert "Sam Security" not in answer


# -- REFBOT_RECRUITERS: each workspace's roles are its own --------------------------------------


def test_plain_recruiter_ids_in_oauth_mode_stop_the_start_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    for name, value in {
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_CLIENT_ID": "1.2",
        "SLACK_CLIENT_SECRET": "c",
        "REFBOT_SECRET_KEY": SECRET_KEY,
        "REFBOT_RECRUITERS": "U0RITA",
    }.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError) as refused:
        load_settings()
    monkeypatch.setenv("REFBOT_RECRUITERS", "T0001:U0RITA, T0002:U0BRUNO")
    settings = load_settings()
    monkeypatch.setenv("REFBOT_RECRUITERS", "T0001:")
    with pytest.raises(ConfigError) as malformed:
        load_settings()

    assert str(refused.value).startswith("REFBOT_RECRUITERS:")
    assert "TEAM:USER" in str(refused.value)
    assert settings.refbot_recruiters == ("T0001:U0RITA", "T0002:U0BRUNO")
    assert str(malformed.value).startswith("REFBOT_RECRUITERS:")


@pytest.fixture
def oauth_refbot(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[Refbot]:
    """Multi-workspace refbot with Rita configured as recruiter of workspace A only."""
    settings = oauth_settings_for(slack, migrated_url, refbot_recruiters=(f"{TEAM}:{RECRUITER}",))
    slack.revoke(TEAM)
    slack.add_user(EMPLOYEE_B, name="bob", real_name="Bob Stone", team_id=TEAM_B)
    slack.add_user(RECRUITER_B, name="bruno", real_name="Bruno Diaz", team_id=TEAM_B)
    running = Refbot(settings, slack)
    yield running
    running.close()


def test_configured_recruiter_of_one_workspace_gets_nothing_and_no_role_in_another(
    oauth_refbot: Refbot, slack: SlackEmulator
) -> None:
    install(oauth_refbot, TEAM, EMPLOYEE)  # someone else installs: Rita's role is configured
    install(oauth_refbot, TEAM_B, RECRUITER_B)
    b = team_b(oauth_refbot)

    refer_in(oauth_refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com")
    refer_in(b, EMPLOYEE_B, name="Grace Hopper", email="grace@example.com")
    assert slack.wait_for(lambda: len(cards(slack, RECRUITER_B)) == 1)
    assert slack.wait_for(lambda: len(cards(slack, RECRUITER)) == 1)
    oauth_refbot.sweep()
    # Enterprise Grid: one user id across the org's workspaces. Rita acts in workspace B.
    b.command(RECRUITER, "/refbot", "find grace")
    assert slack.wait_for(lambda: slack.ephemerals(RECRUITER) != [])

    seen_by_rita = " ".join(m.plain_text() for m in slack.dms(RECRUITER))
    assert "Ada Lovelace" in seen_by_rita and "Grace" not in seen_by_rita
    assert "Grace Hopper" not in slack.ephemerals(RECRUITER)[-1].plain_text()
    with oauth_refbot.runtime.dispatcher.sessions() as s:
        roles = {
            m.team_id: (m.is_recruiter, m.is_admin)
            for m in s.scalars(select(Member).where(Member.user_id == RECRUITER))
        }
    assert roles.get(TEAM) == (True, True)
    assert roles.get(TEAM_B, (False, False)) == (False, False)


# -- Slack Connect: the installing workspace, and nothing for outsiders ------------------------


def partner_submission(refbot: Refbot, **values: str) -> dict:
    """A partner's user submits the referral modal from a Slack Connect channel: Slack puts
    their own organisation in `team` and `user.team_id`, the installing one in the view."""
    open_referral(refbot, EMPLOYEE)  # the same modal refbot would have opened
    payload = refbot.submission_payload(EMPLOYEE, "referral_submit", **values)
    payload["team"] = {"id": PARTNER_TEAM, "domain": "partner"}
    payload["user"] = {"id": PARTNER, "team_id": PARTNER_TEAM}
    payload["view"] = {**payload["view"], "team_id": PARTNER_TEAM, "app_installed_team_id": TEAM}
    return payload


def test_slack_connect_partner_referral_is_refused_politely_and_stored_nowhere(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    payload = partner_submission(refbot, name="Ada Lovelace", email="ada@example.com")

    answer = refbot.post_payload(payload)
    refbot.sweep()

    assert answer.status == 200
    assert answer.json()["response_action"] == "update"
    assert OUTSIDE in json.dumps(answer.json()["view"])
    assert candidates_stored(refbot) == []
    assert cards(slack) == []


def test_slack_connect_partner_click_on_a_card_is_refused_politely(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)
    payload = refbot.click_payload(PARTNER, "candidate_archive", on=cards(slack)[0])
    # In a channel shared with the installing workspace: Slack may name either team.
    for team in (PARTNER_TEAM, TEAM):
        payload = {
            **payload,
            "team": {"id": team},
            "user": {"id": PARTNER, "team_id": PARTNER_TEAM},
        }
        payload["trigger_id"] = slack.trigger_id(PARTNER)

        assert refbot.post_payload(payload).status == 200

    assert slack.wait_for(lambda: len(slack.ephemerals(PARTNER)) == 2)
    assert all(OUTSIDE in m.plain_text() for m in slack.ephemerals(PARTNER))
    assert status(refbot) == "new"


def test_slack_connect_partner_commands_reach_no_candidate_data(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)
    refbot.sweep()  # the referrer's receipt goes out now, not during the partner's commands
    fields = refbot.command_payload(PARTNER, "/refbot", "find ada")
    fields["team_id"] = PARTNER_TEAM
    calls = len(slack.calls)

    answer = refbot.post_form(fields)
    refer = refbot.post_form({**fields, "command": "/refer", "text": "", "trigger_id": "2.x"})

    assert answer.status == 200 and OUTSIDE in answer.body
    assert refer.status == 200 and OUTSIDE in refer.body
    assert "Lovelace" not in answer.body
    assert slack.calls[calls:] == [], "no modal, no lookup: nothing reached Slack"


def as_partner(payload: dict) -> dict:
    """An interactive payload as a partner's user sends it from a Slack Connect channel."""
    return {**payload, "team": {"id": TEAM}, "user": {"id": PARTNER, "team_id": PARTNER_TEAM}}


def test_slack_connect_partner_shortcut_opens_only_the_polite_no(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    payload = as_partner(refbot.shortcut_payload(PARTNER, "refer"))

    assert refbot.post_payload(payload).status == 200

    assert slack.wait_for(lambda: len(slack.open_views(PARTNER)) == 1)
    opened = json.dumps(slack.open_views(PARTNER)[0])
    assert OUTSIDE in opened and "referral_submit" not in opened


def test_slack_connect_partner_click_in_a_modal_is_answered_in_a_modal(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    payload = as_partner(
        {
            "type": "block_actions",
            "trigger_id": slack.trigger_id(PARTNER),
            "view": {"id": "V0PARTNER", "type": "modal", "callback_id": "referral_submit"},
            "actions": [{"action_id": "candidate_archive", "value": "1", "type": "button"}],
        }
    )

    assert refbot.post_payload(payload).status == 200

    assert slack.wait_for(lambda: bool(slack.calls_to("views.push")))
    assert OUTSIDE in json.dumps(slack.calls_to("views.push")[0].args)


def test_slack_connect_partner_home_tab_and_closed_modal_reach_nothing(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    home = refbot.event_payload({**refbot.home_opened_event(PARTNER), "user_team": PARTNER_TEAM})
    closed = {**partner_submission(refbot, name="Ada Lovelace"), "type": "view_closed"}
    calls = len(slack.calls)

    assert refbot.post(json.dumps(home).encode(), "application/json").status == 200
    assert refbot.post_payload(closed).status == 200
    refbot.sweep()

    assert slack.home(PARTNER) is None
    assert slack.calls[calls:] == [], "no Home tab, no lookup: nothing reached Slack"


# -- Enterprise Grid: org-wide installs send `team: null` ---------------------------------------


def test_org_wide_install_click_with_team_null_acts_in_the_users_workspace(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)
    payload = refbot.click_payload(RECRUITER, "candidate_archive", on=cards(slack)[0])
    payload.update(team=None, enterprise={"id": "E0ACME"}, is_enterprise_install=True)
    payload["user"] = {"id": RECRUITER, "team_id": TEAM}

    answer = refbot.post_payload(payload)

    assert answer.status == 200
    assert slack.wait_for(lambda: status(refbot) == "archived")
    assert not any("went wrong" in m.plain_text() for m in slack.ephemerals(RECRUITER))


def test_org_wide_install_submission_with_team_null_is_stored_in_the_users_workspace(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    open_referral(refbot, EMPLOYEE)
    payload = refbot.submission_payload(
        EMPLOYEE, "referral_submit", name="Ada Lovelace", email="ada@example.com"
    )
    payload.update(team=None, enterprise={"id": "E0ACME"}, is_enterprise_install=True)
    payload["view"] = {**payload["view"], "team_id": TEAM}

    answer = refbot.post_payload(payload)

    assert answer.status == 200 and answer.json()["response_action"] == "update"
    assert slack.wait_for(lambda: candidates_stored(refbot) == [(TEAM, "Ada Lovelace")])
    with refbot.runtime.dispatcher.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Candidate)) == 1
