"""What recruiters do in the ATS comes back to refbot: each stage change, hire and rejection once,
by webhook, by polling or both; forged, stale and replayed webhooks refused; jobs as roles; an
erasure in the ATS is a forget in refbot."""

import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot import clock as bot_clock
from bot.ats.greenhouse_emulator import GreenhouseEmulator
from bot.ats.lever import sign_webhook as lever_sign
from bot.ats.lever_emulator import LeverEmulator
from bot.config import Settings
from bot.slack_emulator import SlackEmulator
from storage.models import Candidate, Delivery, Note, Role
from storage.repositories.candidates import REMOVED_NAME
from storage.types import AtsKind, DeliveryKind
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Clock, Refbot, settings_for
from tests.e2e import test_ats_connect as connecting
from tests.e2e.test_ats_connect import connect_greenhouse, connect_lever
from tests.e2e.test_referral import refer

ADA = "ada@example.org"
atsbot, gh, lever = connecting.atsbot, connecting.gh, connecting.lever
MODES = ("webhooks", "polling", "both")
NOWHERE = "http://127.0.0.1:9/"  # an emulator "sends" here: the test delivers what it recorded


# -- arranging ------------------------------------------------------------------------------


@pytest.fixture
def rita(slack: SlackEmulator) -> str:
    """The recruiter has an email in Slack: the ATS's recruiter of a job is mapped by it."""
    slack.add_user(
        RECRUITER, name="rita", real_name="Rita Okafor", tz="Europe/London", email="rita@acme.test"
    )
    return RECRUITER


def pull(refbot: Refbot) -> Any:
    services = refbot.runtime.services
    assert services.ats_pull is not None
    return services.ats_pull


def poll(refbot: Refbot) -> Any:
    report = pull(refbot).poll()
    refbot.sweep()
    return report


def role_titled(refbot: Refbot, title: str) -> Role | None:
    with refbot.runtime.dispatcher.sessions() as s:
        return s.scalar(select(Role).where(Role.team_id == TEAM, Role.title == title))


def ada(refbot: Refbot) -> Candidate:
    with refbot.runtime.dispatcher.sessions() as s:
        found = s.scalar(select(Candidate).where(Candidate.team_id == TEAM))
        assert found is not None
        return found


def updates(slack: SlackEmulator, words: str) -> list[Any]:
    return [m for m in slack.dms(EMPLOYEE) if words in m.text]


def told_once(refbot: Refbot, slack: SlackEmulator, words: str) -> bool:
    """The referrer was told once: the update goes in the lull after the requests (wait for
    it), and a sweep would send a second copy if one were queued."""
    slack.wait_for(lambda: updates(slack, words) != [])
    refbot.sweep()
    return len(updates(slack, words)) == 1


def pulls_queued(refbot: Refbot) -> int:
    with refbot.runtime.dispatcher.sessions() as s:
        return int(
            s.scalar(select(func.count()).where(Delivery.kind == DeliveryKind.ATS_PULL)) or 0
        )


def ada_in_greenhouse(
    refbot: Refbot, gh: GreenhouseEmulator, slack: SlackEmulator, mode: str
) -> str:
    """Greenhouse connected (its webhooks on unless polling only), its open job a role, Ada
    referred to that role and pushed onto the job: her application's id."""
    gh.rita = gh.add_user("rita@acme.test", "Rita", "Okafor", referrer=False)  # type: ignore[attr-defined]
    gh.job = gh.add_job("Platform Engineer", hiring_managers=(gh.alice,), recruiters=(gh.rita,))  # type: ignore[attr-defined]
    connect_greenhouse(
        refbot,
        gh,
        webhook_secret=gh.webhook_secret,
        mode="polling" if mode == "polling" else "webhooks",
    )
    if mode != "polling":
        gh.webhook_url = f"{refbot.server_url}/ats/greenhouse/webhook"
    poll(refbot)  # the job becomes a role
    role = role_titled(refbot, "Platform Engineer")
    assert role is not None
    refer(
        refbot, EMPLOYEE, name="Ada Lovelace", email=ADA, candidate_knows="yes", role=role.public_id
    )
    refbot.sweep()
    assert slack.wait_for(lambda: len(gh.applications()) == 1)
    application = gh.applications()[0]
    assert application["job_id"] == int(gh.job)  # type: ignore[attr-defined]
    assert slack.wait_for(lambda: len(updates(slack, "reached the recruiting team")) == 1)
    poll(refbot)  # reads back the application refbot's push created: refbot's own write
    assert ada(refbot).status == "new"
    return str(application["id"])


def ada_in_lever(refbot: Refbot, lever: LeverEmulator, slack: SlackEmulator, mode: str) -> str:
    connect_lever(
        refbot,
        lever,
        webhook_secret=lever.signature_token,
        mode="polling" if mode == "polling" else "webhooks",
    )
    if mode != "polling":
        lever.webhook_url = f"{refbot.server_url}/ats/lever/webhook"
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email=ADA, candidate_knows="yes")
    refbot.sweep()
    assert slack.wait_for(lambda: len(lever.opportunities()) == 1)
    assert slack.wait_for(lambda: len(updates(slack, "reached the recruiting team")) == 1)
    poll(refbot)  # reads back the opportunity refbot's push created: refbot's own write
    assert ada(refbot).status == "new"
    return str(lever.opportunities()[0]["id"])


def in_ats(refbot: Refbot, clock: Clock, mode: str, act: Callable[[], Any]) -> None:
    """A recruiter acts in the ATS; refbot hears of it by webhook, by polling, or both (the
    poll running twice, and a webhook arriving after the poll saw the change)."""
    clock.travel(minutes=3)
    sent = act()
    if mode == "webhooks" or mode == "both":
        assert sent is not None and sent.status == 200, sent
        refbot.sweep()
    if mode == "polling" or mode == "both":
        poll(refbot)
        poll(refbot)


# -- stage changes, hires, rejections --------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_greenhouse_moves_and_hire_reach_the_referrer_once_each(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str, mode: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, mode)

    in_ats(atsbot, clock, mode, lambda: gh.move_stage(application, "Recruiter Screen"))
    assert slack.wait_for(lambda: ada(atsbot).status == "interviewing")
    in_ats(atsbot, clock, mode, lambda: gh.move_stage(application, "Technical Interview"))
    in_ats(atsbot, clock, mode, lambda: gh.hire(application))

    assert slack.wait_for(lambda: len(updates(slack, "is joining us")) == 1)
    assert ada(atsbot).status == "hired"
    assert len(updates(slack, "is interviewing")) == 1
    assert len(updates(slack, "looking at your referral")) == 0  # refbot's own push came back
    poll(atsbot)
    assert len(updates(slack, "is joining us")) == 1
    # The recruiter's card followed, as after a "Move to…" in Slack.
    assert slack.wait_for(lambda: "hired" in str(recruiter_card(slack).blocks).lower())
    assert not recruiter_card(slack).has_button("candidate_snooze")


def recruiter_card(slack: SlackEmulator) -> Any:
    return next(m for m in slack.dms(RECRUITER) if "Ada Lovelace" in str(m.blocks))


@pytest.mark.parametrize("mode", MODES)
def test_lever_moves_and_archive_reach_the_referrer_once_with_the_reason_kept_private(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock, mode: str
) -> None:
    opportunity = ada_in_lever(atsbot, lever, slack, mode)

    in_ats(atsbot, clock, mode, lambda: lever.move_stage(opportunity, "Phone interview"))
    assert slack.wait_for(lambda: ada(atsbot).status == "interviewing")
    in_ats(atsbot, clock, mode, lambda: lever.archive(opportunity, "Underqualified"))

    assert slack.wait_for(lambda: len(updates(slack, "has closed your referral")) == 1)
    assert ada(atsbot).status == "not_a_fit"
    assert len(updates(slack, "is interviewing")) == 1
    assert not any("Underqualified" in m.text for m in slack.dms(EMPLOYEE))
    with atsbot.runtime.dispatcher.sessions() as s:
        notes = s.scalars(select(Note.body).where(Note.kind == "not_a_fit")).all()
    assert notes == ["Underqualified"]


def test_a_lever_hire_told_by_two_webhooks_and_a_poll_is_one_update(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock
) -> None:
    opportunity = ada_in_lever(atsbot, lever, slack, "both")

    # Lever archives a hire with a reason of type hired, then sends candidateHired as well.
    in_ats(atsbot, clock, "both", lambda: lever.hire(opportunity))

    assert slack.wait_for(lambda: len(updates(slack, "is joining us")) == 1)
    assert ada(atsbot).status == "hired"
    assert len(updates(slack, "has closed your referral")) == 0


def test_a_greenhouse_rejection_closes_the_referral_without_saying_why(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "both")

    in_ats(atsbot, clock, "both", lambda: gh.reject(application, "Lacking skill(s)"))

    assert slack.wait_for(lambda: len(updates(slack, "has closed your referral")) == 1)
    assert ada(atsbot).status == "not_a_fit"
    assert not any("Lacking" in m.text for m in slack.dms(EMPLOYEE))


def test_a_poll_reading_a_change_again_does_not_undo_a_later_decision_in_slack(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "both")
    in_ats(atsbot, clock, "webhooks", lambda: gh.move_stage(application, "Recruiter Screen"))
    assert slack.wait_for(lambda: ada(atsbot).status == "interviewing")

    atsbot.click(RECRUITER, "candidate_archive", value=ada(atsbot).public_id)
    assert slack.wait_for(lambda: ada(atsbot).status == "archived")
    poll(atsbot)  # its first poll reads the screen stage Greenhouse already reported

    assert ada(atsbot).status == "archived"
    assert told_once(atsbot, slack, "is interviewing")


def test_a_late_webhook_about_an_earlier_stage_does_not_move_her_back(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "both")
    gh.webhook_url = NOWHERE
    clock.travel(minutes=3)
    late = gh.move_stage(application, "Recruiter Screen")
    assert late is not None and late.status is None
    clock.travel(minutes=3)
    gh.hire(application)
    poll(atsbot)
    assert slack.wait_for(lambda: len(updates(slack, "is joining us")) == 1)

    answer = httpx.post(
        f"{atsbot.server_url}/ats/greenhouse/webhook", content=late.body, headers=late.headers
    )
    atsbot.sweep()

    assert answer.status_code == 200
    assert ada(atsbot).status == "hired"
    assert updates(slack, "is interviewing") == []


def test_a_change_reported_many_times_at_once_moves_her_once(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "polling")
    clock.travel(minutes=3)
    gh.move_stage(application, "Recruiter Screen")
    change = next(
        c
        for c in pull(atsbot)
        .ats.client_for(TEAM, connection(atsbot))
        .changes_since(bot_clock.now() - timedelta(hours=1))
    )
    start = threading.Barrier(6)

    def report() -> bool:
        start.wait()
        return bool(pull(atsbot).apply(TEAM, AtsKind.GREENHOUSE, change))

    with ThreadPoolExecutor(6) as pool:
        moved = list(pool.map(lambda _: report(), range(6)))
    atsbot.sweep()

    assert moved.count(True) == 1
    assert slack.wait_for(lambda: len(updates(slack, "is interviewing")) == 1)


def connection(refbot: Refbot) -> Any:
    with refbot.runtime.dispatcher.sessions() as s:
        return pull(refbot).ats.connection(s, TEAM)


# -- webhooks refused ------------------------------------------------------------------------


def test_forged_and_replayed_greenhouse_webhooks_are_refused_and_change_nothing(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = ada_in_greenhouse(atsbot, gh, slack, "webhooks")
    url = f"{atsbot.server_url}/ats/greenhouse/webhook"
    gh.webhook_url = NOWHERE  # the emulator moves her; the deliveries below are the test's
    sent = gh.move_stage(application, "Recruiter Screen")
    assert sent is not None
    body, headers = sent.body, sent.headers
    queued = pulls_queued(atsbot)

    forged = httpx.post(url, content=body, headers={**headers, "Signature": "sha256 " + "0" * 64})
    tampered = httpx.post(url, content=body.replace(b"Ada", b"Eve"), headers=headers)
    unsigned = httpx.post(url, content=body, headers={"Greenhouse-Event-ID": "x"})

    assert (forged.status_code, tampered.status_code, unsigned.status_code) == (401, 401, 401)
    assert pulls_queued(atsbot) == queued and ada(atsbot).status == "new"

    elsewhere = httpx.post(f"{url}?team=T0OTHER", content=body, headers=headers)
    assert elsewhere.status_code == 401  # signed with this workspace's secret, not theirs

    genuine = httpx.post(f"{url}?team={TEAM}", content=body, headers=headers)
    atsbot.sweep()
    assert genuine.status_code == 200
    assert slack.wait_for(lambda: ada(atsbot).status == "interviewing")

    replayed = httpx.post(url, content=body, headers=headers)

    assert replayed.status_code == 401
    assert pulls_queued(atsbot) == queued + 1
    assert told_once(atsbot, slack, "is interviewing")  # not once more for the replay


def test_forged_stale_and_replayed_lever_webhooks_are_refused_and_change_nothing(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock
) -> None:
    opportunity = ada_in_lever(atsbot, lever, slack, "webhooks")
    url = f"{atsbot.server_url}/ats/lever/webhook"
    lever.webhook_url = None
    lever.move_stage(opportunity, "Phone interview")
    data = {
        "opportunityId": opportunity,
        "contactId": lever.opportunity(opportunity)["contact"],
        "toStageId": lever.stage_id("Phone interview"),
    }
    queued = pulls_queued(atsbot)
    now_ms = int(bot_clock.now().timestamp() * 1000)
    stale = lever.signed_webhook("candidateStageChange", data, triggered_at=now_ms - 6 * 60_000)
    forged = json.loads(lever.signed_webhook("candidateStageChange", data))
    forged["signature"] = lever_sign("not-the-token", forged["token"], forged["triggeredAt"])

    answers = [
        httpx.post(url, content=stale).status_code,
        httpx.post(url, content=json.dumps(forged).encode()).status_code,
        httpx.post(url, content=b"not json").status_code,
    ]

    assert answers == [401, 401, 401]
    assert pulls_queued(atsbot) == queued and ada(atsbot).status == "new"

    genuine = lever.signed_webhook("candidateStageChange", data)
    assert httpx.post(url, content=genuine).status_code == 200
    atsbot.sweep()
    assert slack.wait_for(lambda: ada(atsbot).status == "interviewing")
    assert httpx.post(url, content=genuine).status_code == 401
    assert told_once(atsbot, slack, "is interviewing")


def test_a_lever_webhook_is_acknowledged_while_lever_is_down_and_applied_when_it_is_back(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock
) -> None:
    opportunity = ada_in_lever(atsbot, lever, slack, "webhooks")
    lever.outage(True)  # naming the stage needs Lever; the answer to the webhook does not

    sent = lever.move_stage(opportunity, "Phone interview")
    atsbot.sweep()

    assert sent is not None and sent.status == 200
    assert ada(atsbot).status == "new"
    lever.outage(False)
    for _ in range(3):
        clock.travel(minutes=5)
        atsbot.sweep()
    assert slack.wait_for(lambda: ada(atsbot).status == "interviewing")
    assert told_once(atsbot, slack, "is interviewing")


@pytest.fixture
def envbot(
    slack: SlackEmulator, migrated_url: str, clock: Clock, gh: GreenhouseEmulator, rita: str
) -> Iterator[Refbot]:
    """A single-workspace deployment that connects Greenhouse from its environment."""
    slack.add_user(EMPLOYEE, name="alice", real_name="Alice Martin", email="alice@acme.test")
    config = Settings(
        **{
            **settings_for(slack, migrated_url).model_dump(),
            "greenhouse_client_id": "gh-client",
            "greenhouse_client_secret": "gh-secret",
            "greenhouse_user_id": gh.refbot,  # type: ignore[attr-defined]
            "greenhouse_webhook_secret": gh.webhook_secret,
            "greenhouse_api_url": gh.api_url,
            "greenhouse_auth_url": gh.auth_url,
        }
    )
    running = Refbot(config, slack)
    yield running
    running.close()


def test_greenhouse_from_the_environment_syncs_jobs_and_follows_its_webhooks(
    envbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock
) -> None:
    rita_gh = gh.add_user("rita@acme.test", "Rita", "Okafor", referrer=False)
    gh.add_job("Site Reliability Engineer", recruiters=(rita_gh,))
    gh.webhook_url = f"{envbot.server_url}/ats/greenhouse/webhook"
    envbot.command(RECRUITER, "/refbot", "help")  # refbot meets the workspace
    assert slack.wait_for(lambda: bool(slack.ephemerals(RECRUITER)))

    poll(envbot)
    role = role_titled(envbot, "Site Reliability Engineer")
    assert role is not None and role.recruiter_id == RECRUITER
    refer(
        envbot, EMPLOYEE, name="Ada Lovelace", email=ADA, candidate_knows="yes", role=role.public_id
    )
    envbot.sweep()
    assert slack.wait_for(lambda: len(gh.applications()) == 1)
    clock.travel(minutes=3)
    sent = gh.move_stage(str(gh.applications()[0]["id"]), "Onsite")
    envbot.sweep()

    assert sent is not None and sent.status == 200
    assert slack.wait_for(lambda: len(updates(slack, "is interviewing")) == 1)


# -- jobs -------------------------------------------------------------------------------------


def test_greenhouse_jobs_become_roles_with_people_mapped_and_a_closed_job_closes_its_role(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    rita_gh = gh.add_user("rita@acme.test", "Rita", "Okafor", referrer=False)
    job = gh.add_job("Data Engineer", hiring_managers=(gh.alice,), recruiters=(rita_gh,))  # type: ignore[attr-defined]
    gh.add_job("Designer (next year)", status="draft", recruiters=(rita_gh,))
    gh.add_job("Old job", status="closed")
    connect_greenhouse(atsbot, gh)

    poll(atsbot)

    role = role_titled(atsbot, "Data Engineer")
    assert role is not None and role.status == "open"
    assert (role.hiring_manager_id, role.recruiter_id) == (EMPLOYEE, RECRUITER)
    upcoming = role_titled(atsbot, "Designer (next year)")
    assert upcoming is not None and upcoming.status == "upcoming"
    assert role_titled(atsbot, "Old job") is None

    clock.travel(minutes=10)
    gh.close_job(job)
    poll(atsbot)
    poll(atsbot)

    closed = role_titled(atsbot, "Data Engineer")
    assert closed is not None and closed.status == "closed"
    with atsbot.runtime.dispatcher.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Role)) == 2


def test_lever_postings_become_roles(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, rita: str
) -> None:
    owner = lever.add_user("Rita Okafor", "rita@acme.test")
    lever.add_posting("Backend Engineer", owner=owner, hiring_manager=lever.alice)  # type: ignore[attr-defined]
    connect_lever(atsbot, lever)

    poll(atsbot)
    poll(atsbot)

    role = role_titled(atsbot, "Backend Engineer")
    assert role is not None and role.status == "open"
    assert (role.hiring_manager_id, role.recruiter_id) == (EMPLOYEE, RECRUITER)
    with atsbot.runtime.dispatcher.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Role)) == 1


# -- erasure ------------------------------------------------------------------------------------


def test_a_candidate_anonymised_in_greenhouse_is_forgotten_in_refbot(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    ada_in_greenhouse(atsbot, gh, slack, "polling")

    clock.travel(minutes=3)
    gh.anonymize(gh.candidates()[0]["id"])
    poll(atsbot)

    found = ada(atsbot)
    assert found.name == REMOVED_NAME and found.email is None


def test_a_candidate_deleted_in_greenhouse_is_forgotten_in_refbot(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    ada_in_greenhouse(atsbot, gh, slack, "webhooks")

    in_ats(atsbot, clock, "webhooks", lambda: gh.delete_candidate(gh.candidates()[0]["id"]))

    assert slack.wait_for(lambda: ada(atsbot).name == REMOVED_NAME)


@pytest.mark.parametrize("mode", ("webhooks", "polling"))
def test_a_candidate_deleted_in_lever_is_forgotten_in_refbot(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock, mode: str
) -> None:
    opportunity = ada_in_lever(atsbot, lever, slack, mode)

    in_ats(atsbot, clock, mode, lambda: lever.delete(opportunity))

    assert slack.wait_for(lambda: ada(atsbot).name == REMOVED_NAME)


def test_a_candidate_anonymised_in_lever_is_forgotten_in_refbot(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock
) -> None:
    opportunity = ada_in_lever(atsbot, lever, slack, "polling")

    clock.travel(minutes=3)
    lever.anonymize(opportunity)
    poll(atsbot)

    assert ada(atsbot).name == REMOVED_NAME
