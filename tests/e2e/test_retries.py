"""Slack's retries and duplicate deliveries never cause double work: an event, a submission and
a click are each sent twice, the second time as Slack's retry (`X-Slack-Retry-Num`), and happen
once. (Commands and shortcuts only open a modal or answer, and Slack never retries them.)"""

import json
from collections.abc import Callable

from sqlalchemy import func, select

from bot.slack_emulator import SlackEmulator
from bot.workspace import Response
from storage.models import Candidate
from tests.conftest import EMPLOYEE, RECRUITER, Refbot
from tests.e2e.test_decisions import referred
from tests.e2e.test_foundation import sample
from tests.e2e.test_referral import open_referral

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def twice(send: Callable[[dict[str, str]], Response]) -> tuple[Response, Response]:
    return send({}), send(RETRY)


def happens_once(slack: SlackEmulator, count: Callable[[], int]) -> bool:
    """The first copy's effect shows up, and no second one follows it."""
    return slack.wait_for(lambda: count() == 1) and not slack.wait_for(
        lambda: count() > 1, timeout=0.5
    )


def duplicates(refbot: Refbot, listener: str) -> float:
    text = refbot.get("/metrics").body
    return sample(text, "refbot_slack_requests_total", listener=listener, outcome="duplicate")


def test_a_retried_event_is_handled_once(refbot: Refbot, slack: SlackEmulator) -> None:
    body = json.dumps(refbot.event_payload(refbot.home_opened_event(EMPLOYEE))).encode()
    before = duplicates(refbot, "app_home_opened")

    first, retry = twice(lambda headers: refbot.post(body, "application/json", headers=headers))

    assert (first.status, retry.status) == (200, 200)
    assert happens_once(slack, lambda: len(slack.calls_to("views.publish")))
    assert duplicates(refbot, "app_home_opened") == before + 1


def test_a_modal_submitted_twice_refers_once(refbot: Refbot, slack: SlackEmulator) -> None:
    open_referral(refbot, EMPLOYEE)
    payload = refbot.submission_payload(
        EMPLOYEE, "referral_submit", name="Ada Lovelace", email="ada@example.com"
    )

    first, retry = twice(lambda headers: refbot.post_payload(payload, headers=headers))

    assert first.json()["response_action"] == "update"
    assert (retry.status, retry.body) == (200, "")  # Slack shows the first copy's answer

    def candidates() -> int:
        with refbot.runtime.dispatcher.sessions() as s:
            return int(s.scalar(select(func.count()).select_from(Candidate)) or 0)

    assert slack.wait_for(lambda: len(slack.calls_to("views.update")) == 1)  # saved, shown
    refbot.sweep()
    assert candidates() == 1


def test_a_button_clicked_once_but_delivered_twice_acts_once(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)
    opened = len(slack.calls_to("views.open"))
    payload = refbot.click_payload(RECRUITER, "candidate_snooze")

    twice(lambda headers: refbot.post_payload(payload, headers=headers))

    assert happens_once(slack, lambda: len(slack.calls_to("views.open")) - opened)
