"""Referral credit: the first referrer of a person within the workspace's credit window keeps
the credit; later referrers are shown to the recruiter as a "second referral" (DESIGN.md 5)."""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text

from bot.app import Runtime
from bot.services.referrals import ReferralForm
from bot.slack_emulator import SlackEmulator
from storage.models import Candidate, Referral
from storage.repositories import settings
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, TEAM
from tests.services.conftest import FixedClock

THIRD = "U0THEO"
ADA = ReferralForm(name="Ada Lovelace", email="ada@example.com")


def refer(runtime: Runtime, referrer: str, form: ReferralForm = ADA) -> None:
    result = runtime.services.referrals.refer(team_id=TEAM, referrer_id=referrer, form=form)
    assert result.errors == {}


def credited(runtime: Runtime) -> dict[str, bool]:
    """Each referrer of Ada and whether their referral holds the credit."""
    with runtime.services.referrals.sessions() as s:
        return {
            r.referrer_id: r.credited for r in s.scalars(select(Referral).order_by(Referral.id))
        }


def card_lines(slack: SlackEmulator) -> dict[str, bool]:
    """The recruiter's card for Ada: each referrer named on it, and whether the line says
    "second referral"."""
    (card,) = [m for m in slack.dms(RECRUITER) if m.text.startswith("New referral:")]
    lines = [line for line in card.plain_text().splitlines() if line.startswith("Referred by")]
    return {
        re.search(r"<@(\w+)>", line).group(1): "second referral" in line  # type: ignore[union-attr]
        for line in lines
    }


def test_a_second_referrer_within_the_window_is_not_credited_and_the_card_says_so(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    refer(runtime, EMPLOYEE)
    now.travel(days=200)

    refer(runtime, FRENCH_EMPLOYEE, ReferralForm(name="Ada L.", email="ADA@example.com"))
    runtime.sweep()

    assert credited(runtime) == {EMPLOYEE: True, FRENCH_EMPLOYEE: False}
    assert slack.wait_for(lambda: card_lines(slack) == {EMPLOYEE: False, FRENCH_EMPLOYEE: True})


def test_a_referrer_exactly_one_window_later_is_still_second(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    refer(runtime, EMPLOYEE)  # 2026-11-02 14:00 UTC
    now.at = now.at.replace(year=now.at.year + 1)  # the credit window is 12 months, inclusive

    refer(runtime, FRENCH_EMPLOYEE)

    assert credited(runtime) == {EMPLOYEE: True, FRENCH_EMPLOYEE: False}


def test_a_referrer_after_the_window_is_credited_and_then_holds_the_credit(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    slack.add_user(THIRD, name="theo")
    refer(runtime, EMPLOYEE)
    now.at = now.at.replace(year=now.at.year + 1)
    now.travel(microseconds=1)

    refer(runtime, FRENCH_EMPLOYEE)
    now.travel(days=1)
    refer(runtime, THIRD)
    runtime.sweep()

    assert credited(runtime) == {EMPLOYEE: True, FRENCH_EMPLOYEE: True, THIRD: False}
    assert slack.wait_for(
        lambda: card_lines(slack) == {EMPLOYEE: False, FRENCH_EMPLOYEE: False, THIRD: True}
    )


def test_the_credit_window_is_the_workspaces_setting(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock
) -> None:
    with runtime.services.referrals.sessions.begin() as s:
        settings.save(s, TEAM, credit_window_months=3)
    refer(runtime, EMPLOYEE)
    now.travel(days=95)

    refer(runtime, FRENCH_EMPLOYEE)

    assert credited(runtime) == {EMPLOYEE: True, FRENCH_EMPLOYEE: True}


def test_two_referrers_at_once_after_the_window_leave_the_credit_to_one(
    runtime: Runtime, slack: SlackEmulator, now: FixedClock, migrated_url: str
) -> None:
    """PostgreSQL lets two referrals of the same person run at once: the second to decide
    must see the first one's credit (a reward is paid on it)."""
    if not migrated_url.startswith("postgresql"):
        pytest.skip("SQLite takes its write lock up front: two referrals never overlap")
    slack.add_user(THIRD, name="theo")
    refer(runtime, EMPLOYEE)
    now.at = now.at.replace(year=now.at.year + 1)
    now.travel(microseconds=1)  # Ada's credit lapsed: the next referrer takes it

    engine = runtime.services.referrals.sessions.kw["bind"]
    with engine.connect() as held:  # someone else is changing Ada: both referrals wait
        held.execute(select(Candidate.id).with_for_update())
        with ThreadPoolExecutor(2) as pool:
            both = [pool.submit(refer, runtime, user) for user in (FRENCH_EMPLOYEE, THIRD)]
            waiting = text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            deadline = time.monotonic() + 30  # a bound for a stuck run, not a timing
            while held.execute(waiting).scalar_one() < 2:  # polled: no clock to move here
                held.execute(text("SELECT pg_stat_clear_snapshot()"))  # one per transaction
                assert not any(f.done() for f in both), [f.exception() for f in both]
                assert time.monotonic() < deadline, "the two referrals never both waited"
            held.rollback()
            for referral in both:
                referral.result()

    assert sum(credited(runtime).values()) == 2  # Ada's first referrer, and one of the two
