"""Slack failing one call for a moment is not a bug: the person is told to try again."""

import pytest

from bot.slack_emulator import SlackEmulator
from tests.conftest import RECRUITER, Refbot
from tests.e2e.test_decisions import referred


@pytest.mark.parametrize("error", ["internal_error", "service_unavailable", "fatal_error"])
def test_a_slack_hiccup_on_a_click_says_try_again_not_something_went_wrong(
    refbot: Refbot, slack: SlackEmulator, caplog: pytest.LogCaptureFixture, error: str
) -> None:
    referred(refbot, slack)
    slack.fail("views.open", error=error)

    refbot.click(RECRUITER, "candidate_reach_out")
    assert slack.wait_for(lambda: slack.ephemerals(RECRUITER) != [])
    refbot.click(RECRUITER, "candidate_reach_out")

    told = slack.ephemerals(RECRUITER)[-1].plain_text()
    assert "Slack did not answer" in told and "reference" not in told
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "reach_out_submit" for v in slack.open_views(RECRUITER))
    )
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info]
