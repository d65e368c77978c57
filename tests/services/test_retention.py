"""Retention, as the admin of each workspace expects it: every daily run erases every archived
candidate past the workspace's own period, however many there are and whatever other
workspaces keep."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.app import Runtime
from storage.models import Candidate
from storage.repositories import settings
from storage.repositories.candidates import REMOVED_NAME
from storage.types import CandidateSource, CandidateStatus
from tests.conftest import TEAM
from tests.services.conftest import FixedClock

PATIENT = "T0LONG"  # keeps archives ten years


def archive(runtime: Runtime, team_id: str, count: int, *, at: datetime) -> None:
    """`count` candidates archived at `at` (an ATS import's history, say)."""
    with runtime.dispatcher.sessions.begin() as s:
        s.add_all(
            Candidate(
                team_id=team_id,
                name=f"Person {i}",
                email=f"person.{i}@{team_id.lower()}.example.com",
                source=CandidateSource.IMPORT,
                status=CandidateStatus.ARCHIVED,
                last_activity_at=at,
                created_at=at,
                archived_at=at,
            )
            for i in range(count)
        )


def kept(runtime: Runtime) -> dict[str, int]:
    with runtime.dispatcher.sessions() as s:
        rows = s.execute(
            select(Candidate.team_id, func.count())
            .where(Candidate.name != REMOVED_NAME)
            .group_by(Candidate.team_id)
        )
        return {team: int(count) for team, count in rows}


def test_a_workspace_with_long_retention_never_starves_the_erasures_of_another(
    runtime: Runtime, now: FixedClock
) -> None:
    with runtime.dispatcher.sessions.begin() as s:
        settings.save(s, PATIENT, retention_months=120)
        settings.save(s, TEAM, retention_months=12)
    archive(runtime, PATIENT, 600, at=now.at)  # first in the table, never due
    archive(runtime, TEAM, 520, at=now.at + timedelta(minutes=1))  # more than one batch
    now.travel(days=400)  # 13 months on

    erased = runtime.services.privacy.purge()
    again = runtime.services.privacy.purge()

    assert (erased, again) == (520, 0)
    assert kept(runtime) == {PATIENT: 600}


def test_retention_erases_what_is_due_and_keeps_what_is_not_in_each_workspace(
    runtime: Runtime, now: FixedClock
) -> None:
    with runtime.dispatcher.sessions.begin() as s:
        settings.save(s, TEAM, retention_months=12)
    archive(runtime, TEAM, 3, at=now.at)
    now.travel(days=200)
    archive(runtime, "T0OTHER", 2, at=now.at)  # the default period, 24 months
    now.travel(days=200)  # the first three are 13 months old, the others 6

    erased = runtime.services.privacy.purge()

    assert erased == 3
    assert kept(runtime) == {"T0OTHER": 2}
