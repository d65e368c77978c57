"""The referrer always ends up knowing where their referral stands: each change once, in order,
and a snooze is "on hold", never "closed"."""

from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, Refbot
from tests.e2e.test_decisions import referred, status
from tests.e2e.test_outreach import reach_out
from tests.e2e.test_referral import cards
from tests.e2e.test_snooze import snooze

WORDS = {
    "reached the recruiting team": "received",
    "on hold": "on hold",
    "looking at your referral": "reviewing",
    "reached out to": "contacted",
    "closed your referral": "closed",
}


def click_when_shown(refbot: Refbot, action: str) -> None:
    """The recruiter clicks `action` once her card (edited after each change) offers it."""
    slack = refbot.slack
    assert slack.wait_for(lambda: any(m.has_button(action) for m in slack.dms(RECRUITER)))
    refbot.click(
        RECRUITER, action, on=next(m for m in slack.dms(RECRUITER) if m.has_button(action))
    )


def heard(slack: SlackEmulator) -> list[str]:
    """What the referrer was told, in order."""
    return [
        word
        for m in slack.dms(EMPLOYEE)
        for phrase, word in WORDS.items()
        if phrase in m.plain_text()
    ]


def test_snoozed_reactivated_contacted_then_archived_ends_with_the_referrer_told_it_closed(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)

    snooze(refbot, until="3m", note="after her exams")
    assert slack.wait_for(lambda: status(refbot) == "snoozed")
    click_when_shown(refbot, "candidate_reactivate")
    assert slack.wait_for(lambda: status(refbot) == "reviewing")
    assert slack.wait_for(
        lambda: any(m.has_button("candidate_reach_out") for m in slack.dms(RECRUITER))
    )
    reach_out(refbot, template="referred_A", channel="email")
    assert slack.wait_for(lambda: status(refbot) == "contacted")
    click_when_shown(refbot, "candidate_archive")
    assert slack.wait_for(lambda: status(refbot) == "archived")

    expected = ["received", "on hold", "reviewing", "contacted", "closed"]
    assert slack.wait_for(lambda: heard(slack) == expected), heard(slack)
    assert all("exams" not in m.plain_text() for m in slack.dms(EMPLOYEE))


def test_a_snooze_is_told_as_on_hold_not_closed(refbot: Refbot, slack: SlackEmulator) -> None:
    referred(refbot, slack)

    snooze(refbot, until="6m", note="wants to stay one more year")

    assert slack.wait_for(lambda: heard(slack) == ["received", "on hold"]), heard(slack)
    assert not any("closed" in m.plain_text() for m in slack.dms(EMPLOYEE))


def test_a_double_click_tells_the_referrer_once_and_a_change_back_is_told_again(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)
    card = cards(slack)[0]

    refbot.click(RECRUITER, "candidate_archive", on=card)
    refbot.click(RECRUITER, "candidate_archive", on=card)
    assert slack.wait_for(lambda: status(refbot) == "archived")
    click_when_shown(refbot, "candidate_reactivate")
    assert slack.wait_for(lambda: status(refbot) == "reviewing")
    click_when_shown(refbot, "candidate_archive")
    assert slack.wait_for(lambda: status(refbot) == "archived")

    expected = ["received", "closed", "reviewing", "closed"]
    assert slack.wait_for(lambda: heard(slack) == expected), heard(slack)
