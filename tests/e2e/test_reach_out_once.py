"""One next step per candidate, the same on every surface (card, Home, search, role pools), and
one reach-out sequence at a time."""

import json

from sqlalchemy import select

from bot.slack_emulator import Message, SlackEmulator
from storage.models import Delivery
from storage.types import DeliveryKind
from tests.conftest import EMPLOYEE, RECRUITER, Clock, Refbot
from tests.e2e.test_decisions import referred, role
from tests.e2e.test_referral import cards, refer


def lead(refbot: Refbot, slack: SlackEmulator, **extra: str) -> None:
    refer(
        refbot,
        EMPLOYEE,
        name="Grace Hopper",
        email="grace@example.com",
        candidate_knows="no",
        **extra,
    )
    assert slack.wait_for(lambda: len(cards(slack)) == 1)


def search(refbot: Refbot, slack: SlackEmulator, text: str) -> Message:
    before = len(slack.ephemerals(RECRUITER))
    refbot.command(RECRUITER, "/refbot", f"find {text}")
    assert slack.wait_for(lambda: len(slack.ephemerals(RECRUITER)) > before)
    return slack.ephemerals(RECRUITER)[-1]


def open_reach_out(refbot: Refbot, on: Message) -> dict:
    """The recruiter clicks Reach out on `on`; the modal that opens."""
    slack = refbot.slack
    slack.close_views(RECRUITER)  # what she had open before (a draft she copied, say)
    refbot.click(RECRUITER, "candidate_reach_out", on=on)
    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])
    return slack.open_views(RECRUITER)[-1]


def follow_ups_scheduled(refbot: Refbot) -> int:
    with refbot.runtime.dispatcher.sessions() as s:
        rows = s.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.FOLLOW_UP)).all()
        return len(rows)


# A lead is offered "Ask for intro" everywhere, never "Reach out"


def test_home_offers_ask_for_intro_for_a_lead_not_reach_out(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    lead(refbot, slack)

    refbot.open_home(RECRUITER)

    assert slack.wait_for(lambda: "Grace Hopper" in json.dumps(slack.home(RECRUITER) or {}))
    home = json.dumps(slack.home(RECRUITER))
    assert "candidate_request_intro" in home and "candidate_reach_out" not in home


def test_search_results_offer_ask_for_intro_for_a_lead_not_reach_out(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    lead(refbot, slack)

    found = search(refbot, slack, "Grace")

    assert "Grace Hopper" in found.plain_text()
    assert found.has_button("candidate_request_intro")
    assert not found.has_button("candidate_reach_out")


def test_a_role_pool_offers_ask_for_intro_for_a_lead_not_reach_out(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    upcoming = role(refbot, "Data Engineer", status="upcoming")
    lead(refbot, slack, role=upcoming)

    refbot.command(RECRUITER, "/refbot", "roles")
    assert slack.wait_for(
        lambda: any(m.has_button("role_open") for m in slack.ephemerals(RECRUITER))
    )
    refbot.click(RECRUITER, "role_open")

    assert slack.wait_for(lambda: any("Grace Hopper" in m.plain_text() for m in pools(slack)))
    (pool,) = pools(slack)
    assert pool.has_button("candidate_request_intro")
    assert not pool.has_button("candidate_reach_out")


def pools(slack: SlackEmulator) -> list[Message]:
    return [
        m
        for m in slack.dms(RECRUITER)
        if m.blocks and m.blocks[0]["type"] == "header" and "is open" in m.plain_text()
    ]


# After reaching out, the next step is their answer


def test_after_reaching_out_the_card_waits_for_the_reply_instead_of_offering_reach_out(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)

    modal = open_reach_out(refbot, cards(slack)[0])
    refbot.submit(RECRUITER, "reach_out_submit", template="referred_A", channel="email")

    assert modal["callback_id"] == "reach_out_submit"
    assert slack.wait_for(lambda: cards(slack)[0].has_button("followup_replied"))
    contacted = cards(slack)[0]
    assert not contacted.has_button("candidate_reach_out")
    first = contacted.blocks[-1]["elements"][0]
    assert (first["action_id"], first.get("style")) == ("followup_replied", "primary")
    assert search(refbot, slack, "Ada").has_button("followup_replied")


def test_a_second_reach_out_while_follow_ups_are_pending_is_refused_and_schedules_nothing(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)
    stale = search(refbot, slack, "Ada")  # found before anyone reached out: Reach out
    open_reach_out(refbot, cards(slack)[0])
    # The same modal submitted twice (a second window, a retry): the second comes too late.
    twice = refbot.submission_payload(
        RECRUITER, "reach_out_submit", template="referred_B", channel="email"
    )

    first = refbot.submit(RECRUITER, "reach_out_submit", template="referred_A", channel="email")
    second = refbot.post_payload(twice)
    third = open_reach_out(refbot, stale)  # and the Reach out found before it started

    assert "Here is your draft" in json.dumps(first.json()["view"])
    refused = json.dumps(second.json()["view"]) + json.dumps(third)
    assert "waiting for an answer" in refused and "Here is your draft" not in refused
    assert "submit" not in third, "nothing to draft a second time"
    assert follow_ups_scheduled(refbot) == 2, "one set of follow-ups"
    clock.travel(days=30)
    refbot.sweep()
    assert len([m for m in slack.dms(RECRUITER) if m.has_button("followup_sent")]) == 2


def test_once_they_replied_a_new_reach_out_is_possible(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)
    stale = search(refbot, slack, "Ada")
    open_reach_out(refbot, cards(slack)[0])
    refbot.submit(RECRUITER, "reach_out_submit", template="referred_A", channel="email")
    assert slack.wait_for(lambda: cards(slack)[0].has_button("followup_replied"))

    refbot.click(RECRUITER, "followup_replied", on=cards(slack)[0])
    assert slack.wait_for(lambda: not cards(slack)[0].has_button("followup_replied"))
    again = open_reach_out(refbot, stale)

    assert "submit" in again and "waiting for an answer" not in json.dumps(again)
