"""The logs of a whole end-to-end run carry ids, never tokens, secrets, emails or names."""

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import JsonFormatter
from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, SIGNING_SECRET, Clock, Refbot
from tests.e2e.test_outreach import reach_out
from tests.e2e.test_referral import refer
from tests.e2e.test_snooze import snooze

CANDIDATE = {
    "name": "Ada Lovelace",
    "email": "ada.lovelace@example.com",
    "profile_url": "https://www.linkedin.com/in/ada-lovelace-1815",
    "note": "Brilliant with analytical engines",
}
SNOOZE_NOTE = "wants to stay in her role one more year"


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """Every line logged during the test, through refbot's JSON formatter at INFO."""
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_full_run_logs_ids_and_no_secret_or_personal_data(
    refbot: Refbot, slack: SlackEmulator, clock: Clock, logged: io.StringIO
) -> None:
    refer(refbot, EMPLOYEE, relationship="worked_together", strength="strong", **CANDIDATE)
    assert slack.wait_for(
        lambda: any(m.has_button("candidate_snooze") for m in slack.dms(RECRUITER))
    )
    reach_out(refbot, template="referred_A", channel="email")
    refbot.command(RECRUITER, "/refbot", "followups")
    snooze(refbot, until="1m", note=SNOOZE_NOTE)
    refbot.command(RECRUITER, "/refbot", f"find {CANDIDATE['email']}")
    refbot.command(EMPLOYEE, "/refbot", "find ada")  # not a recruiter: refused
    slack.fail("views.open", error="invalid_arguments")  # a bug of ours: logged with a traceback
    refbot.command(RECRUITER, "/refer", "Ada Lovelace")
    slack.fail("chat.postMessage", error="user_not_found", times=1)  # a delivery given up
    clock.travel(days=32)
    refbot.sweep()
    refbot.command(RECRUITER, "/refbot", f"forget {CANDIDATE['email']}")
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "forget_submit" for v in slack.open_views(RECRUITER))
    )
    refbot.submit(RECRUITER, "forget_submit")
    assert slack.wait_for(lambda: any("removed" in m.plain_text() for m in slack.dms(RECRUITER)))

    text = logged.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    forbidden = [
        slack.token,
        SIGNING_SECRET,
        *CANDIDATE.values(),
        "Lovelace",
        SNOOZE_NOTE,
        "Alice Martin",  # the referrer's and the recruiter's names, from users.info
        "Rita Okafor",
    ]
    assert [word for word in forbidden if word in text] == []
    assert "@" not in text
    failures = [line for line in lines if line["level"] == "error"]
    assert failures, "the failed views.open was logged"
    assert all({"request_id", "team", "user", "trace"} <= line.keys() for line in failures)
    assert {line["team"] for line in lines if "team" in line} == {"T0001"}
