"""`/refer <text>` opens the referral modal with what was typed in the field it belongs to."""

import pytest

from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, Refbot
from tests.e2e.test_referral import open_referral


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ("ada@x.com", "email"),
        ("https://www.linkedin.com/in/ada/", "profile_url"),
        ("Ada Lovelace", "name"),
    ],
)
def test_refer_with_text_prefills_only_the_field_it_belongs_to(
    refbot: Refbot, slack: SlackEmulator, typed: str, field: str
) -> None:
    modal = open_referral(refbot, EMPLOYEE, typed)

    prefilled = {
        b["block_id"]: b["element"]["initial_value"]
        for b in modal["blocks"]
        if b.get("element", {}).get("initial_value")
    }
    assert prefilled == {field: typed}
