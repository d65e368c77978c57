"""An admin maps the ATS's stages to refbot's statuses from `/refbot ats`; the next change from
the ATS follows the new mapping. Nobody else can, and a forged submission changes nothing."""

from typing import Any

import pytest
from sqlalchemy import select

from bot.ats.greenhouse_emulator import GreenhouseEmulator
from bot.slack_emulator import SlackEmulator
from storage.models import AtsStage
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Clock, Refbot
from tests.e2e import test_ats_pull as pulling
from tests.e2e.test_ats_connect import open_ats
from tests.e2e.test_ats_pull import ada, ada_in_greenhouse, in_ats, poll, updates

atsbot, gh, lever, rita = pulling.atsbot, pulling.gh, pulling.lever, pulling.rita
SCREEN = "ats_stage:recruiter screen"


def open_stage_map(refbot: Refbot, user: str = RECRUITER) -> dict[str, Any]:
    """The admin clicks "Stage mapping" in the `/refbot ats` modal: the mapping opens over it."""
    open_ats(refbot, user)
    refbot.click(user, "ats_stage_map")
    assert refbot.slack.wait_for(lambda: stage_view(refbot, user) is not None)
    view = stage_view(refbot, user)
    assert view is not None
    return view


def stage_view(refbot: Refbot, user: str = RECRUITER) -> dict[str, Any] | None:
    views = [v for v in refbot.slack.open_views(user) if v["callback_id"] == "ats_stages_submit"]
    return views[-1] if views else None


def mapped(refbot: Refbot) -> dict[str, str | None]:
    with refbot.runtime.dispatcher.sessions() as s:
        return {
            r.stage: r.status for r in s.scalars(select(AtsStage).where(AtsStage.team_id == TEAM))
        }


@pytest.mark.parametrize("mode", ("webhooks", "polling"))
def test_an_admin_remaps_a_stage_and_the_next_change_moves_her_per_the_new_mapping(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str, mode: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, mode)
    view = open_stage_map(atsbot)
    selects = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    # By default a screen is part of the interviews.
    assert selects[SCREEN]["element"]["initial_option"]["value"] == "interviewing"

    answer = atsbot.submit(RECRUITER, "ats_stages_submit", **{SCREEN: "contacted"})
    assert answer.json()["response_action"] == "update"
    in_ats(atsbot, clock, mode, lambda: gh.move_stage(application, "Recruiter Screen"))

    assert slack.wait_for(lambda: ada(atsbot).status == "contacted")
    assert updates(slack, "is interviewing") == []
    assert mapped(atsbot)["recruiter screen"] == "contacted"
    # A stage a change came at is listed with the ATS's own spelling.
    assert "Recruiter Screen" in str(open_stage_map(atsbot)["blocks"])


def test_a_stage_only_seen_in_the_ats_can_be_mapped(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "polling")
    gh.add_stage(gh.job, "Take-home Exercise")  # type: ignore[attr-defined]
    in_ats(atsbot, clock, "polling", lambda: gh.move_stage(application, "Take-home Exercise"))
    assert slack.wait_for(lambda: ada(atsbot).status == "interviewing")

    view = open_stage_map(atsbot)

    assert "ats_stage:take-home exercise" in {b.get("block_id") for b in view["blocks"]}
    atsbot.submit(RECRUITER, "ats_stages_submit", **{"ats_stage:take-home exercise": "hired"})
    in_ats(atsbot, clock, "polling", lambda: gh.move_stage(application, "Technical Interview"))
    in_ats(atsbot, clock, "polling", lambda: gh.move_stage(application, "Take-home Exercise"))
    assert slack.wait_for(lambda: ada(atsbot).status == "hired")
    assert slack.wait_for(lambda: len(updates(slack, "is joining us")) == 1)


def test_an_employee_cannot_open_or_save_the_stage_mapping(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, rita: str
) -> None:
    ada_in_greenhouse(atsbot, gh, slack, "webhooks")
    open_stage_map(atsbot)

    clicked = atsbot.click_payload(RECRUITER, "ats_stage_map")
    clicked["user"] = {"id": EMPLOYEE, "team_id": TEAM}
    clicked["trigger_id"] = slack.trigger_id(EMPLOYEE)
    assert atsbot.post_payload(clicked).status == 200
    forged = atsbot.submission_payload(RECRUITER, "ats_stages_submit", **{SCREEN: "hired"})
    forged["user"] = {"id": EMPLOYEE, "team_id": TEAM}
    answer = atsbot.post_payload(forged)

    assert answer.json()["response_action"] == "errors"
    assert stage_view(atsbot, EMPLOYEE) is None
    assert mapped(atsbot).get("recruiter screen") is None


def test_a_stage_mapping_forged_with_another_workspaces_ids_is_refused(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, rita: str
) -> None:
    ada_in_greenhouse(atsbot, gh, slack, "webhooks")
    open_stage_map(atsbot)

    elsewhere = atsbot.submission_payload(RECRUITER, "ats_stages_submit", **{SCREEN: "hired"})
    elsewhere["view"]["private_metadata"] = '{"team": "T0OTHER", "ats": "greenhouse"}'
    unknown = atsbot.submission_payload(RECRUITER, "ats_stages_submit", **{SCREEN: "hired"})
    state = unknown["view"]["state"]["values"]
    state["ats_stage:their private stage"] = {
        "ats_stage:their private stage": state[SCREEN][SCREEN]
    }

    answers = [atsbot.post_payload(p).json()["response_action"] for p in (elsewhere, unknown)]

    assert answers == ["errors", "errors"]
    assert set(mapped(atsbot).values()) <= {None}  # stages seen, none remapped


def test_move_to_in_slack_follows_the_admins_mapping_backwards(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "webhooks")
    open_stage_map(atsbot)
    atsbot.submit(RECRUITER, "ats_stages_submit", **{SCREEN: "contacted"})

    card = [m for m in slack.dms(RECRUITER) if m.has_button("candidate_snooze")][-1]
    atsbot.click(RECRUITER, "candidate_stage", choose="contacted", on=card)
    assert slack.wait_for(lambda: ada(atsbot).status == "contacted")
    atsbot.sweep()

    def stage() -> str:
        app = next(a for a in gh.applications() if str(a["id"]) == application)
        return str(gh._rows["job_interview_stages"][app["job_interview_stage_id"]]["name"])

    assert slack.wait_for(lambda: stage() == "Recruiter Screen")
    poll(atsbot)  # the move comes back: refbot's own, she stays where Slack put her
    assert ada(atsbot).status == "contacted"
