"""A recruiter's "Move to…", "Not a fit" or snooze in Slack reaches the candidate's application in
the ATS, once, whatever the ATS answers meanwhile; the webhook or poll that brings the change
back is recognised, so the referrer hears each change once. Candidates refbot did not put in
the ATS are left alone."""

from typing import Any

import httpx
from sqlalchemy import func, select

from bot.ats.greenhouse_emulator import GreenhouseEmulator
from bot.ats.lever_emulator import LeverEmulator
from bot.slack_emulator import SlackEmulator
from storage.models import Delivery
from storage.types import DeliveryKind
from tests.conftest import EMPLOYEE, RECRUITER, Clock, Refbot
from tests.e2e import test_ats_pull as pulling
from tests.e2e.test_ats_connect import connect_greenhouse, connect_lever
from tests.e2e.test_ats_pull import NOWHERE, ada, ada_in_greenhouse, ada_in_lever, poll, updates
from tests.e2e.test_referral import refer

atsbot, gh, lever, rita = pulling.atsbot, pulling.gh, pulling.lever, pulling.rita
GH_WRITES = "POST /v3/applications/"  # /{id}/move and /{id}/reject, not the create


def card(slack: SlackEmulator, name: str = "Ada Lovelace") -> Any:
    return [
        m
        for m in slack.dms(RECRUITER)
        if m.has_button("candidate_snooze") and name in str(m.blocks)
    ][-1]


def move(refbot: Refbot, stage: str) -> None:
    """The recruiter picks "Move to… <stage>" on Ada's card; refbot has recorded it."""
    refbot.click(RECRUITER, "candidate_stage", choose=stage, on=card(refbot.slack))
    assert refbot.slack.wait_for(lambda: ada(refbot).status == stage)


def not_a_fit(refbot: Refbot, reason: str, name: str = "Ada Lovelace") -> None:
    refbot.slack.close_views(RECRUITER)
    refbot.click(RECRUITER, "candidate_not_a_fit", on=card(refbot.slack, name))
    assert refbot.slack.wait_for(
        lambda: any(
            v["callback_id"] == "not_a_fit_submit" for v in refbot.slack.open_views(RECRUITER)
        )
    )
    refbot.submit(RECRUITER, "not_a_fit_submit", reason=reason)


def keep_trying(refbot: Refbot, clock: Clock, times: int, **step: float) -> None:
    for _ in range(times):
        clock.travel(**step)
        refbot.sweep()


def done(calls: list[Any]) -> list[Any]:
    return [c for c in calls if 200 <= c.status < 300]


def stage_of(gh: GreenhouseEmulator, application: str) -> str:
    app = next(a for a in gh.applications() if str(a["id"]) == application)
    stages = {s["id"]: s["name"] for s in gh._rows["job_interview_stages"].values()}
    return stages[app["job_interview_stage_id"]]


def writes_queued(refbot: Refbot) -> int:
    with refbot.runtime.dispatcher.sessions() as s:
        query = select(func.count()).where(Delivery.kind == DeliveryKind.ATS_STATUS)
        return int(s.scalar(query) or 0)


def test_move_to_reaches_greenhouse_once_across_a_failure_and_a_429_and_its_echo_tells_nobody(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "webhooks")
    gh.fail(GH_WRITES, status=502)
    gh.rate_limit_storm(1, retry_after=2, route=GH_WRITES)

    move(atsbot, "interviewing")
    keep_trying(atsbot, clock, 4, minutes=2)
    poll(atsbot)
    poll(atsbot)

    assert slack.wait_for(lambda: stage_of(gh, application) == "Recruiter Screen")
    assert len(done(gh.calls_to(GH_WRITES))) == 1
    assert [c.status for c in gh.calls_to(GH_WRITES)] == [502, 429, 200]
    # The move came back by webhook (and the polls read it again): recognised as refbot's own.
    assert any(b"candidate_stage_change" in w.body for w in gh.webhooks())
    assert slack.wait_for(lambda: len(updates(slack, "is interviewing")) == 1)
    assert ada(atsbot).status == "interviewing"


def test_an_answer_lost_after_greenhouse_moved_her_is_looked_up_not_sent_again(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "polling")
    gh.drop_after_commit(GH_WRITES)

    move(atsbot, "interviewing")
    keep_trying(atsbot, clock, 3, minutes=5)
    poll(atsbot)

    assert stage_of(gh, application) == "Recruiter Screen"
    assert len(gh.calls_to(GH_WRITES)) == 1
    assert slack.wait_for(lambda: len(updates(slack, "is interviewing")) == 1)


def test_not_a_fit_rejects_in_greenhouse_once_with_the_reason_and_the_referrer_hears_once(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "webhooks")
    gh.outage(True)

    not_a_fit(atsbot, "wants a Rust-only team")
    keep_trying(atsbot, clock, 3, minutes=5)
    gh.outage(False)
    keep_trying(atsbot, clock, 3, hours=1)
    poll(atsbot)

    found = next(a for a in gh.applications() if str(a["id"]) == application)
    assert found["status"] == "rejected"
    assert len(done(gh.calls_to(GH_WRITES))) == 1
    notes = gh.notes(str(found["candidate_id"]))
    assert any(n["body"] == "wants a Rust-only team" for n in notes)
    assert slack.wait_for(lambda: len(updates(slack, "has closed your referral")) == 1)
    assert ada(atsbot).status == "not_a_fit"


def test_lever_follows_a_move_and_a_not_a_fit_once_each_across_a_429_and_an_outage(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock
) -> None:
    opportunity = ada_in_lever(atsbot, lever, slack, "webhooks")
    lever.rate_limit_storm(2, retry_after=1, route="PUT /v1/opportunities/")

    move(atsbot, "interviewing")
    keep_trying(atsbot, clock, 4, seconds=30)
    assert slack.wait_for(
        lambda: lever.opportunity(opportunity)["stage"] == lever.stage_id("Recruiter screen")
    )
    lever.fail("PUT /v1/opportunities/", status=503)
    not_a_fit(atsbot, "not this year")
    keep_trying(atsbot, clock, 4, minutes=5)
    poll(atsbot)

    archived = lever.opportunity(opportunity)["archived"]
    assert archived is not None and archived["reason"] == lever.reason_id("Underqualified")
    puts = done(lever.calls_to("PUT /v1/opportunities/"))
    assert [c.path.rsplit("/", 1)[1] for c in puts] == ["stage", "archived"]
    assert slack.wait_for(lambda: len(updates(slack, "has closed your referral")) == 1)
    assert len(updates(slack, "is interviewing")) == 1


def test_hired_in_slack_archives_the_lever_opportunity_as_a_hire_and_two_echoes_tell_once(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock
) -> None:
    opportunity = ada_in_lever(atsbot, lever, slack, "webhooks")

    move(atsbot, "hired")
    keep_trying(atsbot, clock, 2, minutes=1)
    poll(atsbot)

    archived = lever.opportunity(opportunity)["archived"]
    assert archived is not None and archived["reason"] == lever.reason_id("Hired")
    events = [w.body for w in lever.webhooks()]
    assert any(b"candidateHired" in body for body in events)
    assert slack.wait_for(lambda: len(updates(slack, "is joining us")) == 1)


def test_a_snooze_becomes_a_note_in_greenhouse(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "webhooks")
    candidate = str(
        next(a for a in gh.applications() if str(a["id"]) == application)["candidate_id"]
    )
    before = len(gh.notes(candidate))

    atsbot.click(RECRUITER, "candidate_snooze", on=card(slack))
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "snooze_submit" for v in slack.open_views(RECRUITER))
    )
    atsbot.submit(RECRUITER, "snooze_submit", until="6m", note="after her exams")
    atsbot.sweep()

    assert slack.wait_for(lambda: len(gh.notes(candidate)) == before + 1)
    note = gh.notes(candidate)[-1]["body"]
    assert "Snoozed in refbot by Rita Okafor" in note and "after her exams" in note
    assert stage_of(gh, application) == "Application Review"


def test_with_auto_push_off_only_the_candidate_sent_to_greenhouse_is_written_back(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    gh.job = gh.add_job("Platform Engineer", recruiters=(gh.alice,))  # type: ignore[attr-defined]
    connect_greenhouse(atsbot, gh, push="button")
    for name, email in (("Ada Lovelace", "ada@example.org"), ("Grace Hopper", "grace@example.org")):
        slack.close_views(EMPLOYEE)
        refer(atsbot, EMPLOYEE, name=name, email=email, candidate_knows="yes")
    atsbot.sweep()
    assert slack.wait_for(lambda: card(slack).has_button("candidate_send_to_ats"))
    atsbot.click(RECRUITER, "candidate_send_to_ats", on=card(slack))
    atsbot.sweep()
    assert slack.wait_for(lambda: "In Greenhouse" in str(card(slack).blocks))

    not_a_fit(atsbot, "not now", "Grace Hopper")
    not_a_fit(atsbot, "not now")
    keep_trying(atsbot, clock, 2, minutes=1)

    assert slack.wait_for(lambda: gh.applications()[0]["status"] == "rejected")
    assert len(gh.candidates()) == 1  # Grace was never sent: nothing about her went there
    assert writes_queued(atsbot) == 1


def test_a_missing_permission_keeps_the_write_waiting_and_tells_the_admin_once(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "webhooks")
    gh.revoke_scope("harvest:applications:update")

    move(atsbot, "interviewing")
    keep_trying(atsbot, clock, 3, minutes=20)

    def told() -> list[Any]:
        return [m for m in slack.dms(RECRUITER) if "harvest:applications:update" in m.text]

    assert slack.wait_for(lambda: len(told()) == 1)
    assert stage_of(gh, application) == "Application Review"
    gh.scopes.add("harvest:applications:update")
    connect_greenhouse(atsbot, gh)
    assert slack.wait_for(lambda: stage_of(gh, application) == "Recruiter Screen")
    assert len(told()) == 1


def test_echoes_arriving_after_a_later_edit_do_not_move_her_back_or_tell_anyone_again(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock
) -> None:
    opportunity = ada_in_lever(atsbot, lever, slack, "webhooks")
    url, lever.webhook_url = lever.webhook_url, NOWHERE  # held back, delivered late below
    sent = len(lever.webhooks())

    move(atsbot, "interviewing")
    keep_trying(atsbot, clock, 2, seconds=5)
    assert slack.wait_for(lambda: lever.opportunity(opportunity)["archived"] is None)
    move(atsbot, "hired")
    keep_trying(atsbot, clock, 2, seconds=5)
    assert slack.wait_for(lambda: lever.opportunity(opportunity)["archived"] is not None)
    # Lever sent the stage change, the archive and the hire (after each answer).
    assert slack.wait_for(lambda: len(lever.webhooks()) == sent + 3)
    late = lever.webhooks()[sent:]
    answers = [httpx.post(str(url), content=w.body, headers=w.headers).status_code for w in late]
    atsbot.sweep()
    poll(atsbot)

    assert answers == [200, 200, 200]
    assert ada(atsbot).status == "hired"
    assert slack.wait_for(lambda: len(updates(slack, "is joining us")) == 1)
    assert len(updates(slack, "is interviewing")) == 1


def test_hired_in_slack_is_a_note_in_greenhouse_which_has_no_hire_call(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "webhooks")
    candidate = str(
        next(a for a in gh.applications() if str(a["id"]) == application)["candidate_id"]
    )

    move(atsbot, "hired")
    atsbot.sweep()

    assert slack.wait_for(
        lambda: any("Marked as hired in refbot" in n["body"] for n in gh.notes(candidate))
    )
    assert gh.applications()[0]["status"] == "in_process"
    assert gh.calls_to(GH_WRITES) == []
    assert slack.wait_for(lambda: len(updates(slack, "is joining us")) == 1)


SNOOZE_WORDS = "wants to stay in her role one more year"


def snooze(refbot: Refbot, note: str) -> None:
    """The recruiter snoozes Ada for six months with a note (the submission arrives twice)."""
    refbot.slack.close_views(RECRUITER)
    refbot.click(RECRUITER, "candidate_snooze", on=card(refbot.slack))
    assert refbot.slack.wait_for(
        lambda: any(v["callback_id"] == "snooze_submit" for v in refbot.slack.open_views(RECRUITER))
    )
    payload = refbot.submission_payload(RECRUITER, "snooze_submit", until="6m", note=note)
    assert refbot.post_payload(payload).status == 200
    assert refbot.post_payload(payload).status == 200  # Slack retrying it, or a double click
    refbot.sweep()


def test_a_snooze_note_whose_answer_was_lost_is_written_to_greenhouse_once(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "webhooks")
    candidate = str(
        next(a for a in gh.applications() if str(a["id"]) == application)["candidate_id"]
    )
    gh.rate_limit_storm(2, retry_after=1, route="GET /v3/notes")
    gh.drop_after_commit("POST /v3/notes")  # the note is written, refbot never hears so

    snooze(atsbot, SNOOZE_WORDS)
    keep_trying(atsbot, clock, 6, minutes=2)

    def snoozed() -> list[str]:
        return [n["body"] for n in gh.notes(candidate) if SNOOZE_WORDS in n["body"]]

    assert slack.wait_for(lambda: len(snoozed()) == 1)
    keep_trying(atsbot, clock, 3, hours=1)
    assert len(snoozed()) == 1 and "Snoozed in refbot by Rita Okafor" in snoozed()[0]
    assert len(gh.calls_to("POST /v3/notes")) == 1


def test_a_snooze_note_whose_answer_was_lost_is_written_to_lever_once_across_a_revoked_key(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock
) -> None:
    opportunity = ada_in_lever(atsbot, lever, slack, "webhooks")
    notes = f"/v1/opportunities/{opportunity}/notes"
    lever.revoke_key("lever-key")

    snooze(atsbot, SNOOZE_WORDS)
    keep_trying(atsbot, clock, 3, minutes=20)
    assert not any(SNOOZE_WORDS in n["value"] for n in lever.notes(opportunity))
    lever.add_key("lever-key-2")
    lever.drop_after_commit(f"POST {notes}")  # written, and the answer lost
    lever.rate_limit_storm(1, retry_after=1, route=f"GET {notes}")
    connect_lever(atsbot, lever, secret="lever-key-2")
    keep_trying(atsbot, clock, 6, minutes=2)

    def snoozed() -> list[str]:
        return [n["value"] for n in lever.notes(opportunity) if SNOOZE_WORDS in n["value"]]

    assert slack.wait_for(lambda: len(snoozed()) == 1)
    keep_trying(atsbot, clock, 3, hours=1)
    assert len(snoozed()) == 1
    assert len(lever.calls_to(f"POST {notes}")) == 2  # the push's note, then the snooze's once
