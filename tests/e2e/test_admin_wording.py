"""The outreach wording in `/refbot admin`: the box opens with the text recruiters get now,
the admin picks the message (the follow-up's too) and the language, and the confirmation says
which language was saved. A wording still goes through the bounded sandbox on save."""

import json
from typing import Any

from bot.outreach_templates import default_source
from bot.slack_emulator import SlackEmulator
from tests.conftest import FRENCH_EMPLOYEE, RECRUITER, Clock, Refbot
from tests.e2e.test_admin import VALID
from tests.e2e.test_admin_people import admin_modal, save_people
from tests.e2e.test_decisions import referred
from tests.e2e.test_outreach import reach_out
from tests.e2e.test_referral import cards


def box(modal: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in modal["blocks"] if b.get("block_id") == "template_body")["element"]


def chosen(modal: dict[str, Any], block_id: str) -> str:
    block = next(b for b in modal["blocks"] if b.get("block_id") == block_id)
    return str(block["element"]["initial_option"]["value"])


def pick(refbot: Refbot, block_id: str, value: str) -> dict[str, Any]:
    """The admin picks another option in a select of the open modal; the box refills."""
    slack = refbot.slack
    before = box(slack.open_views(RECRUITER)[-1])["action_id"]
    refbot.click(RECRUITER, block_id, choose=value)
    assert slack.wait_for(lambda: box(slack.open_views(RECRUITER)[-1])["action_id"] != before)
    return slack.open_views(RECRUITER)[-1]


def test_the_wording_box_opens_with_the_text_recruiters_get_now(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    first = admin_modal(refbot)
    refbot.submit(
        RECRUITER,
        "admin_submit",
        **VALID,
        template="referred_A",
        template_body="Hello {{ first_name }}, {{ recruiter }} here.",
    )

    again = admin_modal(refbot)

    assert chosen(first, "template") == "referred_A"
    assert chosen(first, "template_locale") == "en"  # Rita's language, said and changeable
    assert box(first)["initial_value"] == default_source("en", "referred_A").strip()
    assert "refbot's wording" in json.dumps(first["blocks"])
    assert box(again)["initial_value"] == "Hello {{ first_name }}, {{ recruiter }} here."
    assert "your workspace's own wording" in json.dumps(again["blocks"])


def test_an_admin_rewords_the_french_draft_and_is_told_it_is_the_french_one(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    save_people(refbot, recruiters=[RECRUITER, FRENCH_EMPLOYEE], admins=[RECRUITER])
    admin_modal(refbot)

    french = pick(refbot, "template_locale", "fr")
    saved = refbot.submit(
        RECRUITER,
        "admin_submit",
        **VALID,
        template_body="Bonjour {{ first_name }}, c'est {{ recruiter }}.",
    )

    assert box(french)["initial_value"] == default_source("fr", "referred_A").strip()
    said = json.dumps(saved.json()["view"], ensure_ascii=False)
    assert (
        "The French wording of “Referred by a colleague — direct” is saved: recruiters whose "
        "Slack is in French get it from now on." in said
    )
    referred(refbot, slack)
    assert slack.wait_for(lambda: cards(slack, FRENCH_EMPLOYEE) != [])  # both recruiters'
    refbot.click(FRENCH_EMPLOYEE, "candidate_reach_out")
    assert slack.wait_for(lambda: slack.open_views(FRENCH_EMPLOYEE) != [])
    camille = refbot.submit(
        FRENCH_EMPLOYEE, "reach_out_submit", template="referred_A", channel="email"
    )
    assert "Bonjour Ada, c'est Camille Durand." in json.dumps(
        camille.json()["view"], ensure_ascii=False
    )
    english = admin_modal(refbot)
    assert box(english)["initial_value"] == default_source("en", "referred_A").strip()


def test_the_follow_up_wording_is_editable_and_used_in_follow_up_reminders(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    admin_modal(refbot)
    followup = pick(refbot, "template", "followup")
    refused = refbot.submit(RECRUITER, "admin_submit", **VALID, template_body="{{ 'x' * 10000 }}")
    saved = refbot.submit(
        RECRUITER,
        "admin_submit",
        **VALID,
        template_body="Quick nudge, {{ first_name }}: still keen? {{ recruiter }}",
    )
    referred(refbot, slack)

    reach_out(refbot, template="referred_A", channel="email")
    clock.travel(days=30)
    refbot.sweep()

    assert box(followup)["initial_value"] == default_source("en", "followup").strip()
    assert refused.json()["errors"].keys() == {"template_body"}, "the sandbox's limits hold"
    said = json.dumps(saved.json()["view"], ensure_ascii=False)
    assert "The English wording of “Follow-up” is saved" in said
    reminders = [m for m in slack.dms(RECRUITER) if m.has_button("followup_sent")]
    assert reminders, "the follow-up reminder arrived"
    assert "Quick nudge, Ada: still keen? Rita Okafor" in reminders[0].plain_text()


def test_emptying_the_box_goes_back_to_refbots_wording(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    admin_modal(refbot)
    refbot.submit(
        RECRUITER,
        "admin_submit",
        **VALID,
        template="referred_A",
        template_body="Yo {{ recruiter }}",
    )
    admin_modal(refbot)

    reverted = refbot.submit(RECRUITER, "admin_submit", **VALID, template_body="")

    assert "is back to refbot's own" in json.dumps(reverted.json()["view"])
    assert box(admin_modal(refbot))["initial_value"] == default_source("en", "referred_A").strip()
