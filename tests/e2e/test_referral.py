"""Referring someone, end to end over HTTP: entry points, validation, dedupe, cards, escaping."""

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.slack_emulator import SlackEmulator
from storage.models import Candidate, Referral
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, Refbot

CARD_BUTTONS = (
    "candidate_reach_out",
    "candidate_snooze",
    "candidate_not_a_fit",
    "candidate_archive",
)


def count(refbot: Refbot, model: type) -> int:
    with refbot.runtime.dispatcher.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def open_referral(refbot: Refbot, user: str, text: str = "") -> dict[str, Any]:
    refbot.command(user, "/refer", text)
    slack = refbot.slack
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "referral_submit" for v in slack.open_views(user))
    )
    return slack.open_views(user)[-1]


def refer(refbot: Refbot, user: str, **fields: Any) -> dict[str, Any]:
    """What the person sees once they submit: the ack's errors beside the fields, or the modal
    once its outcome replaced "saving…" (the referral is saved right after the ack)."""
    open_referral(refbot, user)
    answer = refbot.submit(user, "referral_submit", **fields)
    assert answer.status == 200
    if answer.json().get("response_action") == "errors":
        return answer.json()
    return {"response_action": "update", "view": refbot.modal(user)}


def cards(slack: SlackEmulator, user: str = RECRUITER) -> list:
    return [m for m in slack.dms(user) if m.has_button("candidate_snooze")]


def test_referral_creates_candidate_card_and_confirmation(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    modal = open_referral(refbot, EMPLOYEE, "Ada Lovelace")
    answer = refbot.submit(
        EMPLOYEE,
        "referral_submit",
        name="Ada Lovelace",
        email="ada@example.com",
        relationship="worked_together",
        strength="strong",
        candidate_knows="yes",
        note="Brilliant engineer",
    )

    name_input = next(b for b in modal["blocks"] if b["block_id"] == "name")
    assert name_input["element"]["initial_value"] == "Ada Lovelace"
    assert answer.json()["response_action"] == "update"
    assert "Saving" in json.dumps(answer.json()["view"])  # then the outcome, once saved
    assert "Thanks" in json.dumps(refbot.modal(EMPLOYEE))
    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    card = cards(slack)[0]
    assert all(card.has_button(b) for b in CARD_BUTTONS)
    assert "Ada Lovelace" in card.plain_text() and "Brilliant engineer" in card.plain_text()
    assert slack.wait_for(
        lambda: any("reached the recruiting team" in m.plain_text() for m in slack.dms(EMPLOYEE))
    )
    assert (count(refbot, Candidate), count(refbot, Referral)) == (1, 1)


def test_lead_card_offers_an_intro_instead_of_reaching_out(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refer(
        refbot,
        EMPLOYEE,
        name="Grace Hopper",
        profile_url="linkedin.com/in/grace",
        candidate_knows="no",
        can_intro="yes",
    )

    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    card = cards(slack)[0]
    assert card.has_button("candidate_request_intro") and not card.has_button("candidate_reach_out")
    assert "Lead" in card.plain_text()


@pytest.mark.parametrize("entry", ["global shortcut", "message shortcut", "home button"])
def test_every_entry_point_opens_the_referral_modal(
    refbot: Refbot, slack: SlackEmulator, entry: str
) -> None:
    if entry == "global shortcut":
        refbot.shortcut(EMPLOYEE, "refer")
    elif entry == "message shortcut":
        refbot.message_shortcut(
            EMPLOYEE,
            "refer_from_message",
            text="Meet Ada <https://www.linkedin.com/in/ada/|her profile>",
        )
    else:
        refbot.open_home(EMPLOYEE)
        assert slack.wait_for(lambda: slack.home(EMPLOYEE) is not None)
        refbot.click(EMPLOYEE, "home_refer")

    assert slack.wait_for(lambda: slack.open_views(EMPLOYEE) != [])
    modal = slack.open_views(EMPLOYEE)[-1]
    assert modal["callback_id"] == "referral_submit"
    if entry == "message shortcut":
        fields = {b["block_id"]: b["element"].get("initial_value") for b in modal["blocks"]}
        assert fields["profile_url"] == "https://www.linkedin.com/in/ada/"
        assert ("Meet Ada" in fields["note"] and "permalink" in fields["note"]) or "http" in fields[
            "note"
        ]


@pytest.mark.parametrize(
    ("fields", "block", "message"),
    [
        ({"name": "Ada"}, "email", "at least an email or a profile link"),
        ({"name": "Ada", "email": "not-an-email"}, "email", "doesn't look like an email"),
        ({"name": "Ada", "profile_url": "javascript:alert(1)"}, "profile_url", "http"),
        ({"name": "A" * 121, "email": "a@example.com"}, "name", "too long"),
        ({"name": "Ada", "email": "a@example.com", "note": "x" * 2001}, "note", "too long"),
    ],
)
def test_bad_input_is_refused_inline_and_nothing_is_saved(
    refbot: Refbot, slack: SlackEmulator, fields: dict[str, str], block: str, message: str
) -> None:
    answer = refer(refbot, EMPLOYEE, **fields)

    assert answer["response_action"] == "errors"
    assert message in answer["errors"][block]
    assert (count(refbot, Candidate), count(refbot, Referral)) == (0, 0)
    assert cards(slack) == []


def test_a_forged_strength_the_select_never_offered_is_refused_inline(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    open_referral(refbot, EMPLOYEE)
    payload = refbot.submission_payload(
        EMPLOYEE, "referral_submit", name="Ada", email="ada@example.com", strength="strong"
    )
    (chosen,) = payload["view"]["state"]["values"]["strength"].values()
    chosen["selected_option"]["value"] = "legendary"

    answer = refbot.post_payload(payload).json()

    assert answer["response_action"] == "errors"
    assert "pick one of the options" in answer["errors"]["strength"]
    assert (count(refbot, Candidate), count(refbot, Referral)) == (0, 0)


def test_same_person_referred_twice_is_one_candidate_and_one_card_listing_both(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refer(
        refbot,
        EMPLOYEE,
        name="Ada Lovelace",
        email="Ada.Lovelace@Example.com ",
        profile_url="https://www.linkedin.com/in/ada-lovelace/?utm_source=share",
    )
    assert slack.wait_for(lambda: len(cards(slack)) == 1)

    second = refer(refbot, FRENCH_EMPLOYEE, name="Ada L.", email=" ada.lovelace@example.com")
    third = refer(refbot, "U0THIRD", name="Ada", profile_url="linkedin.com/in/Ada-Lovelace")

    assert (count(refbot, Candidate), count(refbot, Referral)) == (1, 3)
    told = json.dumps(second["view"], ensure_ascii=False) + json.dumps(third["view"])
    assert "déjà connu" in told and "already known to the team" in told
    assert EMPLOYEE not in told and "new" not in json.dumps(second["view"]).lower().replace(
        "news", ""
    )
    assert slack.wait_for(
        lambda: (
            FRENCH_EMPLOYEE in cards(slack)[0].plain_text()
            and "U0THIRD" in cards(slack)[0].plain_text()
        )
    )
    assert len(cards(slack)) == 1, "the card is updated, not sent again"


def test_user_text_is_escaped_everywhere(refbot: Refbot, slack: SlackEmulator) -> None:
    name = "<!channel> Ann <https://evil.example|click> & co"

    refer(refbot, EMPLOYEE, name=name, email="ann@example.com", note="<!here> hi")

    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    slack.wait_for(lambda: len(slack.dms(EMPLOYEE)) >= 1)
    for call in slack.calls:
        sent = json.dumps(call.args)
        assert "<!channel>" not in sent and "<!here>" not in sent
        assert "<https://evil.example|click>" not in sent
    assert "&lt;!channel&gt; Ann" in cards(slack)[0].plain_text()


def test_twenty_simultaneous_referrals_of_one_email_make_one_candidate_and_one_card(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    people = [f"U0PEER{i:02d}" for i in range(20)]
    for person in people:
        open_referral(refbot, person)

    with ThreadPoolExecutor(20) as pool:
        answers = list(
            pool.map(
                lambda p: refbot.submit(
                    p, "referral_submit", name="Linus", email="linus@example.com"
                ),
                people,
            )
        )

    assert {a.status for a in answers} == {200}
    assert count(refbot, Candidate) == 1 and count(refbot, Referral) == 20
    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    refbot.sweep()
    assert len(cards(slack)) == 1


def test_home_lists_the_employees_referrals_and_their_status(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com")
    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    refbot.click(RECRUITER, "candidate_archive")
    assert slack.wait_for(lambda: cards(slack) == [])  # the card now offers only Reactivate

    refbot.open_home(EMPLOYEE)

    assert slack.wait_for(lambda: "Ada Lovelace" in json.dumps(slack.home(EMPLOYEE) or {}))
    home = json.dumps(slack.home(EMPLOYEE))
    assert "closed" in home and "You haven't referred anyone yet" not in home
