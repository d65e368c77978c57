"""Referral rewards (issue 17): a hire promises the credited referrer their reward, once; on its
date the referrer and the admins hear of it, once; a hire undone first cancels it kindly; the
admins list, pay and export the payable ones; nobody else sees or touches them."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import rendering
from bot.ats.greenhouse_emulator import GreenhouseEmulator
from bot.ats.lever_emulator import LeverEmulator
from bot.services.rewards import RewardBoard, RewardLine
from bot.slack_emulator import SlackEmulator
from storage.models import Candidate, Reward, Role
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, TEAM, Clock, Refbot
from tests.e2e import test_ats_connect as connecting
from tests.e2e import test_ats_pull as pulling
from tests.e2e.test_admin import VALID, open_admin
from tests.e2e.test_referral import cards, refer

ADA = "ada@example.com"


# -- arranging ------------------------------------------------------------------------------


def role_modal(refbot: Refbot, user: str = RECRUITER) -> dict[str, Any]:
    refbot.command(user, "/refbot", "role")
    slack = refbot.slack
    assert slack.wait_for(
        lambda: any(v.get("callback_id") == "role_submit" for v in slack.open_views(user))
    )
    return next(v for v in slack.open_views(user) if v.get("callback_id") == "role_submit")


def rewarded_role(
    refbot: Refbot, amount: str = "1000", currency: str = "EUR", days: str = "90"
) -> str:
    """A role the admin (Rita is recruiter and admin) creates with a reward; its public id."""
    role_modal(refbot)
    answer = refbot.submit(
        RECRUITER,
        "role_submit",
        title="Platform Engineer",
        recruiter=RECRUITER,
        status="open",
        reward_amount=amount,
        reward_currency=currency,
        reward_days=days,
    )
    assert answer.json()["response_action"] == "update", answer.json()
    with refbot.runtime.dispatcher.sessions() as s:
        return s.scalars(select(Role.public_id).where(Role.title == "Platform Engineer")).one()


def referred(refbot: Refbot, role: str, user: str = EMPLOYEE) -> None:
    refer(refbot, user, name="Ada Lovelace", email=ADA, candidate_knows="yes", role=role)
    assert refbot.slack.wait_for(lambda: len(cards(refbot.slack)) >= 1)


def move(refbot: Refbot, stage: str) -> None:
    """The recruiter picks "Move to… <stage>" on her card, once it offers it."""
    slack = refbot.slack

    def offering() -> Any:
        for m in reversed(slack.dms(RECRUITER)):
            for block in m.blocks:
                for element in block.get("elements", []):
                    if element.get("action_id") == "candidate_stage" and any(
                        o["value"].endswith(f":{stage}") for o in element.get("options", [])
                    ):
                        return m
        return None

    assert slack.wait_for(lambda: offering() is not None)
    refbot.click(RECRUITER, "candidate_stage", choose=stage, on=offering())
    assert slack.wait_for(lambda: status(refbot) == stage)


def status(refbot: Refbot) -> str:
    with refbot.runtime.dispatcher.sessions() as s:
        return s.scalars(select(Candidate.status)).one().value


def rewards(refbot: Refbot) -> list[Reward]:
    with refbot.runtime.dispatcher.sessions() as s:
        return list(s.scalars(select(Reward).order_by(Reward.id)))


def told(slack: SlackEmulator, user: str, words: str) -> list[Any]:
    return [m for m in slack.dms(user) if words in m.plain_text()]


def hired(refbot: Refbot, slack: SlackEmulator) -> None:
    """Ada, referred by Alice to a role with a €1,000 reward, is hired in Slack."""
    role = rewarded_role(refbot)
    referred(refbot, role)
    move(refbot, "hired")
    assert slack.wait_for(lambda: len(told(slack, EMPLOYEE, "€1,000")) == 1)


# -- the hire -------------------------------------------------------------------------------


def test_a_hire_creates_one_reward_for_the_credited_referrer_and_tells_them(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    hired(refbot, slack)

    promise = told(slack, EMPLOYEE, "€1,000")[0].plain_text()
    (reward,) = rewards(refbot)
    assert "Ada Lovelace" in promise and "90 days" in promise
    assert reward.payable_on.isoformat() == "2027-01-31" and "January 31, 2027" in promise
    assert (reward.amount, reward.currency, reward.status.value) == (100000, "EUR", "pending")
    assert reward.referrer_id == EMPLOYEE
    # Nobody else hears of it: not the recruiter (no reward words in her DMs).
    assert not told(slack, RECRUITER, "€1,000")


def test_a_double_click_on_hired_creates_one_reward(refbot: Refbot, slack: SlackEmulator) -> None:
    role = rewarded_role(refbot)
    referred(refbot, role)
    card = next(m for m in slack.dms(RECRUITER) if m.has_button("candidate_snooze"))

    refbot.click(RECRUITER, "candidate_stage", choose="hired", on=card)
    refbot.click(RECRUITER, "candidate_stage", choose="hired", on=card)
    refbot.sweep()

    assert slack.wait_for(lambda: status(refbot) == "hired")
    assert len(rewards(refbot)) == 1
    assert slack.wait_for(lambda: len(told(slack, EMPLOYEE, "€1,000")) == 1)
    refbot.sweep()
    assert len(told(slack, EMPLOYEE, "€1,000")) == 1


def test_on_its_date_the_referrer_and_the_admins_are_told_once_across_a_restart(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    hired(refbot, slack)

    clock.travel(days=89)
    refbot.sweep()
    early = told(slack, EMPLOYEE, "now due")
    clock.travel(days=2)  # 2027-02-01, a Monday: past 09:00 in Alice's New York
    refbot.sweep()
    refbot.restart()
    refbot.sweep()
    clock.travel(hours=19)  # Tuesday 09:00 in Rita's London: the admins' digest
    refbot.runtime.services.digests.queue_due()
    refbot.runtime.services.digests.queue_due()
    refbot.sweep()

    assert early == []
    assert slack.wait_for(lambda: len(told(slack, EMPLOYEE, "now due")) == 1)
    assert "€1,000" in told(slack, EMPLOYEE, "now due")[0].plain_text()
    assert slack.wait_for(lambda: len(told(slack, RECRUITER, "to pay for referrals")) == 1)
    digest = told(slack, RECRUITER, "to pay for referrals")[0].plain_text()
    assert "€1,000" in digest and "Ada Lovelace" in digest
    assert [r.status.value for r in rewards(refbot)] == ["pending"]  # payable, until paid
    for _ in range(3):  # Wednesday to Friday: told once, not every morning until it is paid
        clock.travel(days=1)
        refbot.runtime.services.digests.queue_due()
        refbot.sweep()
    assert len(told(slack, RECRUITER, "to pay for referrals")) == 1


def test_undoing_the_hire_in_slack_before_the_date_cancels_the_reward_kindly(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    hired(refbot, slack)

    clock.travel(days=30)
    move(refbot, "interviewing")
    clock.travel(days=70)
    refbot.sweep()

    assert [r.status.value for r in rewards(refbot)] == ["cancelled"]
    assert slack.wait_for(lambda: len(told(slack, EMPLOYEE, "won't be paid")) == 1)
    assert "thank you" in told(slack, EMPLOYEE, "won't be paid")[0].plain_text()
    assert told(slack, EMPLOYEE, "now due") == []
    refbot.command(RECRUITER, "/refbot", "rewards")
    assert slack.wait_for(
        lambda: any("Nothing to pay" in m.plain_text() for m in slack.ephemerals(RECRUITER))
    )


def test_two_referrers_of_one_person_only_the_credited_one_is_rewarded(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    role = rewarded_role(refbot)
    referred(refbot, role, EMPLOYEE)
    refer(refbot, FRENCH_EMPLOYEE, name="Ada Lovelace", email=ADA, candidate_knows="yes", role=role)

    move(refbot, "hired")

    assert slack.wait_for(lambda: len(told(slack, EMPLOYEE, "€1,000")) == 1)
    assert [r.referrer_id for r in rewards(refbot)] == [EMPLOYEE]
    refbot.sweep()
    assert not any("€" in m.plain_text() for m in slack.dms(FRENCH_EMPLOYEE))


def test_the_workspace_default_applies_to_a_role_without_its_own_in_the_referrers_language(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    open_admin(refbot)
    refbot.submit(
        RECRUITER,
        "admin_submit",
        **VALID,
        reward_amount="500",
        reward_currency="eur",
        reward_days="30",
    )
    role_modal(refbot)
    refbot.submit(
        RECRUITER, "role_submit", title="Data Analyst", recruiter=RECRUITER, status="open"
    )
    with refbot.runtime.dispatcher.sessions() as s:
        role = s.scalars(select(Role.public_id)).one()
    referred(refbot, role, FRENCH_EMPLOYEE)

    move(refbot, "hired")

    assert slack.wait_for(lambda: len(told(slack, FRENCH_EMPLOYEE, "500")) == 1)
    promise = told(slack, FRENCH_EMPLOYEE, "500")[0].plain_text()
    assert "500\xa0€" in promise and "30 jours" in promise
    assert [(r.amount, r.currency, r.days) for r in rewards(refbot)] == [(50000, "EUR", 30)]


def test_a_bad_amount_or_currency_in_the_role_modal_is_an_inline_error(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    fields = {"title": "Platform Engineer", "recruiter": RECRUITER, "status": "open"}

    role_modal(refbot)
    bad = refbot.submit(
        RECRUITER, "role_submit", **fields, reward_amount="1000.999", reward_currency="EURO"
    )
    negative = refbot.submit(
        RECRUITER, "role_submit", **fields, reward_amount="-5", reward_currency="XXY"
    )
    no_currency = refbot.submit(RECRUITER, "role_submit", **fields, reward_amount="1000")

    assert bad.json()["response_action"] == "errors"
    assert set(bad.json()["errors"]) == {"reward_amount", "reward_currency"}
    assert "ISO" in bad.json()["errors"]["reward_currency"]
    assert set(negative.json()["errors"]) == {"reward_amount", "reward_currency"}
    assert set(no_currency.json()["errors"]) == {"reward_currency"}
    with refbot.runtime.dispatcher.sessions() as s:
        assert s.scalars(select(Role)).all() == []


def test_admins_mark_payable_rewards_paid_and_export_exactly_those_for_payroll(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    hired(refbot, slack)
    clock.travel(days=92)
    refbot.sweep()

    refbot.command(RECRUITER, "/refbot", "rewards")
    assert slack.wait_for(
        lambda: any(m.has_button("reward_export") for m in slack.ephemerals(RECRUITER))
    )
    refbot.click(RECRUITER, "reward_export")
    assert slack.wait_for(lambda: len(slack.uploads()) == 1)
    refbot.click(RECRUITER, "reward_mark_paid")
    assert slack.wait_for(lambda: [r.status.value for r in rewards(refbot)] == ["paid"])
    refbot.command(RECRUITER, "/refbot", "rewards export")
    assert slack.wait_for(lambda: len(slack.uploads()) == 2)

    first, second = slack.uploads()
    assert first.channel == slack.dm_channel(RECRUITER)
    rows = list(csv.DictReader(io.StringIO(first.content.decode())))
    assert [(r["referrer_slack_id"], r["amount"], r["currency"]) for r in rows] == [
        (EMPLOYEE, "1000.00", "EUR")
    ]
    assert rows[0]["candidate"] == "Ada Lovelace"
    assert list(csv.DictReader(io.StringIO(second.content.decode()))) == []


def test_a_not_yet_payable_reward_is_not_in_the_payroll_export(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    hired(refbot, slack)

    refbot.command(RECRUITER, "/refbot", "rewards export")

    assert slack.wait_for(lambda: len(slack.uploads()) == 1)
    assert list(csv.DictReader(io.StringIO(slack.uploads()[0].content.decode()))) == []


def test_a_non_admin_cannot_list_rewards_or_mark_one_paid_with_a_forged_payload(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    hired(refbot, slack)
    clock.travel(days=92)
    refbot.sweep()
    refbot.command(RECRUITER, "/refbot", "rewards")
    assert slack.wait_for(
        lambda: any(m.has_button("reward_mark_paid") for m in slack.ephemerals(RECRUITER))
    )
    forged = refbot.click_payload(RECRUITER, "reward_mark_paid")
    # Alice replays the admin's button as her own click (her user, her response_url).
    forged["user"] = {"id": EMPLOYEE, "team_id": TEAM}
    forged["response_url"] = slack.response_url(EMPLOYEE, forged["channel"]["id"])

    refbot.command(EMPLOYEE, "/refbot", "rewards")
    refbot.command(EMPLOYEE, "/refbot", "rewards export")
    refbot.post_payload(forged)

    assert slack.wait_for(
        lambda: (
            sum("not allowed" in m.plain_text().lower() for m in slack.ephemerals(EMPLOYEE)) == 3
        )
    )
    assert [r.status.value for r in rewards(refbot)] == ["pending"]
    assert slack.uploads() == []
    assert all("Mark paid" not in str(m.blocks) for m in slack.ephemerals(EMPLOYEE))


def test_the_referrer_sees_their_reward_on_home_and_nobody_else_does(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    hired(refbot, slack)

    refbot.open_home(EMPLOYEE)
    refbot.open_home(FRENCH_EMPLOYEE)

    assert slack.wait_for(lambda: "€1,000" in str(slack.home(EMPLOYEE)))
    assert "Your referral rewards" in str(slack.home(EMPLOYEE))
    assert slack.wait_for(lambda: slack.home(FRENCH_EMPLOYEE) is not None)
    assert "€" not in str(slack.home(FRENCH_EMPLOYEE))


# -- from the ATS -----------------------------------------------------------------------------

atsbot, gh, lever, rita = connecting.atsbot, connecting.gh, connecting.lever, pulling.rita


def default_reward(refbot: Refbot) -> None:
    """The admin sets the workspace's default reward: €1,000, 90 days after the start."""
    open_admin(refbot)
    answer = refbot.submit(
        RECRUITER,
        "admin_submit",
        **VALID,
        reward_amount="1,000",
        reward_currency="EUR",
        reward_days="90",
    )
    assert answer.json()["response_action"] == "update", answer.json()


def test_the_same_hire_from_slack_and_from_the_ats_creates_one_reward(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = pulling.ada_in_greenhouse(atsbot, gh, slack, "both")
    default_reward(atsbot)

    move(atsbot, "hired")
    pulling.in_ats(atsbot, clock, "both", lambda: gh.hire(application))

    assert slack.wait_for(lambda: len(told(slack, EMPLOYEE, "€1,000")) == 1)
    assert len(rewards(atsbot)) == 1
    pulling.poll(atsbot)
    assert len(told(slack, EMPLOYEE, "€1,000")) == 1


def test_a_hire_undone_in_the_ats_before_the_date_cancels_the_reward_and_nothing_is_due(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = pulling.ada_in_greenhouse(atsbot, gh, slack, "webhooks")
    default_reward(atsbot)
    pulling.in_ats(atsbot, clock, "webhooks", lambda: gh.move_stage(application, "Onsite"))
    pulling.in_ats(atsbot, clock, "webhooks", lambda: gh.hire(application))
    assert slack.wait_for(lambda: len(told(slack, EMPLOYEE, "€1,000")) == 1)

    pulling.in_ats(atsbot, clock, "webhooks", lambda: gh.unhire(application))
    clock.travel(days=100)
    atsbot.sweep()

    assert slack.wait_for(lambda: status(atsbot) == "interviewing")
    assert [r.status.value for r in rewards(atsbot)] == ["cancelled"]
    assert slack.wait_for(lambda: len(told(slack, EMPLOYEE, "won't be paid")) == 1)
    assert told(slack, EMPLOYEE, "now due") == []


def test_a_greenhouse_hire_with_an_offer_counts_the_reward_from_the_start_date(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = pulling.ada_in_greenhouse(atsbot, gh, slack, "webhooks")
    default_reward(atsbot)
    starts = datetime.now(UTC).date() + timedelta(weeks=3)
    gh.add_offer(application, starts - timedelta(days=7), status="Deprecated")
    gh.add_offer(application, starts)  # the accepted offer, a later version

    pulling.in_ats(atsbot, clock, "webhooks", lambda: gh.hire(application))

    assert slack.wait_for(lambda: len(told(slack, EMPLOYEE, "€1,000")) == 1)
    (reward,) = rewards(atsbot)
    assert reward.started_on == starts
    assert reward.payable_on == starts + timedelta(days=90)
    promise = told(slack, EMPLOYEE, "€1,000")[0].plain_text()
    assert f"{reward.payable_on:%B} {reward.payable_on.day}, {reward.payable_on.year}" in promise
    assert gh.calls_to("GET /v3/offers")


def test_a_greenhouse_hire_without_an_offer_counts_the_reward_from_the_hire(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator, clock: Clock, rita: str
) -> None:
    application = pulling.ada_in_greenhouse(atsbot, gh, slack, "polling")
    default_reward(atsbot)

    pulling.in_ats(atsbot, clock, "polling", lambda: gh.hire(application))

    assert slack.wait_for(lambda: len(told(slack, EMPLOYEE, "€1,000")) == 1)
    (reward,) = rewards(atsbot)
    hired_on = datetime.now(ZoneInfo("America/New_York")).date()  # Alice's day
    assert reward.started_on == hired_on
    assert reward.payable_on == hired_on + timedelta(days=90)


def test_a_lever_hire_counts_the_reward_from_the_offer_s_start_date(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator, clock: Clock, rita: str
) -> None:
    opportunity = pulling.ada_in_lever(atsbot, lever, slack, "webhooks")
    default_reward(atsbot)
    starts = datetime.now(UTC).date() + timedelta(weeks=3)
    lever.add_offer(opportunity, starts)

    pulling.in_ats(atsbot, clock, "webhooks", lambda: lever.hire(opportunity))

    assert slack.wait_for(lambda: len(told(slack, EMPLOYEE, "€1,000")) == 1)
    (reward,) = rewards(atsbot)
    assert (reward.started_on, reward.payable_on) == (starts, starts + timedelta(days=90))


# -- who sets and sees rewards ----------------------------------------------------------------


def people(refbot: Refbot, *, recruiters: list[str], admins: list[str]) -> None:
    open_admin(refbot)
    answer = refbot.submit(RECRUITER, "admin_submit", **VALID, recruiters=recruiters, admins=admins)
    assert answer.json()["response_action"] == "update", answer.json()
    refbot.slack.close_views(RECRUITER)


def test_an_admin_who_is_not_a_recruiter_gets_the_payable_rewards_in_a_french_digest(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    people(refbot, recruiters=[RECRUITER], admins=[RECRUITER, FRENCH_EMPLOYEE])
    refbot.open_home(FRENCH_EMPLOYEE)  # refbot learns her language and time zone
    assert slack.wait_for(lambda: slack.home(FRENCH_EMPLOYEE) is not None)
    hired(refbot, slack)
    clock.travel(days=91)
    refbot.sweep()

    clock.travel(hours=18)  # Tuesday 09:00 in Camille's Paris (08:00 in Rita's London)
    refbot.runtime.services.digests.queue_due()
    refbot.sweep()

    assert slack.wait_for(lambda: len(told(slack, FRENCH_EMPLOYEE, "à verser")) == 1)
    digest = told(slack, FRENCH_EMPLOYEE, "à verser")[0].plain_text()
    assert (
        "1 prime de cooptation à verser" in digest
        and "Ada Lovelace" in digest
        and "1\u202f000" in digest
    )
    assert told(slack, RECRUITER, "to pay for referrals") == []  # not her 09:00 yet


def test_a_recruiter_who_is_not_an_admin_sees_no_reward_inputs_and_cannot_forge_one(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    people(refbot, recruiters=[RECRUITER, FRENCH_EMPLOYEE], admins=[RECRUITER])

    modal = role_modal(refbot, FRENCH_EMPLOYEE)
    forged = refbot.submission_payload(
        FRENCH_EMPLOYEE, "role_submit", title="Data Analyst", status="open"
    )
    forged["view"]["state"]["values"]["reward_amount"] = {
        "reward_amount": {"type": "plain_text_input", "value": "99999"}
    }
    forged["view"]["state"]["values"]["reward_currency"] = {
        "reward_currency": {"type": "plain_text_input", "value": "EUR"}
    }
    refbot.post_payload(forged)

    with refbot.runtime.dispatcher.sessions() as s:
        refused = s.scalars(select(Role)).all()
    refbot.submit(FRENCH_EMPLOYEE, "role_submit", title="Data Analyst", status="open")

    assert not any(b.get("block_id", "").startswith("reward_") for b in modal["blocks"])
    assert refused == []
    with refbot.runtime.dispatcher.sessions() as s:  # the same form, unforged, is saved
        saved = s.scalars(select(Role)).one()
        assert (saved.title, saved.reward_amount) == ("Data Analyst", None)


def test_a_long_list_of_rewards_to_pay_stays_within_block_kit_limits() -> None:
    line = RewardLine(
        public_id="r1",
        referrer_id=EMPLOYEE,
        candidate_name="Ada <Lovelace> & co",
        role_title=None,
        amount=100000,
        currency="EUR",
        days=90,
        started_on=date(2026, 11, 2),
        payable_on=date(2027, 1, 31),
        state="payable",
    )
    board = RewardBoard(locale="en", payable=(line,) * 20, upcoming=(line,) * 20, payable_more=480)

    shown = rendering.rewards_list(board)

    assert len(shown["blocks"]) <= 50
    assert "480 more" in str(shown["blocks"]) and "Ada &lt;Lovelace&gt; &amp; co" in str(shown)
    assert any(b["type"] == "actions" for b in shown["blocks"])  # the export survived
