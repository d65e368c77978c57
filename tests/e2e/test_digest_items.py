"""The morning digest names the reader's own items, each with its button, the rest counted;
the sourcing summary carries the decisions for each contact, in DMs only."""

import json
from collections.abc import Iterator

import pytest

from bot.services.referrals import ReferralForm
from bot.slack_emulator import Message, SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Clock, Refbot, settings_for
from tests.e2e.test_decisions import referred
from tests.e2e.test_snooze import snooze
from tests.e2e.test_sourcing import CHANNEL, MANAGER, add, card, start

RAJ = "U0RAJ"
TUESDAY_NINE_LONDON = {"hours": 19, "minutes": 5}  # from Monday 14:00 UTC


@pytest.fixture
def team(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[Refbot]:
    """refbot with two recruiters, Rita and Raj, both in London."""
    slack.add_user(RAJ, name="raj", real_name="Raj Patel", tz="Europe/London")
    settings = settings_for(slack, migrated_url).model_copy(
        update={"refbot_recruiters": (RECRUITER, RAJ)}
    )
    running = Refbot(settings, slack)
    for user in (RECRUITER, RAJ):
        running.runtime.services.members.refreshed(team_id=TEAM, user_id=user)
    yield running
    running.close()


def digest_of(slack: SlackEmulator, user: str) -> Message:
    found = [m for m in slack.dms(user) if "Good morning" in m.plain_text()]
    assert len(found) == 1
    return found[0]


def morning(refbot: Refbot, clock: Clock) -> None:
    clock.travel(**TUESDAY_NINE_LONDON)
    refbot.runtime.services.digests.queue_due()
    refbot.sweep()


def buttons(message: Message) -> list[str]:
    return [
        b["accessory"]["action_id"]
        for b in message.blocks
        if b.get("type") == "section" and "accessory" in b
    ]


def test_digest_names_the_readers_new_referrals_with_a_button_each_and_counts_the_rest(
    team: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    services = team.runtime.services
    people = [f"Person {n}" for n in range(1, 8)]
    ids = {}
    for name in people:
        result = services.referrals.refer(
            team_id=TEAM,
            referrer_id=EMPLOYEE,
            form=ReferralForm(name=name, email=f"{name.replace(' ', '').lower()}@example.com"),
        )
        ids[name] = result.candidate_public_id
    services.candidates.take(
        team_id=TEAM, actor_id=RAJ, candidate=ids["Person 7"], shown_owner=None
    )  # Raj's now: not Rita's to look at

    morning(team, clock)

    rita, raj = digest_of(slack, RECRUITER), digest_of(slack, RAJ)
    text = rita.plain_text()
    assert "6 new referrals waiting for a first look" in text
    named = [p for p in people if p in text]
    assert len(named) == 5 and "Person 7" not in text
    assert "and 1 more" in text
    assert buttons(rita).count("candidate_reach_out") == 5
    assert "7 new referrals" in raj.plain_text() and "Person 7" in raj.plain_text()


def test_digest_item_clicked_says_what_was_done_in_its_place(
    team: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(team, slack)  # Ada
    snooze(team, until="date", date="2026-11-06", note="after her exams")  # back Friday
    team.runtime.services.referrals.refer(
        team_id=TEAM,
        referrer_id=EMPLOYEE,
        form=ReferralForm(name="Grace Hopper", email="grace@example.com"),
    )
    morning(team, clock)
    digest = digest_of(slack, RECRUITER)
    assert "Ada Lovelace" in digest.plain_text()
    assert "snooze ending this week" in digest.plain_text()

    team.click(RECRUITER, "candidate_reactivate", on=digest)

    assert slack.wait_for(
        lambda: "candidate_reactivate" not in buttons(digest_of(slack, RECRUITER))
    )
    after = digest_of(slack, RECRUITER)
    assert "Reactivated" in after.plain_text() and f"<@{RECRUITER}>" in after.plain_text()
    assert "candidate_reach_out" in buttons(after), "Grace's item keeps its button"


def test_session_summary_carries_each_contacts_decisions_for_the_team_never_the_channel(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    session_card = start(refbot, slack)
    add(refbot, EMPLOYEE, session_card, name="Xena One", email="x1@example.com")
    add(refbot, EMPLOYEE, session_card, name="Yves Two", email="x2@example.com")
    clock.travel(seconds=6)
    refbot.sweep()
    final = card(slack)
    assert final is not None

    refbot.click(RECRUITER, "sourcing_end", on=final)
    assert slack.wait_for(
        lambda: all(any("summary" in m.text for m in slack.dms(u)) for u in (RECRUITER, MANAGER))
    )
    recruiter = next(m for m in slack.dms(RECRUITER) if "summary" in m.text)
    manager = next(m for m in slack.dms(MANAGER) if "summary" in m.text)

    for summary in (recruiter, manager):
        assert "Xena One" in summary.plain_text() and "Yves Two" in summary.plain_text()
    actions = [b for b in recruiter.blocks if b["type"] == "actions"]
    assert len(actions) == 2
    for block in actions:
        ids = [e["action_id"] for e in block["elements"]]
        assert "candidate_not_a_fit" in ids
        assert "candidate_reach_out" in ids or "candidate_request_intro" in ids
    for message in slack.messages(CHANNEL):
        shown = json.dumps(message.blocks) + message.text
        assert "Xena" not in shown and "candidate_" not in shown and "hm_" not in shown

    refbot.click(MANAGER, "hm_interested", on=manager)

    def summary_of(user: str) -> Message:
        return next(m for m in slack.dms(user) if "summary" in m.text)

    assert slack.wait_for(
        lambda: [b["type"] for b in summary_of(MANAGER).blocks].count("actions") == 1
    )
    after = summary_of(MANAGER).plain_text()
    assert "Interested" in after and f"<@{MANAGER}>" in after
