"""The referral's CV goes with the ATS push (issue 17, item 3): attached once to the person refbot
created, whatever the ATS or Slack do meanwhile (errors, 429s, a lost answer); nothing without a
CV; and a forget in refbot leaves the ATS's copy alone, saying so."""

import json

from bot.ats.greenhouse_emulator import GreenhouseEmulator
from bot.ats.lever_emulator import LeverEmulator
from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, Clock, Refbot
from tests.e2e import test_ats_connect as connecting
from tests.e2e.test_ats_connect import connect_greenhouse, connect_lever
from tests.e2e.test_ats_push import ADA, card, keep_trying, pushed_once, refer_ada
from tests.e2e.test_cv import PDF
from tests.e2e.test_privacy import everything_stored
from tests.e2e.test_referral import open_referral

atsbot, gh, lever = connecting.atsbot, connecting.gh, connecting.lever
ATTACH = "POST /v3/attachments"
LATER_CV = b"%PDF-1.7\n" + b"Ada Lovelace, notes on the engine, 2026 edition\n" * 200


def refer_ada_with_cv(refbot: Refbot, slack: SlackEmulator) -> dict:
    cv = slack.user_file(EMPLOYEE, "ada-cv.pdf", PDF)
    refer_ada(refbot, cv=cv)
    return cv


def test_a_cv_reaches_greenhouse_once_across_errors_429s_and_a_lost_answer(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    connect_greenhouse(atsbot, gh)
    gh.fail(ATTACH, status=500)
    gh.rate_limit_storm(2, retry_after=2, route=ATTACH)
    gh.drop_after_commit(ATTACH)  # attached, but refbot never hears so

    refer_ada_with_cv(atsbot, slack)
    atsbot.sweep()
    keep_trying(atsbot, clock, 8, minutes=5)

    assert slack.wait_for(lambda: pushed_once(gh) and len(gh.attachments()) == 1)
    [attachment] = gh.attachments()
    assert attachment["application_id"] == gh.applications()[0]["id"]
    assert (attachment["filename"], attachment["type"]) == ("ada-cv.pdf", "resume")
    assert gh.attachment_content(attachment["id"]) == PDF
    # Four tries reached the POST (500, 429, 429, the lost one); the next looked and stopped.
    assert [c.status for c in gh.calls_to(ATTACH)][:3] == [500, 429, 429]
    assert len(gh.calls_to(ATTACH)) == 4


def test_a_cv_reaches_lever_once_after_slack_failed_and_an_answer_was_lost(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock
) -> None:
    connect_lever(atsbot, lever)
    slack.fail("files.info", status=500, times=4)  # Slack cannot say what the file is, for now

    refer_ada_with_cv(atsbot, slack)
    atsbot.sweep()
    assert slack.wait_for(lambda: len(lever.opportunities()) == 1)
    [opportunity] = lever.opportunities()
    upload = f"POST /v1/opportunities/{opportunity['id']}/files"
    lever.drop_after_commit(upload)
    keep_trying(atsbot, clock, 8, minutes=5)

    assert slack.wait_for(lambda: len(lever.files(opportunity["id"])) == 1)
    keep_trying(atsbot, clock, 2, minutes=30)
    [stored] = lever.files(opportunity["id"])
    assert stored["name"] == "ada-cv.pdf" and lever.file_content(stored["id"]) == PDF
    assert len(lever.calls_to(upload)) == 1


def test_a_referral_without_a_cv_pushes_no_attachment(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    connect_greenhouse(atsbot, gh)

    refer_ada(atsbot)
    atsbot.sweep()
    keep_trying(atsbot, clock, 2, minutes=5)

    assert slack.wait_for(lambda: pushed_once(gh))
    assert gh.attachments() == []
    assert gh.calls_to("POST /v3/attachments") == gh.calls_to("GET /v3/attachments") == []


def test_someone_greenhouse_knew_already_gets_no_cv_from_refbot(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    connect_greenhouse(atsbot, gh)
    gh.add_candidate("Ada", "Lovelace", ADA)

    refer_ada_with_cv(atsbot, slack)
    atsbot.sweep()
    keep_trying(atsbot, clock, 2, minutes=5)

    assert slack.wait_for(lambda: any("already" in m.text for m in slack.dms(EMPLOYEE)))
    assert gh.calls_to(ATTACH) == [] and gh.attachments() == []


def test_a_forget_leaves_the_greenhouse_copy_alone_and_says_so(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    connect_greenhouse(atsbot, gh)
    refer_ada_with_cv(atsbot, slack)
    atsbot.sweep()
    assert slack.wait_for(lambda: len(gh.attachments()) == 1)
    calls_before = len([c for c in gh.calls() if c.method != "GET"])

    atsbot.command(RECRUITER, "/refbot", f"forget {ADA}")
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "forget_submit" for v in slack.open_views(RECRUITER))
    )
    confirm = json.dumps(slack.open_views(RECRUITER)[-1]["blocks"])
    atsbot.submit(RECRUITER, "forget_submit")
    atsbot.sweep()
    keep_trying(atsbot, clock, 2, minutes=5)

    assert "*Greenhouse* keeps its own record of them" in confirm
    assert "erase them in Greenhouse too" in confirm
    assert len(gh.attachments()) == 1 and len(gh.candidates()) == 1
    assert len([c for c in gh.calls() if c.method != "GET"]) == calls_before
    assert "ada-cv" not in everything_stored(atsbot)


def refer_ada_again_with_cv(
    refbot: Refbot, slack: SlackEmulator, name: str = "ada-2026.pdf"
) -> None:
    """Camille refers Ada too, with a newer CV; Slack retries the submission once."""
    cv = slack.user_file(FRENCH_EMPLOYEE, name, LATER_CV)
    fields = {"name": "Ada Lovelace", "email": ADA, "candidate_knows": "yes", "cv": cv}
    open_referral(refbot, FRENCH_EMPLOYEE)
    payload = refbot.submission_payload(FRENCH_EMPLOYEE, "referral_submit", **fields)
    assert refbot.post_payload(payload).status == 200
    assert refbot.post_payload(payload).status == 200


def test_a_cv_from_a_later_referral_reaches_greenhouse_once(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    connect_greenhouse(atsbot, gh)
    refer_ada_with_cv(atsbot, slack)
    atsbot.sweep()
    assert slack.wait_for(lambda: pushed_once(gh) and len(gh.attachments()) == 1)
    gh.rate_limit_storm(2, retry_after=1, route="GET /v3/attachments")
    gh.drop_after_commit(ATTACH)  # attached, but refbot never hears so

    refer_ada_again_with_cv(atsbot, slack)
    atsbot.sweep()
    keep_trying(atsbot, clock, 6, minutes=5)

    assert slack.wait_for(lambda: len(gh.attachments()) == 2)
    keep_trying(atsbot, clock, 3, hours=1)
    assert pushed_once(gh) and len(gh.attachments()) == 2
    later = next(a for a in gh.attachments() if a["filename"] == "ada-2026.pdf")
    assert later["application_id"] == gh.applications()[0]["id"] and later["type"] == "resume"
    assert gh.attachment_content(later["id"]) == LATER_CV
    assert len(gh.calls_to(ATTACH)) == 2  # the first CV, then the later one once


def test_a_cv_from_a_later_referral_reaches_lever_once_across_a_revoked_key(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock
) -> None:
    connect_lever(atsbot, lever)
    refer_ada(atsbot)  # no CV the first time
    atsbot.sweep()
    assert slack.wait_for(lambda: len(lever.opportunities()) == 1)
    [opportunity] = lever.opportunities()
    upload = f"POST /v1/opportunities/{opportunity['id']}/files"
    lever.revoke_key("lever-key")

    refer_ada_again_with_cv(atsbot, slack)
    atsbot.sweep()
    keep_trying(atsbot, clock, 3, minutes=20)
    assert lever.files(opportunity["id"]) == []
    lever.add_key("lever-key-2")
    lever.drop_after_commit(upload)
    connect_lever(atsbot, lever, secret="lever-key-2")
    keep_trying(atsbot, clock, 6, minutes=5)

    assert slack.wait_for(lambda: len(lever.files(opportunity["id"])) == 1)
    keep_trying(atsbot, clock, 3, hours=1)
    [stored] = lever.files(opportunity["id"])
    assert stored["name"] == "ada-2026.pdf" and lever.file_content(stored["id"]) == LATER_CV
    assert len([c for c in lever.calls_to(upload) if c.status != 401]) == 1
    assert len(lever.opportunities()) == 1


def test_a_later_cv_of_someone_greenhouse_knew_already_goes_nowhere(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    connect_greenhouse(atsbot, gh)
    gh.add_candidate("Ada", "Lovelace", ADA)
    refer_ada(atsbot)
    atsbot.sweep()
    assert slack.wait_for(lambda: any("already" in m.text for m in slack.dms(EMPLOYEE)))

    refer_ada_again_with_cv(atsbot, slack)
    atsbot.sweep()
    keep_trying(atsbot, clock, 2, minutes=5)

    assert slack.wait_for(
        lambda: any("ada-2026.pdf" in m.plain_text() for m in slack.dms(RECRUITER))
    )
    assert gh.attachments() == [] and gh.applications() == []
    assert gh.calls_to("POST /v3/") == []


def test_on_button_mode_a_later_cv_waits_for_send_to_ats_and_then_goes_once(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    connect_greenhouse(atsbot, gh, push="button")
    refer_ada(atsbot)
    atsbot.sweep()
    assert slack.wait_for(lambda: card(slack).has_button("candidate_send_to_ats"))

    refer_ada_again_with_cv(atsbot, slack)
    atsbot.sweep()
    keep_trying(atsbot, clock, 2, minutes=5)
    assert gh.calls_to("POST /v3/") == []
    atsbot.click(RECRUITER, "candidate_send_to_ats", on=card(slack))
    atsbot.sweep()
    keep_trying(atsbot, clock, 2, minutes=5)

    assert slack.wait_for(lambda: pushed_once(gh) and len(gh.attachments()) == 1)
    assert gh.attachments()[0]["filename"] == "ada-2026.pdf"
    assert len(gh.calls_to(ATTACH)) == 1
