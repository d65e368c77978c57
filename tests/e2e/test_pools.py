"""Pools: people referred for a role not yet open come back, with matching resting ones."""

from bot.services.referrals import ReferralForm
from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Refbot


def test_opening_an_upcoming_role_sends_its_pool_and_matching_resting_candidates(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    services = refbot.runtime.services
    role = services.roles.create(
        team_id=TEAM,
        actor_id=RECRUITER,
        title="Senior Data Engineer",
        team_name=None,
        hiring_manager_id=None,
        recruiter_id=RECRUITER,
        status="upcoming",
        ideal_profile=None,
    ).role
    assert role is not None

    def refer(name: str, role_id: str | None = None) -> str:
        result = services.referrals.refer(
            team_id=TEAM,
            referrer_id=EMPLOYEE,
            form=ReferralForm(
                name=name, email=f"{name.lower().replace(' ', '.')}@example.com", role=role_id
            ),
        )
        assert result.candidate_public_id is not None
        return result.candidate_public_id

    for name in ("Pool One", "Pool Two", "Pool Three", "Pool Four"):
        refer(name, role.public_id)
    for name, note in (
        ("Rest Match", "great data pipelines"),
        ("Rest Engineer", "engineer, later"),
        ("Rest Other", "a designer"),
    ):
        services.snoozes.snooze(
            team_id=TEAM,
            actor_id=RECRUITER,
            candidate_id=refer(name),
            until="12m",
            on_day=None,
            note=note,
        )

    refbot.command(RECRUITER, "/refbot", "roles")
    assert slack.wait_for(
        lambda: any(m.has_button("role_open") for m in slack.ephemerals(RECRUITER))
    )
    refbot.click(RECRUITER, "role_open")

    assert slack.wait_for(lambda: any("is open" in m.plain_text() for m in slack.dms(RECRUITER)))
    (pool,) = [m for m in slack.dms(RECRUITER) if "is open" in m.plain_text()]
    listed = pool.plain_text()
    for name in ("Pool One", "Pool Two", "Pool Three", "Pool Four", "Rest Match", "Rest Engineer"):
        assert name in listed
    assert "Rest Other" not in listed
    assert "6 people" in listed
    assert pool.has_button("candidate_reach_out")
