"""A referral reward rule as admins type it (role and admin modals) and as it is stored: an
amount in minor units of an ISO 4217 currency, payable some days after the start date."""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision, is_currency

from bot.user_input import whole_number
from storage.models import Role, Settings

# The modal inputs (block_id = action_id) of a reward rule, on the role and the admin modals.
AMOUNT, CURRENCY, DAYS = "reward_amount", "reward_currency", "reward_days"
DEFAULT_DAYS = 90
MAX_DAYS = 3650
MAX_MINOR = 999_999_999  # nine digits: fits any INTEGER column, and any sane reward
# Thousands separators people type: spaces (also Babel's no-break ones) and apostrophes.
_GROUPING = re.compile("[ \u00a0\u202f'’]")


@dataclass(frozen=True)
class RewardRule:
    amount: int  # minor units
    currency: str  # ISO 4217
    days: int  # after the start date


@dataclass(frozen=True)
class RuleForm:
    """A reward rule as a modal shows it (blank: none)."""

    amount: str = ""
    currency: str = ""
    days: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def parse_rule(
    amount: str | None, currency: str | None, days: str | None
) -> tuple[RewardRule | None, dict[str, str]]:
    """The rule typed in a modal, or the field errors (keyed by block id). No amount and no
    currency: no reward. The amount is in major units ("1000", "1,000.50", "1 000,50")."""
    amount, code = (amount or "").strip(), (currency or "").strip().upper()
    if not amount and not code:
        return None, {}
    errors: dict[str, str] = {}
    if not code:
        errors[CURRENCY] = "required"
    elif not (len(code) == 3 and code.isascii() and code.isalpha() and is_currency(code)):
        errors[CURRENCY] = "reward_currency"
    digits = get_currency_precision(code) if CURRENCY not in errors else 2
    minor = _minor(amount, digits) if amount else None
    if not amount:
        errors[AMOUNT] = "required"
    elif minor is None or not 0 < minor <= MAX_MINOR:
        errors[AMOUNT] = "reward_amount"
    wait = whole_number(days) if (days or "").strip() else DEFAULT_DAYS
    if wait is None or wait > MAX_DAYS:
        errors[DAYS] = "reward_days"
    if errors:
        return None, errors
    assert minor is not None and wait is not None
    return RewardRule(minor, code, wait), {}


def _minor(typed: str, digits: int) -> int | None:
    """ "1,000.50" in a two-digit currency is 100050; None when it is not such an amount. With
    both "," and "." the last one is the decimal mark; a lone mark followed by three digits
    after one to three is grouping ("1,000"), else the decimal mark ("1,5", "1000.999")."""
    text = _GROUPING.sub("", typed)
    if not re.fullmatch(r"[0-9.,]+", text):
        return None
    marks = [c for c in text if c in ",."]
    decimal_mark = None
    if len(set(marks)) == 2:
        decimal_mark = marks[-1]
    elif len(marks) == 1:
        before, after = text.split(marks[0])
        grouping = len(after) == 3 and 1 <= len(before) <= 3 and digits < 3
        decimal_mark = None if grouping else marks[0]
    whole, _, fraction = text.rpartition(decimal_mark) if decimal_mark else (text, "", "")
    groups = re.split("[,.]", whole)
    if len(groups) > 1 and not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        return None
    whole = "".join(groups)
    if not whole.isdigit() or (decimal_mark and not fraction.isdigit()) or len(fraction) > digits:
        return None
    try:
        value = Decimal(whole + ("." + fraction if fraction else "")).scaleb(digits)
    except InvalidOperation:
        return None
    return int(value)


def rule_form(amount: int | None, currency: str | None, days: int | None) -> RuleForm:
    """A stored rule as the modal prefills it (amount back in major units)."""
    if amount is None or not currency:
        return RuleForm()
    digits = get_currency_precision(currency)
    major = Decimal(amount).scaleb(-digits)
    return RuleForm(f"{major:f}", currency, str(days if days is not None else DEFAULT_DAYS))


def rule_of(found: Role | Settings | None) -> RewardRule | None:
    if found is None or found.reward_amount is None or not found.reward_currency:
        return None
    days = found.reward_days if found.reward_days is not None else DEFAULT_DAYS
    return RewardRule(found.reward_amount, found.reward_currency, days)
