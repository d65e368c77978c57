"""A snoozed candidate comes back with the note written then, at the right time, once."""

from datetime import UTC, datetime

from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, Clock, Refbot
from tests.e2e.test_decisions import referred, status
from tests.e2e.test_outreach import reach_out

NOTE = "wants to stay in her role one more year"


def snooze(refbot: Refbot, **fields: str):  # type: ignore[no-untyped-def]
    refbot.click(RECRUITER, "candidate_snooze")
    slack = refbot.slack
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "snooze_submit" for v in slack.open_views(RECRUITER))
    )
    return refbot.submit(RECRUITER, "snooze_submit", **fields)


def ended(slack: SlackEmulator) -> list:
    return [
        m
        for m in slack.dms(RECRUITER)
        if m.has_button("candidate_reactivate") and "Snooze over" in m.plain_text()
    ]


def test_snoozed_candidate_returns_once_with_her_note_after_downtime(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)

    answer = snooze(refbot, until="6m", note=NOTE)
    refbot.runtime.close()  # the server stops…
    clock.travel(days=190)
    refbot.restart()  # …and starts 190 days later
    refbot.restart()  # and once more
    refbot.click(RECRUITER, "candidate_reactivate")

    assert answer.json()["response_action"] == "update"
    assert len(ended(slack)) == 1
    dm = ended(slack)[0]
    assert NOTE in dm.plain_text() and "Due" in dm.plain_text() and "ago" in dm.plain_text()
    assert all(
        dm.has_button(b) for b in ("candidate_reactivate", "candidate_snooze", "candidate_archive")
    )
    assert slack.wait_for(lambda: status(refbot) == "reviewing")
    assert slack.wait_for(
        lambda: any("looking at your referral" in m.plain_text() for m in slack.dms(EMPLOYEE))
    )
    assert all(NOTE not in m.plain_text() for m in slack.dms(EMPLOYEE))


def test_reactivating_early_cancels_the_snooze_dm(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)
    snooze(refbot, until="1m", note="after exams")
    assert slack.wait_for(lambda: slack.dms(RECRUITER)[0].has_button("candidate_reactivate"))

    refbot.click(RECRUITER, "candidate_reactivate")
    assert slack.wait_for(lambda: status(refbot) == "reviewing")
    clock.travel(days=40)
    refbot.sweep()

    assert ended(slack) == []


def test_snooze_until_a_past_date_or_no_date_is_refused_inline(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)

    past = snooze(refbot, until="date", date="2026-10-01")
    missing = refbot.submit(RECRUITER, "snooze_submit", until="date")

    assert past.json() == {
        "response_action": "errors",
        "errors": {"date": "Pick a day in the future."},
    }
    assert missing.json()["errors"] == {"date": "Please fill this in."}
    assert status(refbot) == "new"


def test_snooze_of_one_month_across_spring_forward_lands_at_nine_local(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    clock.traveller.move_to(datetime(2027, 3, 10, 12, 0, tzinfo=UTC))  # London, winter time
    referred(refbot, slack)
    snooze(refbot, until="1m")

    clock.traveller.move_to(datetime(2027, 4, 10, 7, 59, tzinfo=UTC))  # 08:59 BST
    refbot.sweep()
    early = ended(slack)
    clock.traveller.move_to(datetime(2027, 4, 10, 8, 1, tzinfo=UTC))  # 09:01 BST
    refbot.sweep()

    assert early == [] and len(ended(slack)) == 1
    assert "Due" not in ended(slack)[0].plain_text()  # on time, not late


def test_the_snooze_dm_shows_the_history_with_the_outreach(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)
    reach_out(refbot, template="referred_A", channel="email")
    snooze(refbot, until="3m", note="call back after the launch")

    clock.travel(days=100)
    refbot.sweep()

    (dm,) = ended(slack)
    text = dm.plain_text()
    assert "referred by <@U0ALICE>" in text and "reached out by <@U0RITA>" in text
    assert "snoozed by <@U0RITA>" in text and "call back after the launch" in text
