"""What an admin types as a referral reward becomes an exact amount in minor units, or says
which field to fix: no float, no guessing beyond the currency's own decimals."""

import pytest

from bot.reward_rules import RewardRule, parse_rule, rule_form


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("1000", "EUR", 100000),
        ("1,000", "usd", 100000),
        ("1 000,50", "EUR", 100050),
        ("1.000,50", "EUR", 100050),
        ("1,000.50", "GBP", 100050),
        ("1000.5", "EUR", 100050),
        ("150000", "JPY", 150000),
        ("1.500", "KWD", 1500),  # three decimals: a dinar and a half
    ],
)
def test_amounts_people_type_become_minor_units(amount: str, currency: str, minor: int) -> None:
    rule, errors = parse_rule(amount, currency, "")

    assert errors == {}
    assert rule == RewardRule(minor, currency.upper(), 90)


@pytest.mark.parametrize(
    ("amount", "currency", "days", "fields"),
    [
        ("1000.999", "EUR", "90", {"reward_amount"}),  # more decimals than the euro has
        ("10.5", "JPY", "90", {"reward_amount"}),  # the yen has none
        ("-5", "EUR", "90", {"reward_amount"}),
        ("0", "EUR", "90", {"reward_amount"}),
        ("1e3", "EUR", "90", {"reward_amount"}),
        ("12,34,5", "EUR", "90", {"reward_amount"}),
        ("1000", "EURO", "90", {"reward_currency"}),
        ("1000", "XYZ", "90", {"reward_currency"}),
        ("1000", "", "90", {"reward_currency"}),
        ("", "EUR", "90", {"reward_amount"}),
        ("1000", "EUR", "²", {"reward_days"}),
        ("1000", "EUR", "4000", {"reward_days"}),
        ("9999999999", "EUR", "90", {"reward_amount"}),
    ],
)
def test_a_bad_amount_currency_or_delay_names_its_field(
    amount: str, currency: str, days: str, fields: set[str]
) -> None:
    rule, errors = parse_rule(amount, currency, days)

    assert rule is None and set(errors) == fields


def test_no_amount_and_no_currency_is_no_reward_and_a_stored_rule_prefills_the_modal() -> None:
    assert parse_rule("", "  ", "30") == (None, {})
    assert rule_form(100050, "EUR", 60).amount == "1000.50"
    assert rule_form(150000, "JPY", None).days == "90"
    assert rule_form(None, None, None).amount == ""
