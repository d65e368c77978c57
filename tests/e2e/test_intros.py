"""Warm introductions: ask, draft, nudge after three business days, accept or decline, /intro."""

from collections.abc import Iterator

import pytest

from bot.slack_emulator import Message, SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, Clock, Refbot, settings_for
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
    refused = next(m for m in slack.ephemerals(RECRUITER) if "not allowed" in m.plain_text())
    assert "only the person who was asked can answer" in refused.plain_text()  # says who may
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


RAJ = "U0RAJ"


@pytest.fixture
def team(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[Refbot]:
    """refbot with two recruiters, Rita and Raj: a general referral reaches both."""
    slack.add_user(RAJ, name="raj", real_name="Raj Patel", tz="Europe/London")
    settings = settings_for(slack, migrated_url).model_copy(
        update={"refbot_recruiters": (RECRUITER, RAJ)}
    )
    running = Refbot(settings, slack)
    yield running
    running.close()


def now(slack: SlackEmulator, message: Message) -> Message:
    return next(m for m in slack.messages(message.channel) if m.ts == message.ts)


def requests(slack: SlackEmulator) -> list[Message]:
    """Every copy of the request in Alice's DMs (the ask, the nudge), whatever they show."""
    return [m for m in slack.dms(EMPLOYEE) if "Hi Grace" in m.plain_text()]


def said_to(slack: SlackEmulator, user: str) -> str:
    return "\n".join(m.plain_text() for m in slack.ephemerals(user))


def test_answered_intro_request_says_who_and_when_on_every_copy_and_on_the_card(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    lead(refbot, slack)
    refbot.click(RECRUITER, "candidate_request_intro")
    assert slack.wait_for(lambda: len(asks(slack)) == 1)
    clock.travel(days=3, hours=20)  # Friday 10:00 in New York: the nudge
    refbot.sweep()
    assert len(asks(slack)) == 2

    refbot.click(EMPLOYEE, "intro_accept", on=asks(slack)[-1])
    assert slack.wait_for(lambda: asks(slack) == [])  # both copies lost their buttons
    refbot.sweep()

    for copy in requests(slack):
        text = copy.plain_text()
        assert "Accepted" in text and f"<@{EMPLOYEE}>" in text and "<!date^" in text
        assert "Hi Grace" in text, "the draft stays to copy"
    card = now(slack, cards_of(slack, RECRUITER)[0]).plain_text()
    assert f"<@{EMPLOYEE}> agreed to introduce them to <@{RECRUITER}>" in card


def cards_of(slack: SlackEmulator, user: str) -> list[Message]:
    """Grace's card in the recruiter's DMs, whatever its buttons."""
    return [m for m in slack.dms(user) if m.blocks and "Grace Hopper" in m.text]


def test_a_second_answer_to_an_intro_request_changes_nothing_and_says_what_stands(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    lead(refbot, slack)
    refbot.click(RECRUITER, "candidate_request_intro")
    assert slack.wait_for(lambda: len(asks(slack)) == 1)
    stale_accept = refbot.click_payload(EMPLOYEE, "intro_accept", on=asks(slack)[0])

    refbot.click(EMPLOYEE, "intro_decline", on=asks(slack)[0])
    assert slack.wait_for(lambda: asks(slack) == [])
    refbot.post_payload(stale_accept)

    assert slack.wait_for(lambda: "already answered" in said_to(slack, EMPLOYEE))
    assert "Declined" in said_to(slack, EMPLOYEE) and f"<@{EMPLOYEE}>" in said_to(slack, EMPLOYEE)
    assert "Declined" in requests(slack)[0].plain_text()
    assert not any("," in str(c.args.get("users")) for c in slack.calls_to("conversations.open")), (
        "no group DM: the first answer stands"
    )


def test_recruiter_card_says_who_asked_for_an_introduction_and_when_then_the_answer(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    lead(refbot, slack)
    (card,) = cards_of(slack, RECRUITER)

    refbot.click(RECRUITER, "candidate_request_intro")
    assert slack.wait_for(
        lambda: "Introduction asked of" in now(slack, card).plain_text(), timeout=10
    )
    asked = now(slack, card).plain_text()
    assert slack.wait_for(lambda: len(asks(slack)) == 1)  # the card may be edited first
    refbot.click(EMPLOYEE, "intro_decline")
    assert slack.wait_for(lambda: "declined the introduction" in now(slack, card).plain_text())

    assert f"Introduction asked of <@{EMPLOYEE}> by <@{RECRUITER}> · <!date^" in asked
    answered = now(slack, card).plain_text()
    assert f"<@{EMPLOYEE}> declined the introduction <@{RECRUITER}> asked for · <!date^" in answered


def test_a_second_ask_for_intro_says_who_asked_and_when_and_sends_nothing(
    team: Refbot, slack: SlackEmulator
) -> None:
    lead_for_two(team, slack)
    team.click(RECRUITER, "candidate_request_intro", on=cards_of(slack, RECRUITER)[0])
    assert slack.wait_for(lambda: len(asks(slack)) == 1)

    team.click(RAJ, "candidate_request_intro", on=cards_of(slack, RAJ)[0])
    assert slack.wait_for(lambda: "already asked" in said_to(slack, RAJ))
    team.click(RECRUITER, "candidate_request_intro", on=cards_of(slack, RECRUITER)[0])
    assert slack.wait_for(lambda: "already asked" in said_to(slack, RECRUITER))

    to_raj = said_to(slack, RAJ)
    assert f"<@{RECRUITER}> already asked <@{EMPLOYEE}> for an introduction (<!date^" in to_raj
    assert f"You already asked <@{EMPLOYEE}> for an introduction (<!date^" in said_to(
        slack, RECRUITER
    )
    assert len(requests(slack)) == 1, "Alice was asked once"


def lead_for_two(refbot: Refbot, slack: SlackEmulator) -> None:
    refer(
        refbot,
        EMPLOYEE,
        name="Grace Hopper",
        email="grace@example.com",
        candidate_knows="no",
        can_intro="yes",
    )
    assert slack.wait_for(lambda: all(cards_of(slack, u) for u in (RECRUITER, RAJ)))


def test_ask_for_intro_after_the_referrer_agreed_sends_nothing_and_says_so(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    lead(refbot, slack)
    refbot.click(RECRUITER, "candidate_request_intro")
    assert slack.wait_for(lambda: len(asks(slack)) == 1)
    stale_ask = refbot.click_payload(RECRUITER, "candidate_request_intro")

    refbot.click(EMPLOYEE, "intro_accept")
    assert slack.wait_for(lambda: asks(slack) == [])
    refbot.post_payload(stale_ask)

    assert slack.wait_for(lambda: "already agreed to introduce them" in said_to(slack, RECRUITER))
    assert len(requests(slack)) == 1, "Alice is not asked again"
