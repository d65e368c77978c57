"""The write-back calls of both adapters against their emulators, over real HTTP: a move, a
rejection or archive, each firing the webhook a move in the ATS's UI would, and refused in the
ATS's words when it does not apply."""

import json
import time

import pytest

from bot.ats.errors import AtsError
from bot.ats.greenhouse_emulator import GreenhouseEmulator
from bot.ats.lever_emulator import LeverEmulator
from tests.ats import test_greenhouse as greenhouse
from tests.ats import test_lever as lever_tests
from tests.ats.conftest import Received

gh, lever = greenhouse.gh, lever_tests.lever


def events_received(receiver: Received, count: int) -> list[dict]:
    """The webhooks delivered so far, once `count` arrived (they follow the answers)."""
    deadline = time.monotonic() + 5
    while len(receiver.requests) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return [json.loads(body) for _, body in receiver.requests]


def pushed_to_greenhouse(gh: GreenhouseEmulator) -> tuple[str, str]:
    """(application id, its stage id) of a referral pushed onto the job."""
    result = greenhouse.client(gh).push_referral(greenhouse.referral(gh.job))  # type: ignore[attr-defined]
    assert result.application_id is not None
    app = greenhouse.client(gh).application(result.application_id)
    assert app is not None and app.stage_id is not None
    return result.application_id, app.stage_id


def test_greenhouse_moves_an_application_along_its_jobs_stages_and_says_so_by_webhook(
    gh: GreenhouseEmulator, receiver: Received
) -> None:
    application, first = pushed_to_greenhouse(gh)
    gh.webhook_url = receiver.url
    api = greenhouse.client(gh)
    stages = api.job_stages(gh.job)  # type: ignore[attr-defined]
    assert [name for _, name in stages][:2] == ["Application Review", "Recruiter Screen"]

    api.move_application(application, from_stage_id=first, to_stage_id=stages[1][0])

    moved = api.application(application)
    assert moved is not None and moved.stage_id == stages[1][0]
    assert events_received(receiver, 1)[-1]["action"] == "candidate_stage_change"
    with pytest.raises(AtsError) as stale:  # the application is no longer at that stage
        api.move_application(application, from_stage_id=first, to_stage_id=stages[2][0])
    assert stale.value.kind == "permanent" and "from_stage_id" in stale.value.reason


def test_greenhouse_rejects_once_with_a_reason_and_refuses_a_second_rejection(
    gh: GreenhouseEmulator,
) -> None:
    application, _ = pushed_to_greenhouse(gh)
    api = greenhouse.client(gh)
    reason = next(
        rid for rid, name in api.rejection_reasons().items() if name == "Lacking skill(s)"
    )

    api.reject_application(application, rejection_reason_id=reason, notes="not this year")

    found = api.application(application)
    assert found is not None and found.outcome == "rejected"
    with pytest.raises(AtsError) as again:
        api.reject_application(application, rejection_reason_id=reason)
    assert again.value.status == 422


def test_lever_sets_a_stage_and_archives_as_a_hire_with_both_webhooks(
    lever: LeverEmulator, receiver: Received
) -> None:
    pushed = lever_tests.client(lever).push_referral(lever_tests.referral(lever.posting))  # type: ignore[attr-defined]
    assert pushed.application_id is not None
    lever.webhook_url = receiver.url
    api = lever_tests.client(lever)

    api.move_opportunity(pushed.application_id, lever.stage_id("Phone interview"))
    api.archive_opportunity(pushed.application_id, lever.reason_id("Hired"))

    found = api.opportunity(pushed.application_id)
    assert found is not None and found.outcome == "hired"
    events = [e["event"] for e in events_received(receiver, 3)]
    assert events == ["candidateStageChange", "candidateArchiveChange", "candidateHired"]
    with pytest.raises(AtsError) as unknown:
        api.move_opportunity(pushed.application_id, "not-a-stage")
    assert unknown.value.status == 400
