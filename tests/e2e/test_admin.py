"""`/refbot admin`: validated settings and outreach wording, admins only."""

import json

from bot.slack_emulator import SlackEmulator
from storage.repositories import settings
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Refbot
from tests.e2e.test_decisions import referred
from tests.e2e.test_outreach import reach_out

VALID = {
    "followup_first_days": "2",
    "followup_second_days": "5",
    "snooze_default_months": "3",
    "sla_business_days": "1",
    "credit_window_months": "6",
    "retention_months": "12",
}


def open_admin(refbot: Refbot, user: str = RECRUITER) -> None:
    refbot.command(user, "/refbot", "admin")
    assert refbot.slack.wait_for(
        lambda: any(v["callback_id"] == "admin_submit" for v in refbot.slack.open_views(user))
    )


def test_admin_saves_valid_settings_and_refuses_bad_ones_inline(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    open_admin(refbot)

    bad = refbot.submit(
        RECRUITER,
        "admin_submit",
        **{**VALID, "followup_second_days": "1", "snooze_default_months": "5"},
    )
    good = refbot.submit(RECRUITER, "admin_submit", **VALID)

    assert set(bad.json()["errors"]) == {"followup_second_days", "snooze_default_months"}
    assert good.json()["response_action"] == "update"
    with refbot.runtime.dispatcher.sessions() as s:
        saved = settings.get(s, TEAM)
        assert (saved.followup_first_days, saved.snooze_default_months) == (2, 3)


def test_custom_wording_is_checked_on_save_and_used_for_drafts(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    open_admin(refbot)
    broken = refbot.submit(
        RECRUITER,
        "admin_submit",
        **VALID,
        template="referred_A",
        template_body="Hey {{ nickname }}! {{ ''.__class__ }}",
    )
    saved = refbot.submit(
        RECRUITER,
        "admin_submit",
        **VALID,
        template="referred_A",
        template_body="Yo {{ first_name }}, {{ recruiter }} here.",
    )
    referred(refbot, slack)

    draft = reach_out(refbot, template="referred_A", channel="email")

    assert "template_body" in broken.json()["errors"]
    assert saved.json()["response_action"] == "update"
    assert "Yo Ada, Rita Okafor here." in json.dumps(draft.json()["view"])


def test_only_admins_open_the_settings(refbot: Refbot, slack: SlackEmulator) -> None:
    refbot.command(EMPLOYEE, "/refbot", "admin")

    assert slack.wait_for(lambda: slack.ephemerals(EMPLOYEE) != [])
    assert "not allowed" in slack.ephemerals(EMPLOYEE)[-1].plain_text()
    assert slack.open_views(EMPLOYEE) == []
