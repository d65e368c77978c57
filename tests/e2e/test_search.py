"""`/refbot find`: rediscovery across every status, for recruiters only."""

from bot.services.referrals import ReferralForm
from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Refbot


def seed(refbot: Refbot) -> None:
    svc = refbot.runtime.services
    people = {
        "Hélène Dupont": ("helene@example.com", "Built a data platform in Python at a fintech"),
        "Bob Archer": ("bob@example.com", "Kubernetes operator, loves Go"),
        "Carla Active": ("carla@example.com", "Frontend, React"),
    }
    ids = {}
    for name, (email, note) in people.items():
        result = svc.referrals.refer(
            team_id=TEAM, referrer_id=EMPLOYEE, form=ReferralForm(name=name, email=email, note=note)
        )
        ids[name] = result.candidate_public_id
    svc.snoozes.snooze(
        team_id=TEAM,
        actor_id=RECRUITER,
        candidate_id=ids["Hélène Dupont"],
        until="6m",
        on_day=None,
        note="wants one more year",
    )
    svc.candidates.archive(team_id=TEAM, actor_id=RECRUITER, candidate=ids["Bob Archer"])


def find(refbot: Refbot, user: str, words: str) -> str:
    slack = refbot.slack
    before = len(slack.ephemerals(user))
    refbot.command(user, "/refbot", f"find {words}")
    assert slack.wait_for(lambda: len(slack.ephemerals(user)) > before)
    return slack.ephemerals(user)[-1].plain_text()


def test_rediscovery_finds_snoozed_and_archived_by_prefix_accent_and_phrase(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    seed(refbot)

    assert "Hélène Dupont" in find(refbot, RECRUITER, "pyth")
    assert "Hélène Dupont" in find(refbot, RECRUITER, "helene")
    assert "Hélène Dupont" in find(refbot, RECRUITER, '"data platform"')
    assert "Hélène Dupont" not in find(refbot, RECRUITER, '"platform data"')
    archived = find(refbot, RECRUITER, "kube status:archived")
    assert "Bob Archer" in archived and "Hélène" not in archived
    assert "No match" in find(refbot, RECRUITER, "cobol")
    reply = slack.ephemerals(RECRUITER)[0]
    assert reply.has_button("candidate_reactivate")


def test_employees_get_no_data(refbot: Refbot, slack: SlackEmulator) -> None:
    seed(refbot)

    answer = find(refbot, EMPLOYEE, "pyth")

    assert "Only recruiters" in answer and "Hélène" not in answer
