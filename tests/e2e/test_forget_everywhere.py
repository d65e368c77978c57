"""`/refbot forget` leaves nothing about the person in any message refbot sent: cards, nudges,
follow-ups, snooze ends, intro DMs, receipts, pools, session summaries, grouped reminders,
and a message that was being posted when the forget came."""

import threading

from bot.services.referrals import ReferralForm
from bot.slack_emulator import Message, SlackEmulator
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, TEAM, Clock, Refbot
from tests.e2e.test_decisions import MANAGER, referred, role
from tests.e2e.test_outreach import reach_out
from tests.e2e.test_referral import cards, refer
from tests.e2e.test_snooze import snooze
from tests.e2e.test_sourcing import add, start

SECRETS = ("Lovelace", "ada@example.com", "Ada L")


def naming(slack: SlackEmulator) -> list[str]:
    """The current text of every message that still names Ada (ephemeral ones included)."""
    return [m.plain_text() for m in slack.messages() if any(s in m.plain_text() for s in SECRETS)]


def forget(refbot: Refbot, email: str = "ada@example.com") -> None:
    slack = refbot.slack
    refbot.command(RECRUITER, "/refbot", f"forget {email}")
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "forget_submit" for v in slack.open_views(RECRUITER))
    )
    assert refbot.submit(RECRUITER, "forget_submit").status == 200


def test_forget_edits_every_kind_of_message_that_named_the_person(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    upcoming = role(refbot, "Data Engineer", status="upcoming")
    refer(
        refbot,
        EMPLOYEE,
        name="Ada Lovelace",
        email="ada@example.com",
        role=upcoming,
        candidate_knows="no",
        can_intro="yes",
    )
    assert slack.wait_for(lambda: cards(slack) != [] and slack.dms(MANAGER) != [])
    clock.travel(days=3)  # unreviewed for two business days: the SLA nudge
    refbot.sweep()
    refbot.click(RECRUITER, "candidate_request_intro")
    assert slack.wait_for(lambda: any(m.has_button("intro_accept") for m in slack.dms(EMPLOYEE)))
    refbot.click(EMPLOYEE, "intro_accept")  # the group DM of recruiter and referrer
    refbot.click(MANAGER, "hm_interested")
    refbot.command(RECRUITER, "/refbot", "roles")
    assert slack.wait_for(
        lambda: any(m.has_button("role_open") for m in slack.ephemerals(RECRUITER))
    )
    refbot.click(RECRUITER, "role_open")  # the pool DM
    assert slack.wait_for(lambda: any("is open" in m.plain_text() for m in slack.dms(RECRUITER)))
    reach_out(refbot, template="referred_A", channel="email")  # from the pool DM
    clock.travel(days=7)
    refbot.sweep()  # the follow-ups
    snooze(refbot, until="1m", note="after her thesis")
    clock.travel(days=32)
    refbot.sweep()  # the snooze end
    slack.close_views(RECRUITER)
    session = start(refbot, slack, duration="30m")
    add(refbot, FRENCH_EMPLOYEE, session, name="Ada L.", email="ada@example.com")
    clock.travel(hours=1)
    refbot.sweep()  # the session's summaries
    before = naming(slack)
    kinds = {
        "card": cards(slack),
        "hm card": [m for m in slack.dms(MANAGER) if "Lovelace" in m.plain_text()],
        "referrer": [m for m in slack.dms(EMPLOYEE) if "Lovelace" in m.plain_text()],
        "nudge": [m for m in slack.dms(RECRUITER) if "waiting" in m.plain_text().lower()],
        "pool": [m for m in slack.dms(RECRUITER) if "is open" in m.plain_text()],
        # Settled by the snooze since: its buttons went, the name stayed.
        "follow-up": [m for m in slack.dms(RECRUITER) if "follow" in m.text.lower()],
        "snooze end": [m for m in slack.dms(RECRUITER) if "Snooze over" in m.plain_text()],
        "summary": [
            m
            for m in slack.dms(RECRUITER)
            if "session summary" in m.text and "Lovelace" in m.plain_text()
        ],
    }

    forget(refbot)
    refbot.sweep()

    assert len(before) >= 10, before
    assert all(kinds.values()), {k: len(v) for k, v in kinds.items()}
    assert slack.wait_for(lambda: naming(slack) == []), naming(slack)
    assert any("removed" in m.plain_text() for m in slack.dms(EMPLOYEE))


def test_forget_crossing_a_send_in_flight_still_leaves_no_name(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)
    assert slack.wait_for(lambda: len(naming(slack)) == 2)  # the card and the receipt
    clock.travel(days=3)  # the SLA nudge comes due
    slack.hang("chat.postMessage", 4.0, after=True)  # posted; Slack's answer is slow
    sweeping = threading.Thread(target=refbot.sweep)
    sweeping.start()
    assert slack.wait_for(lambda: len(naming(slack)) == 3)  # the nudge is in Slack

    forget(refbot)
    crossed = sweeping.is_alive()  # the nudge's send had not ended when the forget came
    sweeping.join()
    refbot.sweep()

    assert crossed
    assert slack.wait_for(lambda: naming(slack) == []), naming(slack)
    with refbot.runtime.dispatcher.sessions() as s:
        from storage.models import Delivery

        nudge = s.query(Delivery).filter(Delivery.dedupe_key.like("sla:%")).one()
        assert nudge.status.value == "cancelled", "the send did not bring the row back"


PEOPLE = ["Ada Lovelace", "Ben One", "Cy Two", "Di Three", "Ed Four"]


def late_snooze_ends_in_one_message(refbot: Refbot, slack: SlackEmulator, clock: Clock) -> Message:
    """Five snoozed candidates (Ada first) whose ends came due while refbot was down: one
    grouped DM to the recruiter."""
    svc = refbot.runtime.services
    for name in PEOPLE:
        email = "ada@example.com" if name == "Ada Lovelace" else f"{name.split()[0]}@example.com"
        referral = svc.referrals.refer(
            team_id=TEAM, referrer_id=EMPLOYEE, form=ReferralForm(name=name, email=email)
        )
        assert referral.candidate_public_id is not None
        svc.snoozes.snooze(
            team_id=TEAM,
            actor_id=RECRUITER,
            candidate_id=referral.candidate_public_id,
            until="1m",
            on_day=None,
            note=f"note about {name}",
        )
    refbot.sweep()
    clock.travel(days=45)  # refbot was down: five snooze ends, late, in one message
    refbot.sweep()
    grouped = [m for m in slack.dms(RECRUITER) if all(p in m.plain_text() for p in PEOPLE)]
    assert len(grouped) == 1
    return grouped[0]


def test_forget_keeps_the_other_reminders_of_a_grouped_message(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    grouped = late_snooze_ends_in_one_message(refbot, slack, clock)

    forget(refbot)
    refbot.sweep()

    assert slack.wait_for(lambda: naming(slack) == []), naming(slack)
    (after,) = [m for m in slack.dms(RECRUITER) if m.ts == grouped.ts]
    for name in PEOPLE[1:]:
        assert name in after.plain_text() and after.has_button("candidate_reactivate")
    assert "removed" in after.plain_text()


def test_a_french_recruiters_grouped_message_says_each_removal_in_french(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    slack.add_user(RECRUITER, name="rita", locale="fr-FR", tz="Europe/Paris")
    grouped = late_snooze_ends_in_one_message(refbot, slack, clock)

    forget(refbot)
    refbot.sweep()
    slack.close_views(RECRUITER)
    forget(refbot, "ben@example.com")  # the message is rebuilt again, Ada's removal included
    refbot.sweep()

    def now() -> str:
        return next(m for m in slack.dms(RECRUITER) if m.ts == grouped.ts).plain_text()

    assert slack.wait_for(lambda: "Ben" not in now()), now()
    assert now().count("ont été supprimées") == 2
    assert "removed" not in now()
