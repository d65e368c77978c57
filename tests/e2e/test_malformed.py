"""Signed but malformed requests: a 400 and one log line, never a 500 page or a traceback."""

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Refbot
from tests.e2e.test_decisions import referred
from tests.e2e.test_referral import cards


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO)
    yield caplog


def interactive(kind: str, **fields: Any) -> dict[str, Any]:
    """An interactivity payload as Slack shapes it, to be broken by the test."""
    return {
        "type": kind,
        "team": {"id": TEAM},
        "user": {"id": RECRUITER, "team_id": TEAM},
        "api_app_id": "AREFBOT",
        "trigger_id": f"1.{RECRUITER}.abc",
        **fields,
    }


def refused_quietly(
    answer: Any, logged: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    assert answer.status == 400, answer.body
    assert "<html" not in answer.body.lower()
    lines = [r for r in logged.records if "malformed" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
    assert all(r.exc_info is None for r in logged.records), "a traceback was logged"
    assert "Traceback" not in capfd.readouterr().err
    logged.clear()


@pytest.mark.parametrize(
    "payload",
    ["[1, 2]", '"text"', "42", "null", "{not json"],
    ids=["list", "string", "number", "null", "not-json"],
)
def test_signed_payload_that_is_not_a_json_object_answers_400_not_a_500_page(
    refbot: Refbot,
    logged: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    payload: str,
) -> None:
    answer = refbot.post_form({"payload": payload})

    refused_quietly(answer, logged, capfd)


def test_signed_event_body_that_is_a_json_list_answers_400(
    refbot: Refbot, logged: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    answer = refbot.post(b'[{"type": "event_callback"}]', "application/json")

    refused_quietly(answer, logged, capfd)


def test_unsigned_malformed_payload_is_still_refused_as_unsigned(refbot: Refbot) -> None:
    answer = refbot.post_form({"payload": "[1, 2]"}, signature="v0=" + "0" * 64)

    assert answer.status == 401


def test_click_with_an_empty_actions_list_answers_400(
    refbot: Refbot,
    slack: SlackEmulator,
    logged: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    referred(refbot, slack)

    empty = refbot.post_payload(interactive("block_actions", actions=[], container={}))
    refused_quietly(empty, logged, capfd)
    strings = refbot.post_payload(interactive("block_actions", actions=["archive"]))

    refused_quietly(strings, logged, capfd)
    assert cards(slack) != [], "nothing happened to the candidate"


@pytest.mark.parametrize(
    "view",
    [
        None,
        "a string",
        {"id": "V1", "type": "modal", "callback_id": "snooze_submit", "state": {"values": {}}},
        {"id": "V1", "callback_id": "snooze_submit", "private_metadata": "", "state": {}},
        {
            "id": "V1",
            "type": "modal",
            "callback_id": "snooze_submit",
            "private_metadata": "c1",
            "state": {"values": {"until": ["6m"]}},
        },
    ],
    ids=["no-view", "view-not-an-object", "no-private-metadata", "no-view-type", "bad-state"],
)
def test_submission_missing_what_slack_always_sends_answers_400(
    refbot: Refbot,
    logged: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    view: Any,
) -> None:
    payload = interactive("view_submission")
    if view is not None:
        payload["view"] = view

    answer = refbot.post_payload(payload)

    refused_quietly(answer, logged, capfd)


def test_command_without_a_user_answers_400(
    refbot: Refbot, logged: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    fields = refbot.command_payload(RECRUITER, "/refbot", "find ada")
    del fields["user_id"]

    answer = refbot.post_form(fields)

    refused_quietly(answer, logged, capfd)


def test_payload_with_a_team_of_the_wrong_shape_answers_400(
    refbot: Refbot, logged: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    payload = interactive("block_actions", team=["T0001"], enterprise=7)
    payload["actions"] = [{"action_id": "candidate_archive", "type": "button", "value": "x"}]

    answer = refbot.post_payload(payload)

    refused_quietly(answer, logged, capfd)


def test_a_well_formed_click_after_malformed_ones_still_works(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)
    refbot.post_form({"payload": json.dumps([1])})
    refbot.post_payload(interactive("block_actions", actions=[]))

    refbot.click(RECRUITER, "candidate_archive")

    assert slack.wait_for(lambda: slack.dms(RECRUITER)[0].has_button("candidate_reactivate"))
    assert not slack.ephemerals(EMPLOYEE)
