"""A webhook about a person refbot is still pushing (its answer lost, or a recruiter quicker than
refbot) waits for the push to save her link, then counts, once."""

from sqlalchemy import func, select

from bot.ats.greenhouse_emulator import GreenhouseEmulator
from bot.slack_emulator import SlackEmulator
from storage.models import Delivery
from tests.conftest import EMPLOYEE, Clock, Refbot
from tests.e2e import test_ats_pull as pulling
from tests.e2e.test_ats_connect import connect_greenhouse
from tests.e2e.test_ats_pull import ADA, ada, poll, role_titled, updates
from tests.e2e.test_referral import refer

atsbot, gh, lever, rita = pulling.atsbot, pulling.gh, pulling.lever, pulling.rita


def held(refbot: Refbot) -> int:
    with refbot.runtime.dispatcher.sessions() as s:
        query = select(func.count()).where(Delivery.subject.startswith("ats-held:"))
        return int(s.scalar(query) or 0)


def test_a_webhook_before_the_push_saved_her_link_is_applied_once_the_link_is_saved(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    recruiter = gh.add_user("rita@acme.test", "Rita", "Okafor", referrer=False)
    gh.add_job("Platform Engineer", recruiters=(recruiter,))
    connect_greenhouse(atsbot, gh, webhook_secret=gh.webhook_secret, mode="webhooks")
    gh.webhook_url = f"{atsbot.server_url}/ats/greenhouse/webhook"
    poll(atsbot)
    role = role_titled(atsbot, "Platform Engineer")
    assert role is not None
    gh.drop_after_commit("POST /v3/applications")  # created there, the answer lost

    refer(
        atsbot, EMPLOYEE, name="Ada Lovelace", email=ADA, candidate_knows="yes", role=role.public_id
    )
    assert slack.wait_for(lambda: len(gh.applications()) == 1)
    sent = gh.move_stage(str(gh.applications()[0]["id"]), "Recruiter Screen")

    assert sent is not None and sent.status == 200
    assert slack.wait_for(lambda: held(atsbot) == 1)
    assert ada(atsbot).status == "new"  # held: refbot does not know her application yet
    for _ in range(3):
        clock.travel(minutes=5)
        atsbot.sweep()
    assert slack.wait_for(lambda: ada(atsbot).status == "interviewing")
    assert len(gh.applications()) == 1
    assert slack.wait_for(lambda: len(updates(slack, "is interviewing")) == 1)
