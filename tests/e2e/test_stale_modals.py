"""A modal opened before someone else decided acts on nothing that moved on since."""

from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, Refbot
from tests.e2e.test_decisions import referred, status
from tests.e2e.test_referral import cards


def test_a_snooze_submitted_after_the_candidate_was_archived_changes_nothing_and_says_so(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)
    refbot.click(RECRUITER, "candidate_snooze", on=cards(slack)[0])
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "snooze_submit" for v in slack.open_views(RECRUITER))
    )

    refbot.click(RECRUITER, "candidate_archive", on=cards(slack)[0])  # from another copy
    assert slack.wait_for(lambda: status(refbot) == "archived")
    answer = refbot.submit(RECRUITER, "snooze_submit", until="6m", note="after exams")

    errors = answer.json()["errors"]
    assert "nothing was changed" in " ".join(errors.values())  # beside the form, input kept
    assert status(refbot) == "archived"


def test_ask_for_intro_on_a_stale_button_for_an_archived_person_asks_nobody(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack, candidate_knows="no")  # a lead: the card offers Ask for intro
    stale = refbot.click_payload(RECRUITER, "candidate_request_intro", on=cards(slack)[0])
    refbot.click(RECRUITER, "candidate_archive", on=cards(slack)[0])
    assert slack.wait_for(lambda: status(refbot) == "archived")

    refbot.post_payload(stale)

    assert slack.wait_for(lambda: said(slack, "Nothing sent"))
    assert "archived" in said(slack, "Nothing sent")
    assert not [m for m in slack.dms(EMPLOYEE) if m.has_button("intro_accept")]


def said(slack: SlackEmulator, words: str) -> str:
    return next(
        (m.plain_text() for m in slack.ephemerals(RECRUITER) if words in m.plain_text()), ""
    )
