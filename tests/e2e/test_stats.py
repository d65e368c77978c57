"""`/refbot stats` matches a hand-built history."""

from datetime import timedelta

from bot.services.referrals import ReferralForm
from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, TEAM, Clock, Refbot


def test_stats_match_a_hand_built_history(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    svc = refbot.runtime.services
    ids = {}
    for name, referrer in (
        ("Ann", EMPLOYEE),
        ("Bob", EMPLOYEE),
        ("Cat", FRENCH_EMPLOYEE),
        ("Dan", FRENCH_EMPLOYEE),
    ):
        result = svc.referrals.refer(
            team_id=TEAM,
            referrer_id=referrer,
            form=ReferralForm(name=name, email=f"{name}@example.com"),
        )
        assert result.candidate_public_id is not None
        ids[name] = result.candidate_public_id
    clock.travel(days=1)
    svc.candidates.move(team_id=TEAM, actor_id=RECRUITER, candidate=ids["Ann"], stage="hired")
    clock.travel(days=1)
    svc.candidates.move(team_id=TEAM, actor_id=RECRUITER, candidate=ids["Bob"], stage="reviewing")
    clock.travel(days=1)
    for name in ("Cat", "Dan"):
        svc.outreach.reach_out(
            team_id=TEAM,
            actor_id=RECRUITER,
            candidate=ids[name],
            template="referred_A",
            channel="email",
        )
    svc.outreach.replied(team_id=TEAM, actor_id=RECRUITER, candidate=ids["Cat"])
    svc.snoozes.snooze(
        team_id=TEAM,
        actor_id=RECRUITER,
        candidate_id=ids["Dan"],
        until="1m",
        on_day=None,
        note=None,
    )
    svc.candidates.reactivate(team_id=TEAM, actor_id=RECRUITER, candidate=ids["Dan"])

    report = svc.stats.report(team_id=TEAM, actor_id=RECRUITER, days=90)
    refbot.command(RECRUITER, "/refbot", "stats 90")
    refbot.command(EMPLOYEE, "/refbot", "stats")

    assert [(s.source, s.candidates, s.hired) for s in report.sources] == [("referral", 4, 1)]
    assert report.median_review is not None  # 1, 2, 3 and 3 days (the clock ticks meanwhile)
    assert abs(report.median_review - timedelta(days=2, hours=12)) < timedelta(seconds=5)
    assert [(v.variant, v.sent, v.replied) for v in report.variants] == [("referred_A", 2, 1)]
    assert report.reactivated == 1
    assert report.top_referrers[0] == (EMPLOYEE, 1, 2)
    assert slack.wait_for(lambda: slack.ephemerals(RECRUITER) and slack.ephemerals(EMPLOYEE))
    shown = slack.ephemerals(RECRUITER)[-1].plain_text()
    assert "1/4 hired (25%)" in shown and "1/2 replied (50%)" in shown and "60.0 h" in shown
    assert "not allowed" in slack.ephemerals(EMPLOYEE)[-1].plain_text()
