"""What the recruiter's card says about a referred person stays true: a lead stays a lead until
someone tells them, an offer to introduce shows and is used, every referrer's note is kept under
their name, and a referrer is told "the recruiter has your note" only when there is one."""

import json
from typing import Any

from bot.slack_emulator import Message, SlackEmulator
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, Refbot
from tests.e2e.test_referral import cards, open_referral, refer

THIRD = "U0THIRD"


def card(slack: SlackEmulator, predicate: Any = lambda m: True) -> Message:
    """The recruiter's one card, once it shows what `predicate` looks for."""
    assert slack.wait_for(lambda: len(cards(slack)) == 1 and predicate(cards(slack)[0]))
    return cards(slack)[0]


def is_lead(m: Message) -> bool:
    return "Lead" in m.plain_text() and m.has_button("candidate_request_intro")


def lead(refbot: Refbot, slack: SlackEmulator) -> Message:
    refer(refbot, EMPLOYEE, name="Grace Hopper", email="grace@example.com", candidate_knows="no")
    return card(slack, is_lead)


def section_of(m: Message, words: str) -> str:
    """The text of the card section holding `words`."""
    texts = [b["text"]["text"] for b in m.blocks if b.get("type") == "section"]
    return next(t for t in texts if words in t)


# 4. A later referral never weakens what is known


def test_a_second_referrer_who_leaves_the_question_unanswered_keeps_the_lead(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    lead(refbot, slack)

    refer(refbot, FRENCH_EMPLOYEE, name="Grace H.", email="grace@example.com")

    updated = card(slack, lambda m: FRENCH_EMPLOYEE in m.plain_text())
    assert "Lead" in updated.plain_text()
    assert updated.has_button("candidate_request_intro")
    assert not updated.has_button("candidate_reach_out")


def test_a_second_referrer_saying_they_know_does_not_turn_a_lead_into_a_referral(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    lead(refbot, slack)

    refer(refbot, THIRD, name="Grace", email="grace@example.com", candidate_knows="yes")

    updated = card(slack, lambda m: THIRD in m.plain_text())
    assert "Lead" in updated.plain_text() and updated.has_button("candidate_request_intro")
    assert not updated.has_button("candidate_reach_out")


def test_the_referral_modal_asks_whether_they_know_without_answering_for_the_referrer(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    modal = open_referral(refbot, EMPLOYEE)
    refbot.command(FRENCH_EMPLOYEE, "/intro", "ada@example.com")
    assert slack.wait_for(lambda: slack.open_views(FRENCH_EMPLOYEE) != [])
    offer = slack.open_views(FRENCH_EMPLOYEE)[-1]

    for view in (modal, offer):
        (question,) = [b for b in view["blocks"] if b["block_id"] == "candidate_knows"]
        assert "initial_option" not in question["element"], "a default answers for them"
        assert question["optional"] is False, "the referrer is asked, not assumed"


def test_a_lead_stops_being_a_lead_once_the_referrer_introduced_them(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    lead(refbot, slack)

    refbot.click(RECRUITER, "candidate_request_intro")
    assert slack.wait_for(lambda: any(m.has_button("intro_accept") for m in slack.dms(EMPLOYEE)))
    refbot.click(EMPLOYEE, "intro_accept")

    told = card(slack, lambda m: m.has_button("candidate_reach_out"))
    assert "Lead" not in told.plain_text()
    assert not told.has_button("candidate_request_intro")


# 6. An offer to introduce shows on the card, and "Ask for intro" goes to who offered


def test_an_intro_offer_shows_on_the_card_and_ask_for_intro_goes_to_who_offered(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com", candidate_knows="yes")
    card(slack)
    refbot.command(FRENCH_EMPLOYEE, "/intro", "ada@example.com")
    assert slack.wait_for(lambda: slack.open_views(FRENCH_EMPLOYEE) != [])
    refbot.submit(
        FRENCH_EMPLOYEE,
        "intro_request_submit",
        name="Ada",
        email="ada@example.com",
        note="Ada, meet Rita!",
    )

    offered = card(slack, lambda m: "can introduce them" in m.plain_text())
    assert f"<@{FRENCH_EMPLOYEE}> can introduce them" in offered.plain_text()
    assert offered.has_button("candidate_reach_out")  # Alice said Ada knows: reach out first
    refbot.click(RECRUITER, "candidate_request_intro", on=offered)
    assert slack.wait_for(
        lambda: any(m.has_button("intro_accept") for m in slack.dms(FRENCH_EMPLOYEE))
    )
    assert not any(m.has_button("intro_accept") for m in slack.dms(EMPLOYEE))


def test_an_intro_offered_by_someone_who_already_referred_them_reaches_the_card(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com", candidate_knows="yes")
    card(slack)
    slack.close_views(EMPLOYEE)

    refbot.command(EMPLOYEE, "/intro", "ada@example.com")
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "intro_request_submit" for v in slack.open_views(EMPLOYEE))
    )
    refbot.submit(EMPLOYEE, "intro_request_submit", name="Ada", email="ada@example.com")

    offered = card(slack, lambda m: "can introduce them" in m.plain_text())
    assert f"<@{EMPLOYEE}> can introduce them" in offered.plain_text()
    assert offered.has_button("candidate_request_intro")


def test_the_can_introduce_checkbox_shows_on_the_card(refbot: Refbot, slack: SlackEmulator) -> None:
    refer(
        refbot,
        EMPLOYEE,
        name="Ada Lovelace",
        email="ada@example.com",
        candidate_knows="yes",
        can_intro="yes",
    )

    shown = card(slack)
    assert f"<@{EMPLOYEE}> can introduce them" in shown.plain_text()
    assert shown.has_button("candidate_request_intro") and shown.has_button("candidate_reach_out")


def test_asking_twice_for_the_same_intro_sends_the_referrer_one_request(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    lead(refbot, slack)

    refbot.click(RECRUITER, "candidate_request_intro", on=cards(slack)[0])
    assert slack.wait_for(lambda: any(m.has_button("intro_accept") for m in slack.dms(EMPLOYEE)))
    refbot.click(RECRUITER, "candidate_request_intro", on=cards(slack)[0])

    assert slack.wait_for(
        lambda: any("already asked" in m.plain_text() for m in slack.ephemerals(RECRUITER))
    )
    assert len([m for m in slack.dms(EMPLOYEE) if m.has_button("intro_accept")]) == 1


# 7. Every referrer's note is kept, under their name; "has your note" only when true


def test_a_second_referrer_without_a_note_is_not_told_the_recruiter_has_it(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com", note="met at PyCon")
    card(slack)

    silent = refer(refbot, FRENCH_EMPLOYEE, name="Ada L.", email="ada@example.com")
    noted = refer(refbot, THIRD, name="Ada", email="ada@example.com", note="great mentor")

    assert "déjà connu" in json.dumps(silent["view"], ensure_ascii=False)
    assert "note" not in json.dumps(silent["view"], ensure_ascii=False)
    assert "the recruiter has your note" in json.dumps(noted["view"])
    assert slack.wait_for(
        lambda: (
            any("already known" in m.plain_text() for m in slack.dms(THIRD))
            and any("déjà connu" in m.plain_text() for m in slack.dms(FRENCH_EMPLOYEE))
        )
    )
    assert "note" not in " ".join(m.plain_text() for m in slack.dms(FRENCH_EMPLOYEE))
    assert any("your note" in m.plain_text() for m in slack.dms(THIRD))


def test_referring_again_with_a_new_note_adds_it_to_the_card_under_their_name(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com", note="met at PyCon")
    refer(refbot, FRENCH_EMPLOYEE, name="Ada", email="ada@example.com", note="mentored me")
    card(slack, lambda m: "mentored me" in m.plain_text())
    slack.close_views(EMPLOYEE)  # the thank-you of her first referral

    again = refer(
        refbot,
        EMPLOYEE,
        name="Ada Lovelace",
        email="ada@example.com",
        note="<b>now at Acme</b> & co",
    )

    assert "the recruiter has your note" in json.dumps(again["view"])
    updated = card(slack, lambda m: "now at Acme" in m.plain_text())
    mine = section_of(updated, "met at PyCon")
    assert f"<@{EMPLOYEE}>" in mine and "&lt;b&gt;now at Acme&lt;/b&gt; &amp; co" in mine
    assert "<b>" not in updated.plain_text()
    theirs = section_of(updated, "mentored me")
    assert f"<@{FRENCH_EMPLOYEE}>" in theirs and "Acme" not in theirs
