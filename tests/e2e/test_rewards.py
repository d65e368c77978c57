"""Referral rewards (issue 17): a hire promises the credited referrer their reward, once; on its
date the referrer and the admins hear of it, once; a hire undone first cancels it kindly; the
admins list, pay and export the payable ones; nobody else sees or touches them."""

import csv
import io
import json
from typing import Any

from sqlalchemy import select

from bot.slack_emulator import SlackEmulator
from storage.models import Candidate, Reward, Role
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, TEAM, Clock, Refbot
from tests.e2e.test_referral import cards, refer

ADA = "ada@example.com"


# -- arranging ------------------------------------------------------------------------------


def role_modal(refbot: Refbot, user: str = RECRUITER) -> dict[str, Any]:
    refbot.command(user, "/refbot", "role")
    slack = refbot.slack
    assert slack.wait_for(
        lambda: any(v.get("callback_id") == "role_submit" for v in slack.open_views(user))
    )
    return next(v for v in slack.open_views(user) if v.get("callback_id") == "role_submit")


def rewarded_role(
    refbot: Refbot, amount: str = "1000", currency: str = "EUR", days: str = "90"
) -> str:
    """A role the admin (Rita is recruiter and admin) creates with a reward; its public id."""
    role_modal(refbot)
    answer = refbot.submit(
        RECRUITER,
        "role_submit",
        title="Platform Engineer",
        recruiter=RECRUITER,
        status="open",
        reward_amount=amount,
        reward_currency=currency,
        reward_days=days,
    )
    assert answer.json()["response_action"] == "update", answer.json()
    with refbot.runtime.dispatcher.sessions() as s:
        return s.scalars(select(Role.public_id).where(Role.title == "Platform Engineer")).one()


def referred(refbot: Refbot, role: str, user: str = EMPLOYEE) -> None:
    refer(refbot, user, name="Ada Lovelace", email=ADA, candidate_knows="yes", role=role)
    assert refbot.slack.wait_for(lambda: len(cards(refbot.slack)) >= 1)


def move(refbot: Refbot, stage: str) -> None:
    """The recruiter picks "Move to… <stage>" on her card, once it offers it."""
    slack = refbot.slack

    def offering() -> Any:
        for m in reversed(slack.dms(RECRUITER)):
            for block in m.blocks:
                for element in block.get("elements", []):
                    if element.get("action_id") == "candidate_stage" and any(
                        o["value"].endswith(f":{stage}") for o in element.get("options", [])
                    ):
                        return m
        return None

    assert slack.wait_for(lambda: offering() is not None)
    refbot.click(RECRUITER, "candidate_stage", choose=stage, on=offering())
    assert slack.wait_for(lambda: status(refbot) == stage)


def status(refbot: Refbot) -> str:
    with refbot.runtime.dispatcher.sessions() as s:
        return s.scalars(select(Candidate.status)).one().value


def rewards(refbot: Refbot) -> list[Reward]:
    with refbot.runtime.dispatcher.sessions() as s:
        return list(s.scalars(select(Reward).order_by(Reward.id)))


def told(slack: SlackEmulator, user: str, words: str) -> list[Any]:
    return [m for m in slack.dms(user) if words in m.plain_text()]


def hired(refbot: Refbot, slack: SlackEmulator) -> None:
    """Ada, referred by Alice to a role with a €1,000 reward, is hired in Slack."""
    role = rewarded_role(refbot)
    referred(refbot, role)
    move(refbot, "hired")
    assert slack.wait_for(lambda: len(told(slack, EMPLOYEE, "€1,000")) == 1)


# -- the hire -------------------------------------------------------------------------------


def test_a_hire_creates_one_reward_for_the_credited_referrer_and_tells_them(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    hired(refbot, slack)

    promise = told(slack, EMPLOYEE, "€1,000")[0].plain_text()
    (reward,) = rewards(refbot)
    assert "Ada Lovelace" in promise and "90 days" in promise
    assert reward.payable_on.isoformat() in promise
    assert (reward.amount, reward.currency, reward.status.value) == (100000, "EUR", "pending")
    assert reward.referrer_id == EMPLOYEE
    # Nobody else hears of it: not the recruiter (no reward words in her DMs).
    assert not told(slack, RECRUITER, "€1,000")
