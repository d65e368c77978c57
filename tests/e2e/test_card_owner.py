"""Several recruiters get every general referral: each card shows who owns it, "Take it" is
offered to the others, and every copy changes when someone takes it."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.slack_emulator import Message, SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, Clock, Refbot, settings_for
from tests.e2e.test_referral import refer

RAJ = "U0RAJ"


@pytest.fixture
def team(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[Refbot]:
    """refbot with two recruiters, Rita and Raj."""
    slack.add_user(RAJ, name="raj", real_name="Raj Patel", tz="Europe/London")
    settings = settings_for(slack, migrated_url).model_copy(
        update={"refbot_recruiters": (RECRUITER, RAJ)}
    )
    running = Refbot(settings, slack)
    yield running
    running.close()


def card_of(slack: SlackEmulator, user: str) -> Message:
    found = [m for m in slack.dms(user) if m.blocks and "Ada Lovelace" in m.text]
    assert len(found) == 1
    return found[0]


def general_referral(team: Refbot, slack: SlackEmulator) -> tuple[Message, Message]:
    refer(team, EMPLOYEE, name="Ada Lovelace", email="ada@example.com")
    assert slack.wait_for(
        lambda: all(any("Ada Lovelace" in m.text for m in slack.dms(u)) for u in (RECRUITER, RAJ))
    )
    return card_of(slack, RECRUITER), card_of(slack, RAJ)


def test_every_copy_of_a_general_referral_says_nobody_owns_it_and_offers_take_it(
    team: Refbot, slack: SlackEmulator
) -> None:
    rita, raj = general_referral(team, slack)

    for card in (rita, raj):
        assert "Nobody owns this referral yet" in card.plain_text()
        assert card.has_button("candidate_take")


def test_taking_it_updates_every_copy_with_the_owner(team: Refbot, slack: SlackEmulator) -> None:
    general_referral(team, slack)

    team.click(RECRUITER, "candidate_take", on=card_of(slack, RECRUITER))

    assert slack.wait_for(lambda: "Owner:" in card_of(slack, RAJ).plain_text())
    assert slack.wait_for(lambda: not card_of(slack, RECRUITER).has_button("candidate_take"))
    raj, rita = card_of(slack, RAJ).plain_text(), card_of(slack, RECRUITER).plain_text()
    assert f"Owner: <@{RECRUITER}>" in raj and "<!date^" in raj
    assert f"Owner: <@{RECRUITER}>" in rita
    assert "Nobody owns" not in raj + rita
    assert card_of(slack, RAJ).has_button("candidate_take"), "the others may still take it over"


def test_take_on_a_copy_someone_else_took_since_says_so_and_changes_nothing(
    team: Refbot, slack: SlackEmulator
) -> None:
    _, raj = general_referral(team, slack)
    stale = team.click_payload(RAJ, "candidate_take", on=raj)

    team.click(RECRUITER, "candidate_take", on=card_of(slack, RECRUITER))
    assert slack.wait_for(lambda: "Owner:" in card_of(slack, RAJ).plain_text())
    team.post_payload(stale)

    assert slack.wait_for(lambda: slack.ephemerals(RAJ) != [])
    said = slack.ephemerals(RAJ)[-1].plain_text()
    assert "out of date" in said and "Taken" in said and f"<@{RECRUITER}>" in said
    assert f"Owner: <@{RECRUITER}>" in card_of(slack, RAJ).plain_text()


def test_once_taken_only_the_owner_is_nudged_about_the_waiting_referral(
    team: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    general_referral(team, slack)  # Monday 14:00 London

    team.click(RECRUITER, "candidate_take", on=card_of(slack, RECRUITER))
    assert slack.wait_for(lambda: not card_of(slack, RECRUITER).has_button("candidate_take"))
    clock.traveller.move_to(datetime(2026, 11, 5, 12, 0, tzinfo=UTC))  # Thursday
    team.sweep()

    def nudged(user: str) -> bool:
        return any("waiting for a first look" in m.plain_text() for m in slack.dms(user))

    assert nudged(RECRUITER) and not nudged(RAJ)
