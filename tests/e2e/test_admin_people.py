"""`/refbot admin` manages who is recruiter and who is admin, per workspace in the database:
REFBOT_RECRUITERS only seeds the first ones; a new recruiter is not an admin; the last admin
cannot be removed; every change is in the audit trail."""

import json
from typing import Any

from sqlalchemy import select

from bot.slack_emulator import SlackEmulator
from storage.models import AuditLog
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, TEAM, Refbot
from tests.e2e.test_admin import VALID
from tests.e2e.test_referral import cards, refer


def admin_modal(refbot: Refbot, user: str = RECRUITER) -> dict[str, Any]:
    """The settings modal the user opens now (not a confirmation still on screen)."""
    slack = refbot.slack
    seen = {v["id"] for v in slack.open_views(user)}
    refbot.command(user, "/refbot", "admin")
    assert slack.wait_for(lambda: any(v["id"] not in seen for v in slack.open_views(user)))
    return next(v for v in slack.open_views(user) if v["id"] not in seen)


def people_inputs(modal: dict[str, Any]) -> dict[str, list[str]]:
    return {
        b["block_id"]: b["element"].get("initial_users", [])
        for b in modal["blocks"]
        if b["type"] == "input" and b["element"]["type"] == "multi_users_select"
    }


def save_people(
    refbot: Refbot, recruiters: list[str], admins: list[str], user: str = RECRUITER
) -> dict[str, Any]:
    admin_modal(refbot, user)
    answer = refbot.submit(user, "admin_submit", **VALID, recruiters=recruiters, admins=admins)
    return answer.json()


def trail(refbot: Refbot) -> list[tuple[str | None, str, str]]:
    with refbot.runtime.dispatcher.sessions() as s:
        rows = s.execute(
            select(AuditLog.actor_id, AuditLog.action, AuditLog.subject)
            .where(AuditLog.team_id == TEAM, AuditLog.action.like("member.%"))
            .order_by(AuditLog.id)
        ).all()
    return [tuple(r) for r in rows]


def test_the_admin_modal_shows_who_is_recruiter_and_admin_now(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    modal = admin_modal(refbot)

    # REFBOT_RECRUITERS names Rita, whom refbot has never met: she is both, from the start.
    assert people_inputs(modal) == {"recruiters": [RECRUITER], "admins": [RECRUITER]}
    labels = json.dumps(modal["blocks"])
    assert "Recruiters" in labels and "Admins" in labels and "Keep at least one" in labels


def test_an_admin_makes_someone_a_recruiter_who_does_not_become_an_admin(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    saved = save_people(refbot, recruiters=[RECRUITER, EMPLOYEE], admins=[RECRUITER])

    refbot.command(EMPLOYEE, "/refbot", "roles")
    refbot.command(EMPLOYEE, "/refbot", "admin")

    said = json.dumps(saved["view"])
    assert f"<@{EMPLOYEE}> is now a recruiter." in said
    assert slack.wait_for(lambda: len(slack.ephemerals(EMPLOYEE)) == 2)
    said_to_alice = [m.plain_text() for m in slack.ephemerals(EMPLOYEE)]
    assert any("`/refbot role` adds one" in m for m in said_to_alice), "Alice manages roles"
    assert any("not allowed" in m for m in said_to_alice), "and is no admin"
    assert people_inputs(admin_modal(refbot)) == {
        "recruiters": sorted([RECRUITER, EMPLOYEE]),
        "admins": [RECRUITER],
    }
    assert trail(refbot) == [(RECRUITER, "member.recruiter.grant", f"user:{EMPLOYEE}")]


def test_the_last_admin_cannot_be_removed(refbot: Refbot, slack: SlackEmulator) -> None:
    refused = save_people(refbot, recruiters=[RECRUITER], admins=[])

    assert refused["response_action"] == "errors"
    assert refused["errors"] == {
        "admins": "Keep at least one admin: nobody could open these settings again."
    }
    assert people_inputs(admin_modal(refbot))["admins"] == [RECRUITER]
    assert trail(refbot) == []


def test_an_admin_hands_over_and_removing_themselves_is_allowed_when_another_remains(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    save_people(refbot, recruiters=[RECRUITER], admins=[RECRUITER, FRENCH_EMPLOYEE])

    handed = save_people(
        refbot, recruiters=[RECRUITER], admins=[FRENCH_EMPLOYEE], user=FRENCH_EMPLOYEE
    )
    refbot.command(RECRUITER, "/refbot", "admin")

    said = json.dumps(handed["view"], ensure_ascii=False)
    assert handed["response_action"] == "update"
    assert "Réglages enregistrés" in said  # Camille's own language
    assert f"<@{RECRUITER}> n'est plus admin." in said
    assert slack.wait_for(
        lambda: any("not allowed" in m.plain_text() for m in slack.ephemerals(RECRUITER))
    )
    assert trail(refbot) == [
        (RECRUITER, "member.admin.grant", f"user:{FRENCH_EMPLOYEE}"),
        (FRENCH_EMPLOYEE, "member.admin.revoke", f"user:{RECRUITER}"),
    ]


def test_a_seeded_recruiter_an_admin_removed_stays_removed_after_a_restart(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    save_people(refbot, recruiters=[EMPLOYEE], admins=[RECRUITER])

    refbot.restart()  # REFBOT_RECRUITERS still names Rita
    refer(refbot, FRENCH_EMPLOYEE, name="Ada Lovelace", email="ada@example.com")

    assert slack.wait_for(lambda: len(cards(slack, EMPLOYEE)) == 1)
    assert cards(slack, RECRUITER) == [], "the general referral goes to recruiters only"
    assert people_inputs(admin_modal(refbot)) == {"recruiters": [EMPLOYEE], "admins": [RECRUITER]}
