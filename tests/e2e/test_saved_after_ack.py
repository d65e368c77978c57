"""A referral modal is checked in its ack and saved right after it (issue 15): the modal says
"saving…" and then shows the outcome, or the form again with the input kept; a submission the
process could not save before it stopped is saved by the next one; never twice."""

import json
import time
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select

from bot.slack_emulator import SlackEmulator
from storage.models import Candidate, Delivery, Referral
from storage.types import DeliveryKind, DeliveryStatus
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, TEAM, Clock, Refbot
from tests.e2e.test_decisions import role
from tests.e2e.test_referral import cards, count, open_referral

ADA = {"name": "Ada Lovelace", "email": "ada@example.com", "candidate_knows": "yes"}


def shown(refbot: Refbot, user: str = EMPLOYEE) -> str:
    return json.dumps(refbot.modal(user), ensure_ascii=False)


def submitted_unsaved(refbot: Refbot, user: str, **values: Any) -> dict[str, Any]:
    """Submit while this process saves nothing after its acks (as if it died right after
    answering): the ack, and the modal as Slack shows it then."""
    refbot.runtime.dispatcher.stop()
    payload = refbot.submission_payload(user, "referral_submit", **values)
    response = refbot.post_payload(payload)
    assert response.status == 200
    refbot.slack.apply_response_action(
        user, payload["view"]["id"], response.json(), submitted_hash=payload["view"]["hash"]
    )
    return response.json()


def test_the_ack_says_saving_and_the_modal_then_shows_the_outcome(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    open_referral(refbot, EMPLOYEE)
    answer = refbot.submit(EMPLOYEE, "referral_submit", **ADA)

    assert answer.json()["response_action"] == "update"
    assert "Saving" in json.dumps(answer.json()["view"])
    assert "Thanks" in shown(refbot) and "Ada Lovelace" in shown(refbot)
    assert (count(refbot, Candidate), count(refbot, Referral)) == (1, 1)
    assert slack.wait_for(lambda: len(cards(slack)) == 1)


def test_what_the_form_alone_shows_is_answered_in_the_ack_and_nothing_is_queued(
    refbot: Refbot,
) -> None:
    open_referral(refbot, EMPLOYEE)
    answer = refbot.submit(EMPLOYEE, "referral_submit", name="Ada", email="not-an-email")

    assert answer.json()["response_action"] == "errors"
    assert "email" in answer.json()["errors"]
    assert count(refbot, Delivery) == 0 and count(refbot, Candidate) == 0


def test_a_role_closed_since_the_form_opened_shows_the_form_again_with_the_input_kept(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    engineer = role(refbot, "Staff Engineer")
    open_referral(refbot, FRENCH_EMPLOYEE)
    refbot.runtime.services.roles.close(team_id=TEAM, actor_id=RECRUITER, role=engineer)

    refbot.submit(
        FRENCH_EMPLOYEE, "referral_submit", **ADA, role=engineer, note="Elle a écrit le compilateur"
    )

    again = refbot.modal(FRENCH_EMPLOYEE)
    assert again["callback_id"] == "referral_submit" and "submit" in again
    blocks = {b.get("block_id"): b for b in again["blocks"]}
    assert blocks["name"]["element"]["initial_value"] == "Ada Lovelace"
    assert blocks["email"]["element"]["initial_value"] == "ada@example.com"
    assert blocks["note"]["element"]["initial_value"] == "Elle a écrit le compilateur"
    assert blocks["candidate_knows"]["element"]["initial_option"]["value"] == "yes"
    assert "Ce poste est fermé" in shown(refbot, FRENCH_EMPLOYEE)  # under its field
    assert count(refbot, Candidate) == 0

    # The way to retry: the same modal, submitted again without the closed role.
    refbot.submit(FRENCH_EMPLOYEE, "referral_submit", **ADA, role="")

    assert "Merci" in shown(refbot, FRENCH_EMPLOYEE)
    assert (count(refbot, Candidate), count(refbot, Referral)) == (1, 1)
    assert slack.wait_for(lambda: len(cards(slack)) == 1)


def test_a_submission_left_unsaved_by_a_stopped_process_is_saved_by_the_next_one(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    open_referral(refbot, EMPLOYEE)
    answer = submitted_unsaved(refbot, EMPLOYEE, **ADA)
    assert "Saving" in json.dumps(answer["view"])
    assert count(refbot, Candidate) == 0 and "Saving" in shown(refbot)

    refbot.restart()  # its first sweep saves what the last process acked

    assert slack.wait_for(lambda: "Thanks" in shown(refbot))
    assert (count(refbot, Candidate), count(refbot, Referral)) == (1, 1)
    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    refbot.sweep()
    assert len(cards(slack)) == 1 and len(slack.calls_to("views.update")) == 1


def test_the_outcome_waits_out_a_slack_outage_and_the_referral_is_saved_meanwhile(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    open_referral(refbot, EMPLOYEE)
    slack.fail("views.update", status=503, times=2)
    payload = refbot.submission_payload(EMPLOYEE, "referral_submit", **ADA)
    answer = refbot.post_payload(payload)
    slack.apply_response_action(
        EMPLOYEE, payload["view"]["id"], answer.json(), submitted_hash=payload["view"]["hash"]
    )

    assert slack.wait_for(lambda: len(cards(slack)) == 1)  # saved, carded: Slack is up for DMs
    assert "Saving" in shown(refbot)
    for _ in range(3):  # the dispatcher's backoff
        clock.travel(minutes=1)
        refbot.sweep()

    assert "Thanks" in shown(refbot)
    assert (count(refbot, Candidate), count(refbot, Referral)) == (1, 1)
    assert len(cards(slack)) == 1


def test_a_modal_closed_before_its_outcome_still_saves_the_referral_once(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    open_referral(refbot, EMPLOYEE)
    submitted_unsaved(refbot, EMPLOYEE, **ADA)
    slack.close_views(EMPLOYEE)  # they closed "saving…" at once; Slack forgets the view

    refbot.restart()

    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    assert (count(refbot, Candidate), count(refbot, Referral)) == (1, 1)
    with refbot.runtime.dispatcher.sessions() as s:
        row = s.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.SUBMISSION)).one()
        assert row.status in (DeliveryStatus.SENT, DeliveryStatus.CANCELLED)  # not retried
        assert "form" not in row.payload and "submitted" not in row.payload


def test_a_double_submit_queues_one_submission_and_saves_one_referral(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    open_referral(refbot, EMPLOYEE)
    payload = refbot.submission_payload(EMPLOYEE, "referral_submit", **ADA)
    first, second = refbot.post_payload(payload), refbot.post_payload(payload)

    assert first.status == second.status == 200
    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    refbot.sweep()
    with refbot.runtime.dispatcher.sessions() as s:
        kinds = s.scalars(select(Delivery.kind)).all()
        assert kinds.count(DeliveryKind.SUBMISSION) == 1
        assert int(s.scalar(select(func.count()).select_from(Referral)) or 0) == 1


def test_a_modal_shows_its_outcome_while_the_cards_before_it_still_wait_on_slack(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    # Slack posts Ada's card and receipt, then is slow to answer (as when it paces a DM):
    # the dispatcher is waiting on them when Grace is referred.
    slack.hang("chat.postMessage", 8.0, times=2, after=True)
    open_referral(refbot, EMPLOYEE)
    refbot.submit(EMPLOYEE, "referral_submit", **ADA)
    assert slack.wait_for(lambda: len(cards(slack)) == 1)

    open_referral(refbot, FRENCH_EMPLOYEE)
    refbot.submit(FRENCH_EMPLOYEE, "referral_submit", name="Grace Hopper", email="g@example.com")

    assert "Merci" in shown(refbot, FRENCH_EMPLOYEE) and "Grace Hopper" in shown(
        refbot, FRENCH_EMPLOYEE
    )
    with refbot.runtime.dispatcher.sessions() as s:
        statuses = s.scalars(
            select(Delivery.status).where(Delivery.kind != DeliveryKind.SUBMISSION)
        ).all()
    assert DeliveryStatus.CLAIMED in statuses, "Ada's card was still waiting for Slack's answer"
    assert slack.wait_for(lambda: len(cards(slack)) == 2)


def test_a_forged_or_altered_submission_is_refused_and_queues_nothing(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    # refbot reads an interactive payload itself (bot.slack_requests); the signature is still
    # checked against the bytes as sent.
    open_referral(refbot, EMPLOYEE)
    payload = refbot.submission_payload(EMPLOYEE, "referral_submit", **ADA)
    body = urlencode({"payload": json.dumps(payload)}).encode()
    stamp = str(int(time.time()))
    signed = refbot.signer.generate_signature(timestamp=stamp, body=body)
    altered = body.replace(b"Lovelace", b"Lovelacf")
    form = "application/x-www-form-urlencoded"

    forged = refbot.post(body, form, signature="v0=" + "0" * 64)
    tampered = refbot.post(altered, form, timestamp=int(stamp), signature=signed)

    assert (forged.status, tampered.status) == (401, 401)
    assert count(refbot, Delivery) == 0 and count(refbot, Candidate) == 0
    assert refbot.post(altered, form).status == 200, "the same bytes, signed, are taken"
