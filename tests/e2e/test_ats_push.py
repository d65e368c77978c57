"""A referral goes into the connected ATS through the outbox: once, credited to the referrer,
whatever the ATS does meanwhile (errors, a dropped answer, 429s, an outage, a revoked key)."""

from typing import Any

from bot.ats.greenhouse_emulator import GreenhouseEmulator
from bot.ats.lever_emulator import LeverEmulator
from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, Clock, Refbot
from tests.e2e import test_ats_connect as connecting
from tests.e2e.test_ats_connect import connect_greenhouse, connect_lever
from tests.e2e.test_referral import refer

ADA = "ada@example.org"
# The emulators and refbot with a secret key, as test_ats_connect sets them up.
atsbot, gh, lever = connecting.atsbot, connecting.gh, connecting.lever


def refer_ada(refbot: Refbot, **extra: Any) -> None:
    fields = {"name": "Ada Lovelace", "email": ADA, "candidate_knows": "yes", **extra}
    refer(refbot, EMPLOYEE, **fields)


def card(slack: SlackEmulator) -> Any:
    return [m for m in slack.dms(RECRUITER) if m.has_button("candidate_snooze")][-1]


def pushed_once(gh: GreenhouseEmulator) -> bool:
    return len(gh.candidates()) == 1 and len(gh.applications()) == 1


def keep_trying(refbot: Refbot, clock: Clock, times: int, **step: float) -> None:
    for _ in range(times):
        clock.travel(**step)
        refbot.sweep()


def test_referral_lands_in_greenhouse_once_credited_to_the_referrer(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator
) -> None:
    connect_greenhouse(atsbot, gh)

    refer_ada(atsbot, note="Brilliant at maths")
    atsbot.sweep()

    assert slack.wait_for(lambda: pushed_once(gh) and len(gh.notes(gh.candidates()[0]["id"])) == 1)
    application = gh.applications()[0]
    assert application["referrer_id"] == int(gh.referrer_id(gh.alice))  # type: ignore[attr-defined,arg-type]
    assert application["source_id"] == int(gh.source_id("Referral"))
    assert "Brilliant at maths" in gh.notes(gh.candidates()[0]["id"])[0]["body"]
    assert slack.wait_for(lambda: "credited to <@U0ALICE>" in str(card(slack).blocks))
    assert not card(slack).has_button("candidate_send_to_ats")


def test_referral_lands_in_lever_with_the_referrer_credited_in_a_note(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator
) -> None:
    connect_lever(atsbot, lever)

    refer_ada(atsbot)
    atsbot.sweep()

    assert slack.wait_for(lambda: len(lever.opportunities()) == 1)
    opportunity = lever.opportunities()[0]
    assert opportunity["origin"] == "referred"
    assert slack.wait_for(lambda: len(lever.notes(opportunity["id"])) == 1)
    assert "Alice Martin" in str(lever.notes(opportunity["id"])[0])
    assert slack.wait_for(lambda: "referrer credited in a note" in str(card(slack).blocks))


def test_ten_failed_tries_still_create_one_candidate(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    connect_greenhouse(atsbot, gh)
    gh.fail("POST /v3/applications", status=500, times=10)

    refer_ada(atsbot)
    keep_trying(atsbot, clock, 12, hours=1)

    assert slack.wait_for(lambda: pushed_once(gh))
    assert len(gh.calls_to("POST /v3/applications")) == 11
    assert len(gh.calls_to("POST /v3/candidates")) == 1


def test_an_answer_lost_after_greenhouse_created_her_does_not_create_her_twice(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    connect_greenhouse(atsbot, gh)
    gh.drop_after_commit("POST /v3/candidates")

    refer_ada(atsbot)
    keep_trying(atsbot, clock, 3, minutes=5)

    assert slack.wait_for(lambda: pushed_once(gh))
    assert len(gh.calls_to("POST /v3/candidates")) == 1


def test_a_429_storm_is_waited_out_and_gives_one_candidate(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    connect_greenhouse(atsbot, gh)
    gh.rate_limit_storm(15, retry_after=2)

    refer_ada(atsbot)
    keep_trying(atsbot, clock, 20, seconds=3)

    assert slack.wait_for(lambda: pushed_once(gh))
    assert len([c for c in gh.calls() if c.status == 429]) == 15


def test_a_thirty_minute_outage_delays_the_push_and_loses_nothing(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    connect_greenhouse(atsbot, gh)
    gh.outage(True)

    refer_ada(atsbot)
    keep_trying(atsbot, clock, 6, minutes=5)
    assert gh.candidates() == []
    gh.outage(False)
    keep_trying(atsbot, clock, 2, hours=1)

    assert slack.wait_for(lambda: pushed_once(gh))


def test_revoked_key_makes_pushes_wait_and_tells_the_admin_once(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    connect_greenhouse(atsbot, gh)
    gh.revoke_client("gh-client")

    refer_ada(atsbot)
    keep_trying(atsbot, clock, 4, minutes=20)

    def told() -> list:
        return [m for m in slack.dms(RECRUITER) if "refuses refbot's credentials" in m.text]

    assert slack.wait_for(lambda: len(told()) == 1)
    assert gh.candidates() == [] and len(told()) == 1

    gh.add_client("gh-client-2", "gh-secret-2")
    connect_greenhouse(atsbot, gh, client_id="gh-client-2", secret="gh-secret-2")

    assert slack.wait_for(lambda: pushed_once(gh))
    assert len(told()) == 1


def test_someone_greenhouse_knows_already_gets_nothing_new_there_and_the_referrer_is_told(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator
) -> None:
    gh.add_candidate("Ada", "Lovelace", ADA)
    connect_greenhouse(atsbot, gh)

    refer_ada(atsbot, note="Brilliant at maths")
    atsbot.sweep()

    assert slack.wait_for(
        lambda: any("already known to the team" in m.text for m in slack.dms(EMPLOYEE))
    )
    assert len(gh.candidates()) == 1 and gh.applications() == []
    assert gh.calls_to("POST /v3/") == []
    assert slack.wait_for(lambda: "Already in Greenhouse" in str(card(slack).blocks))


def test_on_button_mode_the_recruiter_sends_her_to_greenhouse(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator
) -> None:
    connect_greenhouse(atsbot, gh, push="button")

    refer_ada(atsbot)
    atsbot.sweep()
    assert slack.wait_for(lambda: card(slack).has_button("candidate_send_to_ats"))
    assert gh.candidates() == []

    atsbot.click(RECRUITER, "candidate_send_to_ats")
    atsbot.sweep()

    assert slack.wait_for(lambda: pushed_once(gh))
    assert slack.wait_for(lambda: "credited to <@U0ALICE>" in str(card(slack).blocks))


def test_an_employee_clicking_a_forwarded_send_button_sends_nothing(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator
) -> None:
    connect_greenhouse(atsbot, gh, push="button")
    refer_ada(atsbot)
    atsbot.sweep()
    assert slack.wait_for(lambda: card(slack).has_button("candidate_send_to_ats"))

    atsbot.click(EMPLOYEE, "candidate_send_to_ats", on=card(slack))
    atsbot.sweep()

    assert slack.wait_for(lambda: any("recruiter" in m.text for m in slack.ephemerals(EMPLOYEE)))
    assert gh.candidates() == []


def test_a_referrer_note_whose_answer_was_lost_is_written_to_greenhouse_once(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    connect_greenhouse(atsbot, gh)
    gh.fail("GET /v3/notes", status=502)
    gh.drop_after_commit("POST /v3/notes")  # the note is written, refbot never hears so

    refer_ada(atsbot, note="Brilliant at maths")
    atsbot.sweep()
    keep_trying(atsbot, clock, 6, minutes=5)

    def noted() -> list[str]:
        people = gh.candidates()
        notes = gh.notes(people[0]["id"]) if people else []
        return [n["body"] for n in notes if "Brilliant at maths" in n["body"]]

    assert slack.wait_for(lambda: pushed_once(gh) and len(noted()) == 1)
    keep_trying(atsbot, clock, 3, hours=1)
    assert len(noted()) == 1
    assert len(gh.calls_to("POST /v3/notes")) == 1


def test_a_referrer_note_whose_answer_was_lost_is_written_to_lever_once_across_a_429_storm(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock
) -> None:
    connect_lever(atsbot, lever)
    lever.rate_limit_storm(3, retry_after=1, route="GET /v1/opportunities/")
    lever.drop_after_commit("POST /v1/opportunities/")  # the note's POST (the create has no /)

    refer_ada(atsbot, note="Brilliant at maths")
    atsbot.sweep()
    keep_trying(atsbot, clock, 8, minutes=2)

    def noted() -> list[str]:
        opportunities = lever.opportunities()
        notes = lever.notes(opportunities[0]["id"]) if opportunities else []
        return [n["value"] for n in notes if "Brilliant at maths" in n["value"]]

    assert slack.wait_for(lambda: len(lever.opportunities()) == 1 and len(noted()) == 1)
    keep_trying(atsbot, clock, 3, hours=1)
    assert len(noted()) == 1 and "Alice Martin" in noted()[0]
    assert len(lever.opportunities()) == 1
