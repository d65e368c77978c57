"""`/refbot find` with `role:` and `tag:` filters: applied by the database, so a match ranked
far down (past the few fetched for a page of hits) is found all the same."""

from datetime import timedelta

from bot import clock as bot_clock
from bot.services.referrals import ReferralForm
from bot.slack_emulator import SlackEmulator
from storage.models import Candidate, Role
from storage.types import CandidateSource, CandidateStatus, RoleStatus
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Refbot
from tests.e2e.test_search import find


def many_pythonistas(refbot: Refbot, n: int) -> None:
    now = bot_clock.now()
    with refbot.runtime.dispatcher.sessions.begin() as s:
        s.add_all(
            Candidate(
                team_id=TEAM,
                name=f"Pythonista {i:03d}",
                email=f"py{i}@example.org",
                headline="Python developer",
                tags="java, kotlin",
                source=CandidateSource.IMPORT,
                status=CandidateStatus.ARCHIVED,
                last_activity_at=now + timedelta(minutes=i),  # newer than the one sought
                created_at=now,
            )
            for i in range(n)
        )


def test_a_tag_filter_finds_a_match_ranked_past_the_first_fifty(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    svc = refbot.runtime.services
    svc.referrals.refer(
        team_id=TEAM,
        referrer_id=EMPLOYEE,
        form=ReferralForm(name="Rosa Rustacean", email="rosa@example.org", note="python, rust"),
    )
    with refbot.runtime.dispatcher.sessions.begin() as s:
        rosa = s.query(Candidate).filter_by(email="rosa@example.org").one()
        rosa.tags = "Rust"
    many_pythonistas(refbot, 80)

    assert "Rosa Rustacean" in find(refbot, RECRUITER, "python tag:rust")
    assert "Rosa Rustacean" in find(refbot, RECRUITER, "tag:RUST")
    assert "Rosa Rustacean" not in find(refbot, RECRUITER, "python tag:kotlin")


def test_a_role_filter_keeps_the_people_referred_to_that_role(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    svc = refbot.runtime.services
    now = bot_clock.now()
    with refbot.runtime.dispatcher.sessions.begin() as s:
        role = Role(
            team_id=TEAM,
            title="Data Engineer",
            recruiter_id=RECRUITER,
            status=RoleStatus.OPEN,
            created_at=now,
        )
        s.add(role)
        s.flush()
        role_id = role.public_id
    svc.referrals.refer(
        team_id=TEAM,
        referrer_id=EMPLOYEE,
        form=ReferralForm(
            name="Dana Pipeline", email="dana@example.org", note="python", role=role_id
        ),
    )
    many_pythonistas(refbot, 80)

    found = find(refbot, RECRUITER, 'python role:"data eng"')
    assert "Dana Pipeline" in found and "Pythonista" not in found
    assert "Dana Pipeline" in find(refbot, RECRUITER, "role:data")
