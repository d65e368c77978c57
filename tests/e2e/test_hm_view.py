"""The hiring manager's view: a card with what a decision needs, feedback after answering, a
Home section of pending decisions, and a Pass modal that promises only what happens."""

import json
from typing import Any

from bot.slack_emulator import Message, SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, Refbot
from tests.e2e.test_decisions import MANAGER, role
from tests.e2e.test_referral import refer

NOTE = "Shipped our payments ledger; calm under pressure"


def referred_for_role(refbot: Refbot, slack: SlackEmulator, name: str = "Ada Lovelace") -> Message:
    """Alice refers someone for Staff Engineer, saying how she knows them; the card the hiring
    manager gets."""
    email = name.lower().replace(" ", ".") + "@example.com"
    slack.close_views(EMPLOYEE)  # the confirmation of an earlier referral
    refer(
        refbot,
        EMPLOYEE,
        name=name,
        email=email,
        profile_url=f"https://www.linkedin.com/in/{email.split('@')[0]}",
        role=role(refbot, "Staff Engineer"),
        relationship="worked_together",
        strength="strong",
        candidate_knows="yes",
        note=NOTE,
    )
    assert slack.wait_for(lambda: any(name in m.text for m in hm_cards(slack)))
    return next(m for m in hm_cards(slack) if name in m.text)


def hm_cards(slack: SlackEmulator) -> list[Message]:
    return [m for m in slack.dms(MANAGER) if m.blocks and "candidate for your role" in m.text]


def now(slack: SlackEmulator, message: Message) -> Message:
    return next(m for m in slack.messages(message.channel) if m.ts == message.ts)


def home_text(slack: SlackEmulator, user: str) -> str:
    home = slack.home(user)
    return json.dumps(home["blocks"], ensure_ascii=False) if home else ""


def home_buttons(slack: SlackEmulator, user: str) -> list[dict[str, Any]]:
    """The hiring manager's buttons on the person's Home (Interested, Pass)."""
    home = slack.home(user) or {"blocks": []}
    return [
        e
        for b in home["blocks"]
        for e in b.get("elements", [])
        if isinstance(e, dict) and str(e.get("action_id")).startswith("hm_")
    ]


def click_on_home(refbot: Refbot, user: str, button: dict[str, Any]) -> None:
    """The user clicks `button` on their App Home (the same button may be on a DM card too)."""
    home = refbot.slack.home(user)
    assert home is not None
    block = next(b for b in home["blocks"] if button in b.get("elements", []))
    refbot.post_payload(
        {
            "type": "block_actions",
            "team": {"id": refbot.team_id},
            "user": {"id": user, "team_id": refbot.team_id},
            "api_app_id": "AREFBOT",
            "trigger_id": refbot.slack.trigger_id(user),
            "container": {"type": "view", "view_id": home["id"]},
            "view": home,
            "actions": [
                {
                    "type": "button",
                    "action_id": button["action_id"],
                    "block_id": block.get("block_id", ""),
                    "value": button["value"],
                    "action_ts": "1.0",
                }
            ],
        }
    )


def test_hiring_manager_card_shows_what_the_referrer_says_and_the_profile(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    card = referred_for_role(refbot, slack)

    text = card.plain_text()
    assert "worked together" in text and "very well" in text
    assert NOTE in text
    assert "linkedin.com/in/ada.lovelace|profile>" in text
    assert f"<@{EMPLOYEE}>" in text
    assert card.has_button("hm_interested") and card.has_button("hm_pass")


def test_hiring_manager_card_after_interested_says_so_and_offers_only_the_other_answer(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    card = referred_for_role(refbot, slack)

    refbot.click(MANAGER, "hm_interested", on=card)

    assert slack.wait_for(lambda: not now(slack, card).has_button("hm_interested"))
    after = now(slack, card)
    assert "You're *interested*" in after.plain_text() and "<!date^" in after.plain_text()
    assert after.has_button("hm_pass")
    assert slack.wait_for(
        lambda: any("*interested*" in m.plain_text() for m in slack.dms(RECRUITER))
    )


def test_hiring_manager_home_lists_pending_decisions_until_answered(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred_for_role(refbot, slack, "Ada Lovelace")
    referred_for_role(refbot, slack, "Grace Hopper")

    refbot.open_home(MANAGER)
    assert slack.wait_for(lambda: "Waiting for your decision" in home_text(slack, MANAGER))
    before = home_text(slack, MANAGER)
    buttons = {(b["action_id"], b["value"]) for b in home_buttons(slack, MANAGER)}
    click_on_home(refbot, MANAGER, home_buttons(slack, MANAGER)[0])

    assert "Ada Lovelace" in before and "Grace Hopper" in before
    assert NOTE in before and "worked together" in before
    assert len([a for a, _ in buttons if a == "hm_interested"]) == 2
    assert len([a for a, _ in buttons if a == "hm_pass"]) == 2
    assert slack.wait_for(lambda: len(home_buttons(slack, MANAGER)) == 2)
    left = home_text(slack, MANAGER)
    assert ("Ada Lovelace" in left) != ("Grace Hopper" in left), "the answered one left Home"


def test_employee_home_has_no_decision_section(refbot: Refbot, slack: SlackEmulator) -> None:
    referred_for_role(refbot, slack)

    refbot.open_home(EMPLOYEE)

    assert slack.wait_for(lambda: slack.home(EMPLOYEE) is not None)
    assert "Waiting for your decision" not in home_text(slack, EMPLOYEE)
    assert home_buttons(slack, EMPLOYEE) == []


def test_pass_modal_promises_the_referrer_nothing_and_the_card_says_what_was_done(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    card = referred_for_role(refbot, slack)
    refbot.sweep()  # the referral receipt is out before we count
    referrer_heard = len(slack.dms(EMPLOYEE))

    refbot.click(MANAGER, "hm_pass", on=card)
    assert slack.wait_for(lambda: slack.open_views(MANAGER) != [])
    modal = json.dumps(slack.open_views(MANAGER)[-1])
    refbot.submit(MANAGER, "hm_pass_submit", reason="needs more distributed systems")
    assert slack.wait_for(lambda: not now(slack, card).has_button("hm_pass"))
    refbot.sweep()

    assert "referrer gets" not in modal and "referrer never hears your reason" in modal
    after = now(slack, card).plain_text()
    assert "You *passed*" in after and after.count("needs more") == 0
    assert now(slack, card).has_button("hm_interested")  # a change of mind stays possible
    assert len(slack.dms(EMPLOYEE)) == referrer_heard, "nothing was promised, nothing is sent"
