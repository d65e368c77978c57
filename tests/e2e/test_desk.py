"""The recruiter's desk: App Home sections, /refbot followups and /refbot snoozed."""

import json

from bot.services.referrals import ReferralForm
from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Clock, Refbot


def referrals(refbot: Refbot, count: int, start: int = 0) -> list[str]:
    services = refbot.runtime.services
    found = []
    for i in range(start, start + count):
        result = services.referrals.refer(
            team_id=TEAM,
            referrer_id=EMPLOYEE,
            form=ReferralForm(name=f"Candidate {i:02d}", email=f"c{i}@example.com"),
        )
        assert result.candidate_public_id is not None
        found.append(result.candidate_public_id)
    return found


def test_recruiter_home_with_eighty_due_follow_ups_stays_valid(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    services = refbot.runtime.services
    for candidate in referrals(refbot, 80):
        services.outreach.reach_out(
            team_id=TEAM,
            actor_id=RECRUITER,
            candidate=candidate,
            template="referred_A",
            channel="email",
        )
    referrals(refbot, 3, start=80)  # and three new ones, unreviewed
    clock.travel(days=3, hours=20)  # Friday 10:00 London: the +3 follow-ups are due
    refbot.sweep()

    refbot.open_home(RECRUITER)
    assert slack.wait_for(lambda: "Follow-ups due" in json.dumps(slack.home(RECRUITER) or {}))

    home = slack.home(RECRUITER)
    assert home is not None and len(home["blocks"]) <= 100
    text = json.dumps(home)
    assert "and 55 more" in text and "/refbot followups" in text
    assert "Candidate 82" in text  # the new referrals section
    assert "No snoozes ending" in text
    assert slack.errors == []


def test_followups_and_snoozed_lists_for_recruiters_only(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    services = refbot.runtime.services
    first, second = referrals(refbot, 2)
    services.outreach.reach_out(
        team_id=TEAM, actor_id=RECRUITER, candidate=first, template="referred_A", channel="email"
    )
    services.snoozes.snooze(
        team_id=TEAM,
        actor_id=RECRUITER,
        candidate_id=second,
        until="1m",
        on_day=None,
        note="after exams",
    )
    clock.travel(days=3, hours=20)
    refbot.sweep()

    refbot.command(RECRUITER, "/refbot", "followups")
    refbot.command(RECRUITER, "/refbot", "snoozed")
    refbot.command(EMPLOYEE, "/refbot", "followups")

    assert slack.wait_for(lambda: len(slack.ephemerals(RECRUITER)) == 2)
    listed = [m.plain_text() for m in slack.ephemerals(RECRUITER)]
    assert any("Candidate 00" in t and "Follow-ups due" in t for t in listed)
    assert any("Candidate 01" in t and "Snoozes ending soon" in t for t in listed)
    assert slack.wait_for(lambda: slack.ephemerals(EMPLOYEE) != [])
    assert "not allowed" in slack.ephemerals(EMPLOYEE)[-1].plain_text()
