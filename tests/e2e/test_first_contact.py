"""The first message refbot sends someone it has never met speaks their language."""

import json
import re
from collections.abc import Iterator

import pytest

from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, Clock, Refbot, settings_for
from tests.e2e.test_referral import refer

FRENCH_RECRUITER = "U0REMI"


@pytest.fixture
def refbot(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[Refbot]:
    slack.add_user(
        FRENCH_RECRUITER, name="remi", real_name="Rémi Roux", locale="fr-FR", tz="Europe/Paris"
    )
    settings = settings_for(slack, migrated_url).model_copy(
        update={"refbot_recruiters": (FRENCH_RECRUITER,)}
    )
    running = Refbot(settings, slack)
    yield running
    running.close()


def test_a_french_recruiters_first_card_is_in_french(refbot: Refbot, slack: SlackEmulator) -> None:
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com", candidate_knows="yes")

    assert slack.wait_for(lambda: slack.dms(FRENCH_RECRUITER) != [])
    card = slack.dms(FRENCH_RECRUITER)[0]
    assert "Nouvelle cooptation" in card.plain_text() and "New referral" not in card.plain_text()


def test_dates_in_a_card_fall_back_to_the_readers_own_time(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com", candidate_knows="yes")
    assert slack.wait_for(lambda: slack.dms(FRENCH_RECRUITER) != [])

    refbot.click(FRENCH_RECRUITER, "candidate_archive")
    assert slack.wait_for(lambda: "<!date" in json.dumps(slack.dms(FRENCH_RECRUITER)[0].blocks))

    card = slack.dms(FRENCH_RECRUITER)[0]
    fallbacks = re.findall(r"<!date\^\d+\^[^|]*\|([^>]*)>", json.dumps(card.blocks))
    assert fallbacks, "the card says when it was archived"
    assert all("UTC" not in f and " 15:0" in f for f in fallbacks), fallbacks  # 14:0x UTC
