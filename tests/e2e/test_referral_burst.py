"""A burst of referrals (a busy sourcing session, many workspaces on one deployment): 500
submissions sent at a steady rate over real HTTP, each answered, saved once and carded once.
Each is saved right after its ack, its outcome shown in its modal (views.update). No timing is
asserted: the ack path's speed is measured by benchmarks/ack.py."""

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from bot.slack_emulator import SlackEmulator
from bot.workspace import Response
from storage.models import Candidate, Delivery, Referral
from storage.types import DeliveryStatus
from tests.conftest import RECRUITER, Refbot
from tests.e2e.test_referral import cards, open_referral

SUBMISSIONS = 500
RATE = 100.0  # submissions per second, on a fixed schedule (open loop: no waiting on answers)
EMPLOYEES = [f"U0BURST{i:02d}" for i in range(50)]
DUPLICATE_EVERY, DUPLICATE_BACK = 10, 5  # every 10th refers again the person of 5 before


def submissions(refbot: Refbot) -> list[tuple[dict[str, Any], str]]:
    """Each employee's referral modal, opened through `/refer`, submitted ten times over with a
    new person (Slack gives each submission its own trigger id); every 10th submission names
    again, by another employee, the email of an earlier one."""
    for employee in EMPLOYEES:
        refbot.slack.add_user(employee, name=employee.lower())
        open_referral(refbot, employee)
    made: list[tuple[dict[str, Any], str]] = []
    for i in range(SUBMISSIONS):
        repeat = i % DUPLICATE_EVERY == DUPLICATE_EVERY - 1
        email = made[i - DUPLICATE_BACK][1] if repeat else f"burst.{i:03d}@example.com"
        payload = refbot.submission_payload(
            EMPLOYEES[i % len(EMPLOYEES)],
            "referral_submit",
            name=f"Burst Candidate {i:03d}",
            email=email,
            strength="good",
            candidate_knows="yes",
            note=f"Met at the meetup, number {i}",
        )
        made.append((payload, email))
    return made


def send_on_schedule(refbot: Refbot, payloads: list[dict[str, Any]]) -> list[Response]:
    """Submission i leaves at start + i / RATE, whether or not earlier ones were answered."""
    start = time.monotonic()

    def send(i: int) -> Response:
        time.sleep(max(0.0, start + i / RATE - time.monotonic()))  # pacing, not waiting
        return refbot.post_payload(payloads[i])

    with ThreadPoolExecutor(32) as pool:
        return list(pool.map(send, range(len(payloads))))


def test_five_hundred_referrals_at_a_steady_rate_are_each_saved_once_and_carded_once(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    made = submissions(refbot)
    emails = {email for _, email in made}

    answers = send_on_schedule(refbot, [payload for payload, _ in made])
    assert slack.wait_for(lambda: len(slack.calls_to("views.update")) == SUBMISSIONS, 60)
    refbot.sweep()  # whatever the dispatcher has not sent yet after each commit

    refused = [(a.status, a.body[:200]) for a in answers if a.status != 200 or "errors" in a.body]
    assert refused == []
    assert all(a.json().get("response_action") == "update" for a in answers)
    with refbot.runtime.dispatcher.sessions() as s:
        saved = Counter(s.scalars(select(Candidate.email)))
        referrals = s.scalar(select(func.count()).select_from(Referral))
        card_rows = Counter(
            s.scalars(
                select(Delivery.status).where(
                    Delivery.dedupe_key.startswith("card:"), Delivery.recipient == RECRUITER
                )
            )
        )
    assert set(saved) == emails and set(saved.values()) == {1}
    assert referrals == SUBMISSIONS
    assert card_rows == {DeliveryStatus.SENT: len(emails)}
    shown = Counter(card.button_value("candidate_snooze") for card in cards(slack))
    assert len(shown) == len(emails) and set(shown.values()) == {1}
