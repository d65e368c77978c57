"""Acting on a card: not a fit, archive, a forwarded card, the hiring manager's loop, roles."""

import json

from bot.slack_emulator import SlackEmulator
from storage.models import Candidate
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, TEAM, Refbot
from tests.e2e.test_referral import cards, open_referral, refer

MANAGER = "U0MANAGER"


def status(refbot: Refbot) -> str:
    with refbot.runtime.dispatcher.sessions() as s:
        return s.query(Candidate).one().status.value


def role(refbot: Refbot, title: str, *, manager: str | None = MANAGER, status: str = "open") -> str:
    """A role created by the recruiter, as `/refbot role` would; its public id."""
    created = refbot.runtime.services.roles.create(
        team_id=TEAM,
        actor_id=RECRUITER,
        title=title,
        team_name=None,
        hiring_manager_id=manager,
        recruiter_id=RECRUITER,
        status=status,
        ideal_profile=None,
    ).role
    assert created is not None
    return created.public_id


def referred(refbot: Refbot, slack: SlackEmulator, **extra: str) -> None:
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com", **extra)
    assert slack.wait_for(lambda: len(cards(slack)) == 1)


def test_not_a_fit_keeps_the_reason_private_and_updates_card_and_referrer(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)

    refbot.click(RECRUITER, "candidate_not_a_fit")
    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])
    empty = refbot.submit(RECRUITER, "not_a_fit_submit", reason="")
    refbot.click(RECRUITER, "candidate_not_a_fit")
    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])
    refbot.submit(RECRUITER, "not_a_fit_submit", reason="wants a Rust-only team")

    assert empty.json()["response_action"] == "errors"
    assert status(refbot) == "not_a_fit"
    assert slack.wait_for(
        lambda: cards(slack) == [] and slack.dms(RECRUITER)[0].has_button("candidate_reactivate")
    )
    assert slack.wait_for(
        lambda: any("closed your referral" in m.plain_text() for m in slack.dms(EMPLOYEE))
    )
    for m in slack.dms(EMPLOYEE):
        assert "Rust" not in m.plain_text()
    assert len(slack.dms(RECRUITER)) == 1, "the card changed in place"


def test_forwarded_card_clicked_by_an_employee_is_not_allowed(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)
    card = cards(slack)[0]

    refbot.click(FRENCH_EMPLOYEE, "candidate_archive", on=card)

    assert slack.wait_for(lambda: slack.ephemerals(FRENCH_EMPLOYEE) != [])
    assert "pas le droit" in slack.ephemerals(FRENCH_EMPLOYEE)[-1].plain_text()
    assert status(refbot) == "new"
    refbot.click(FRENCH_EMPLOYEE, "candidate_not_a_fit", on=card)
    assert slack.wait_for(lambda: len(slack.ephemerals(FRENCH_EMPLOYEE)) == 2)
    assert slack.open_views(FRENCH_EMPLOYEE) == []


def test_archive_then_reactivate_from_the_card(refbot: Refbot, slack: SlackEmulator) -> None:
    referred(refbot, slack)

    refbot.click(RECRUITER, "candidate_archive")
    assert slack.wait_for(lambda: slack.dms(RECRUITER)[0].has_button("candidate_reactivate"))
    refbot.click(RECRUITER, "candidate_reactivate")

    assert slack.wait_for(lambda: slack.dms(RECRUITER)[0].has_button("candidate_archive"))
    assert status(refbot) == "reviewing"


def test_hiring_manager_passes_with_a_reason_and_the_recruiter_is_told(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack, role=role(refbot, "Staff Engineer"))
    assert slack.wait_for(lambda: any(m.has_button("hm_pass") for m in slack.dms(MANAGER)))

    refbot.click(MANAGER, "hm_pass")
    assert slack.wait_for(lambda: slack.open_views(MANAGER) != [])
    refbot.submit(MANAGER, "hm_pass_submit", reason="needs more distributed systems")

    assert slack.wait_for(lambda: any("passed" in m.plain_text() for m in slack.dms(RECRUITER)))
    told = next(m for m in slack.dms(RECRUITER) if "passed" in m.plain_text()).plain_text()
    assert "needs more distributed systems" in told and "Staff Engineer" in told


def test_hiring_manager_interested_tells_the_recruiter_and_others_cannot_answer(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack, role=role(refbot, "Designer"))
    assert slack.wait_for(lambda: any(m.has_button("hm_interested") for m in slack.dms(MANAGER)))
    hm_card = next(m for m in slack.dms(MANAGER) if m.has_button("hm_interested"))

    refbot.click(EMPLOYEE, "hm_interested", on=hm_card)
    refbot.click(MANAGER, "hm_interested")

    assert slack.wait_for(lambda: any("interested" in m.plain_text() for m in slack.dms(RECRUITER)))
    assert slack.wait_for(
        lambda: any("not allowed" in m.plain_text() for m in slack.ephemerals(EMPLOYEE))
    )


def test_roles_are_created_by_recruiters_and_listed_to_everyone(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refbot.command(EMPLOYEE, "/refbot", "role")
    assert slack.wait_for(lambda: slack.ephemerals(EMPLOYEE) != [])
    refbot.command(RECRUITER, "/refbot", "role")
    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])
    bad = refbot.submit(RECRUITER, "role_submit", title="", status="open")
    refbot.command(RECRUITER, "/refbot", "role")
    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])
    done = refbot.submit(
        RECRUITER,
        "role_submit",
        title="Data <Engineer>",
        team="Data",
        hiring_manager=MANAGER,
        status="upcoming",
    )
    refbot.command(FRENCH_EMPLOYEE, "/refbot", "roles")
    modal = open_referral(refbot, EMPLOYEE)

    assert "not allowed" in slack.ephemerals(EMPLOYEE)[0].plain_text()
    assert bad.json()["response_action"] == "errors" and "title" in bad.json()["errors"]
    assert "saved" in json.dumps(done.json()["view"])
    assert slack.wait_for(lambda: slack.ephemerals(FRENCH_EMPLOYEE) != [])
    listed = slack.ephemerals(FRENCH_EMPLOYEE)[-1].plain_text()
    assert "Data &lt;Engineer&gt;" in listed and "bientôt ouvert" in listed
    role_input = next(b for b in modal["blocks"] if b["block_id"] == "role")
    assert "Data <Engineer> (opening soon)" in json.dumps(role_input)


def test_moving_along_the_pipeline_tells_the_referrer_each_stage_once(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)

    for stage in ("interviewing", "hired"):
        refbot.click(RECRUITER, "candidate_stage", choose=stage)
        assert slack.wait_for(lambda s=stage: status(refbot) == s)

    words = ["is interviewing with us", "is joining us"]
    assert slack.wait_for(
        lambda: all(any(w in m.plain_text() for m in slack.dms(EMPLOYEE)) for w in words)
    )
    assert slack.wait_for(lambda: not slack.dms(RECRUITER)[0].has_button("candidate_snooze"))
