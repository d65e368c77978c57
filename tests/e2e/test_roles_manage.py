"""`/refbot roles` for recruiters: Edit (the role modal, prefilled) and Close (after Slack's
confirmation); a closed role leaves the referral form, Home and the list; the list clicked in
says what was done, by whom and when, and an outdated button changes nothing."""

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.services.referrals import ReferralForm
from bot.services.roles import RoleLine
from bot.slack_emulator import Message, SlackEmulator
from storage.models import AuditLog
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, TEAM, Refbot
from tests.e2e.test_referral import open_referral

MANAGER = "U0HANNA"


def role(refbot: Refbot, title: str, status: str = "open", **extra: Any) -> RoleLine:
    created = refbot.runtime.services.roles.create(
        team_id=TEAM,
        actor_id=RECRUITER,
        title=title,
        team_name=extra.get("team_name"),
        hiring_manager_id=extra.get("hiring_manager_id"),
        recruiter_id=RECRUITER,
        status=status,
        ideal_profile=extra.get("ideal_profile"),
    ).role
    assert created is not None
    return created


def roles_list(refbot: Refbot, user: str) -> Message:
    before = len(refbot.slack.ephemerals(user))
    refbot.command(user, "/refbot", "roles")
    assert refbot.slack.wait_for(lambda: len(refbot.slack.ephemerals(user)) > before)
    return refbot.slack.ephemerals(user)[-1]


def button(message: Message, action_id: str, value: str) -> dict[str, Any]:
    for block in message.blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id and element.get("value") == value:
                return element
    raise LookupError(f"no {action_id} for {value} in the list")


def role_options(modal: dict[str, Any]) -> str:
    return json.dumps(next(b for b in modal["blocks"] if b["block_id"] == "role"))


def test_a_recruiter_closes_a_role_after_confirming_and_it_leaves_every_list(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    data = role(refbot, "Data Engineer", team_name="Data")
    ml = role(refbot, "ML Engineer", status="upcoming")
    listed = roles_list(refbot, RECRUITER)
    close = button(listed, "role_close", data.public_id)

    refbot.click(RECRUITER, "role_close", value=data.public_id)

    assert close["confirm"]["title"]["text"] == "Close this role?"
    assert "Data Engineer" in close["confirm"]["text"]["text"]
    assert button(listed, "role_edit", data.public_id) and button(listed, "role_open", ml.public_id)
    assert slack.wait_for(lambda: "You closed" in slack.ephemerals(RECRUITER)[-1].plain_text())
    after = slack.ephemerals(RECRUITER)[-1]
    assert len(slack.ephemerals(RECRUITER)) == 1, "the list changed in place"
    assert "You closed *Data Engineer* · <!date^" in after.text
    assert "Recently closed" in after.plain_text()
    assert button(after, "role_edit", data.public_id)  # to reopen one closed by mistake
    assert button(after, "role_close", ml.public_id)
    with pytest.raises(LookupError):
        button(after, "role_close", data.public_id)
    form = role_options(open_referral(refbot, EMPLOYEE))
    assert "Data Engineer" not in form and "ML Engineer" in form
    assert "Data Engineer" not in roles_list(refbot, FRENCH_EMPLOYEE).plain_text()
    refbot.open_home(EMPLOYEE)
    assert slack.wait_for(lambda: "ML Engineer" in json.dumps(slack.home(EMPLOYEE)))
    assert "Data Engineer" not in json.dumps(slack.home(EMPLOYEE))


def test_an_outdated_close_button_says_who_closed_the_role_and_changes_nothing(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    data = role(refbot, "Data Engineer")
    roles_list(refbot, RECRUITER)
    stale = refbot.click_payload(RECRUITER, "role_close", value=data.public_id)
    refbot.click(RECRUITER, "role_close", value=data.public_id)
    assert slack.wait_for(lambda: "You closed" in slack.ephemerals(RECRUITER)[-1].plain_text())

    refbot.post_payload(stale)  # the same button, clicked again from an older copy

    assert slack.wait_for(
        lambda: "was already closed" in slack.ephemerals(RECRUITER)[-1].plain_text()
    )
    said = slack.ephemerals(RECRUITER)[-1].text
    assert "*Data Engineer* was already closed (you, <!date^" in said
    assert said.endswith(": nothing changed.")
    with refbot.runtime.dispatcher.sessions() as s:
        closes = s.scalar(select(func.count()).where(AuditLog.action == "role.close"))
    assert closes == 1


def test_a_recruiter_edits_a_role_in_the_prefilled_modal_and_the_list_says_so(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    slack.add_user(MANAGER, name="hanna", real_name="Hanna Berg")
    data = role(
        refbot,
        "Data Engineer",
        status="upcoming",
        team_name="Data",
        hiring_manager_id=MANAGER,
        ideal_profile="Pipelines at scale",
    )
    roles_list(refbot, RECRUITER)

    refbot.click(RECRUITER, "role_edit", value=data.public_id)
    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])
    modal = slack.open_views(RECRUITER)[-1]
    saved = refbot.submit(
        RECRUITER,
        "role_submit",
        title="Senior Data Engineer",
        team="Data",
        hiring_manager=MANAGER,
        recruiter=RECRUITER,
        status="open",
        ideal_profile="Pipelines at scale",
    )

    inputs = {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}
    assert modal["title"]["text"] == "Edit role"
    assert inputs["title"]["initial_value"] == "Data Engineer"
    assert inputs["team"]["initial_value"] == "Data"
    assert inputs["hiring_manager"]["initial_user"] == MANAGER
    assert inputs["recruiter"]["initial_user"] == RECRUITER
    assert inputs["status"]["initial_option"]["value"] == "upcoming"
    assert inputs["ideal_profile"]["initial_value"] == "Pipelines at scale"
    assert "is updated and open for referrals" in json.dumps(saved.json()["view"])
    assert slack.wait_for(lambda: "You edited" in slack.ephemerals(RECRUITER)[-1].plain_text())
    after = slack.ephemerals(RECRUITER)[-1]
    assert "You edited *Senior Data Engineer* · <!date^" in after.text
    assert not after.has_button("role_open"), "it is open now"
    form = role_options(open_referral(refbot, EMPLOYEE))
    assert "Senior Data Engineer" in form and "opening soon" not in form


def test_a_role_closed_by_mistake_is_reopened_from_edit(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    data = role(refbot, "Data Engineer")
    roles_list(refbot, RECRUITER)
    refbot.click(RECRUITER, "role_close", value=data.public_id)
    assert slack.wait_for(lambda: "You closed" in slack.ephemerals(RECRUITER)[-1].plain_text())

    refbot.click(RECRUITER, "role_edit", value=data.public_id)
    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])
    refbot.submit(
        RECRUITER, "role_submit", title="Data Engineer", recruiter=RECRUITER, status="open"
    )

    assert "Data Engineer" in role_options(open_referral(refbot, EMPLOYEE))


def test_only_recruiters_see_and_use_the_role_buttons(refbot: Refbot, slack: SlackEmulator) -> None:
    data = role(refbot, "Data Engineer")
    recruiters = roles_list(refbot, RECRUITER)

    employees = roles_list(refbot, EMPLOYEE)
    refbot.click(EMPLOYEE, "role_close", value=data.public_id, on=recruiters)  # forwarded

    assert not employees.has_button("role_close") and not employees.has_button("role_edit")
    assert "Data Engineer" in employees.plain_text()
    assert slack.wait_for(
        lambda: any("not allowed" in m.plain_text() for m in slack.ephemerals(EMPLOYEE))
    )
    assert "Data Engineer" in role_options(open_referral(refbot, EMPLOYEE))


def test_opening_a_role_says_so_in_the_list_and_the_pool_counts_one_person_as_one(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    ml = role(refbot, "ML Engineer", status="upcoming")
    refbot.runtime.services.referrals.refer(
        team_id=TEAM,
        referrer_id=EMPLOYEE,
        form=ReferralForm(name="Grace Hopper", email="grace@example.com", role=ml.public_id),
    )
    roles_list(refbot, RECRUITER)

    refbot.click(RECRUITER, "role_open", value=ml.public_id)

    assert slack.wait_for(lambda: "You opened" in slack.ephemerals(RECRUITER)[-1].plain_text())
    said = slack.ephemerals(RECRUITER)[-1].text
    assert "You opened *ML Engineer* · <!date^" in said
    assert "People already waiting for it go to you by DM." in said
    assert slack.wait_for(lambda: any("is open" in m.text for m in slack.dms(RECRUITER)))
    (pool,) = [m for m in slack.dms(RECRUITER) if "is open" in m.text]
    assert "Here is the 1 person already waiting for it" in pool.text
