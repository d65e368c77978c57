"""Reaching out: a draft to copy, follow-ups at +3/+7 business days, Replied stops them."""

import json
from datetime import UTC, datetime

from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Clock, Refbot
from tests.e2e.test_decisions import referred, status


def followups(slack: SlackEmulator) -> list:
    """The follow-up reminders (the card of a contacted candidate has "They replied" too)."""
    return [m for m in slack.dms(RECRUITER) if m.has_button("followup_sent")]


def reach_out(refbot: Refbot, **fields: str):  # type: ignore[no-untyped-def]
    refbot.click(RECRUITER, "candidate_reach_out")
    slack = refbot.slack
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "reach_out_submit" for v in slack.open_views(RECRUITER))
    )
    return refbot.submit(RECRUITER, "reach_out_submit", **fields)


def test_friday_reach_out_follows_up_wednesday_nine_and_replied_stops_the_rest(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    clock.traveller.move_to(datetime(2026, 11, 6, 15, 0, tzinfo=UTC))  # Friday, London
    referred(refbot, slack, candidate_knows="yes")  # the draft may name Alice: Ada knows

    answer = reach_out(refbot, template="referred_A", channel="email")
    clock.traveller.move_to(datetime(2026, 11, 11, 8, 59, tzinfo=UTC))  # Wednesday 08:59
    refbot.sweep()
    early = followups(slack)
    clock.traveller.move_to(datetime(2026, 11, 11, 9, 1, tzinfo=UTC))
    refbot.sweep()
    first = followups(slack)
    refbot.click(RECRUITER, "followup_replied")
    assert slack.wait_for(
        lambda: (
            refbot.runtime.services.outreach.response_rates(team_id=TEAM) == [("referred_A", 1, 1)]
        )
    )
    clock.traveller.move_to(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    refbot.sweep()

    draft = json.dumps(answer.json()["view"])
    assert "Hi Ada" in draft and "Alice" in draft  # Ada knows Alice referred her
    assert status(refbot) == "contacted"
    assert early == [] and len(first) == 1
    # The first one now says "They replied" instead of its buttons (test_live_buttons).
    sent = [m for m in slack.dms(RECRUITER) if "follow" in m.text.lower()]
    assert len(sent) == 1, "the +7 follow-up never arrives after a reply"
    assert "follow-up 1 of 2" in first[0].plain_text()
    assert slack.wait_for(lambda: any("reached out" in m.plain_text() for m in slack.dms(EMPLOYEE)))


def test_without_a_reply_both_follow_ups_arrive_once(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)
    reach_out(refbot, template="referred_B", channel="linkedin")

    clock.travel(days=30)
    refbot.sweep()
    refbot.sweep()

    steps = sorted(m.plain_text().split("follow-up ")[1][:1] for m in followups(slack))
    assert steps == ["1", "2"], "each follow-up once, however late"


def sla_nudges(slack: SlackEmulator) -> list:
    return [m for m in slack.dms(RECRUITER) if "waiting for a first look" in m.plain_text()]


def test_unreviewed_referral_nudges_the_recruiter_once_after_two_business_days(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)  # Monday 14:00 London

    clock.traveller.move_to(datetime(2026, 11, 4, 8, 59, tzinfo=UTC))
    refbot.sweep()
    early = sla_nudges(slack)
    clock.traveller.move_to(datetime(2026, 11, 4, 9, 1, tzinfo=UTC))  # Wednesday 09:01
    refbot.sweep()
    clock.travel(days=5)
    refbot.sweep()

    assert early == [] and len(sla_nudges(slack)) == 1
    assert sla_nudges(slack)[0].has_button("candidate_reach_out")


def test_a_reviewed_referral_is_never_nudged(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)

    refbot.click(RECRUITER, "candidate_stage", choose="reviewing")
    assert slack.wait_for(lambda: status(refbot) == "reviewing")
    clock.travel(days=7)
    refbot.sweep()

    assert sla_nudges(slack) == []
