"""Warm introductions: ask, draft, nudge after three business days, accept or decline, /intro."""

from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, Clock, Refbot
from tests.e2e.test_referral import cards, refer


def lead(refbot: Refbot, slack: SlackEmulator) -> None:
    refer(
        refbot,
        EMPLOYEE,
        name="Grace Hopper",
        email="grace@example.com",
        candidate_knows="no",
        can_intro="yes",
    )
    assert slack.wait_for(lambda: len(cards(slack)) == 1)


def asks(slack: SlackEmulator) -> list:
    return [m for m in slack.dms(EMPLOYEE) if m.has_button("intro_accept")]


def test_intro_request_nudged_once_then_accepted_opens_a_group_dm(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    lead(refbot, slack)

    refbot.click(RECRUITER, "candidate_request_intro")
    assert slack.wait_for(lambda: len(asks(slack)) == 1)
    assert "Hi Grace!" in asks(slack)[0].plain_text()
    assert slack.wait_for(
        lambda: any("Asked" in m.plain_text() for m in slack.ephemerals(RECRUITER))
    )
    clock.travel(days=2)  # Wednesday: not yet
    refbot.sweep()
    early = len(asks(slack))
    clock.travel(days=1, hours=20)  # Friday 10:00 in New York: three business days on
    refbot.sweep()
    nudged = len(asks(slack))
    refbot.click(EMPLOYEE, "intro_accept")

    assert (early, nudged) == (1, 2)
    assert "gentle reminder" in asks(slack)[-1].plain_text()
    group = f"{RECRUITER},{EMPLOYEE}"
    assert slack.wait_for(
        lambda: any(
            c.args.get("users") in (group, f"{EMPLOYEE},{RECRUITER}")
            for c in slack.calls_to("conversations.open")
        )
    )
    assert slack.wait_for(
        lambda: any(
            "will introduce" in m.plain_text()
            for m in slack.messages()
            if m.channel.startswith("G")
        )
    )
    clock.travel(days=7)
    refbot.sweep()
    drafts = [m for m in slack.dms(EMPLOYEE) if "Hi Grace" in m.plain_text()]
    assert len(drafts) == 2, "no nudge after the answer"
    assert not drafts[-1].has_button("intro_accept"), "the answered DM lost its buttons"


def test_declined_intro_tells_the_recruiter_politely(refbot: Refbot, slack: SlackEmulator) -> None:
    lead(refbot, slack)
    refbot.click(RECRUITER, "candidate_request_intro")
    assert slack.wait_for(lambda: len(asks(slack)) == 1)

    refbot.click(EMPLOYEE, "intro_decline")

    assert slack.wait_for(
        lambda: any("can't introduce" in m.plain_text() for m in slack.dms(RECRUITER))
    )


def test_only_the_referrer_answers_an_intro_request(refbot: Refbot, slack: SlackEmulator) -> None:
    lead(refbot, slack)
    refbot.click(RECRUITER, "candidate_request_intro")
    assert slack.wait_for(lambda: len(asks(slack)) == 1)

    refbot.click(RECRUITER, "intro_accept", on=asks(slack)[0])

    assert slack.wait_for(
        lambda: any("not allowed" in m.plain_text() for m in slack.ephemerals(RECRUITER))
    )
    assert not any(m.channel.startswith("G") for m in slack.messages())


def test_intro_command_offers_an_intro_as_a_referral(refbot: Refbot, slack: SlackEmulator) -> None:
    refbot.command(EMPLOYEE, "/intro", "ada@example.com")
    assert slack.wait_for(lambda: slack.open_views(EMPLOYEE) != [])

    answer = refbot.submit(
        EMPLOYEE,
        "intro_request_submit",
        name="Ada",
        email="ada@example.com",
        note="Ada, meet Rita!",
    )

    assert answer.json()["response_action"] == "update"
    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    assert "Ada, meet Rita!" in cards(slack)[0].plain_text()
