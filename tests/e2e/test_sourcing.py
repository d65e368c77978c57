"""Team sourcing sessions in a channel: live dedupe, a coalesced card, private summaries."""

import json

from sqlalchemy import select

from bot.slack_emulator import Message, SlackEmulator
from storage.models import AuditLog, SourcingSession
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, Clock, Refbot
from tests.e2e.test_decisions import role
from tests.e2e.test_referral import refer

CHANNEL = "C0SOURCE"
MANAGER = "U0MANAGER"
THIRD = "U0THIRD"


def start(refbot: Refbot, slack: SlackEmulator, *, duration: str = "1h") -> Message:
    role_id = role(refbot, "Platform Engineer")
    refbot.command(RECRUITER, "/sourcing", "start", channel_id=CHANNEL)
    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])
    answer = refbot.submit(
        RECRUITER,
        "sourcing_start_submit",
        role=role_id,
        duration=duration,
        goal="10",
        prompt="people from your last job",
    )
    assert answer.json() == {"response_action": "clear"}
    assert slack.wait_for(lambda: card(slack) is not None)
    found = card(slack)
    assert found is not None
    return found


def card(slack: SlackEmulator) -> Message | None:
    cards = [m for m in slack.messages(CHANNEL) if "Sourcing session" in m.text]
    return cards[0] if cards else None


def add(refbot: Refbot, user: str, on: Message, **fields: str) -> str:
    refbot.slack.close_views(user)
    refbot.click(user, "sourcing_add_contact", on=on)
    assert refbot.slack.wait_for(lambda: refbot.slack.open_views(user) != [])
    answer = refbot.submit(user, "referral_submit", **fields).json()
    shown = answer if answer.get("response_action") == "errors" else refbot.modal(user)
    refbot.slack.close_views(user)  # they click Done on the confirmation
    return json.dumps(shown, ensure_ascii=False)


def test_session_dedupes_live_keeps_the_channel_private_and_summarises_for_the_team(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    refer(refbot, EMPLOYEE, name="Known Person", email="known@example.com")
    session_card = start(refbot, slack)
    people = {
        EMPLOYEE: [
            ("Xena One", "x1@example.com"),
            ("Yves Two", "x2@example.com"),
            ("Yves Two", "x2@example.com"),
        ],
        FRENCH_EMPLOYEE: [("Zoe Three", "x3@example.com"), ("Known P.", "KNOWN@example.com")],
        THIRD: [("Uma Four", "x4@example.com"), ("Vic Five", "x5@example.com")],
    }

    said = {
        (user, name): add(refbot, user, session_card, name=name, email=email)
        for user, contacts in people.items()
        for name, email in contacts
    }
    clock.travel(seconds=6)
    refbot.sweep()

    assert "Added" in said[(EMPLOYEE, "Xena One")]
    assert "You already added" in said[(EMPLOYEE, "Yves Two")]
    assert "déjà connu" in said[(FRENCH_EMPLOYEE, "Known P.")]
    final = card(slack)
    assert final is not None and "*5* / 10 new contacts" in final.plain_text()
    board = final.plain_text()
    assert all(f"<@{u}> 2" in board for u in people)
    refbot.click(RECRUITER, "sourcing_end", on=final)
    assert slack.wait_for(lambda: any("Thank you all" in m.text for m in slack.messages(CHANNEL)))
    for message in slack.messages(CHANNEL):
        shown = json.dumps(message.blocks) + message.text
        for name, email in [c for contacts in people.values() for c in contacts]:
            assert name.split()[0] not in shown and email.split("@")[0] not in shown.lower()
    assert slack.wait_for(
        lambda: all(
            len([m for m in slack.dms(u) if "summary" in m.text]) == 1 for u in (RECRUITER, MANAGER)
        )
    )
    summaries = {
        u: next(m for m in slack.dms(u) if "summary" in m.text) for u in (RECRUITER, MANAGER)
    }
    assert "Xena One" in summaries[RECRUITER].plain_text()
    assert "already known to the team" in summaries[RECRUITER].plain_text()
    refbot.click(MANAGER, "hm_interested", value=None)
    assert slack.wait_for(lambda: any("interested" in m.plain_text() for m in slack.dms(RECRUITER)))


def test_a_burst_of_thirty_updates_the_card_far_fewer_times(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    session_card = start(refbot, slack)

    for i in range(30):
        add(refbot, EMPLOYEE, session_card, name=f"Person {i}", email=f"p{i}@example.com")
        refbot.sweep()
    clock.travel(seconds=6)
    refbot.sweep()

    updates = [c for c in slack.calls_to("chat.update") if c.args["channel"] == CHANNEL]
    assert 1 <= len(updates) < 10
    final = card(slack)
    assert final is not None and "*30* / 10 new contacts" in final.plain_text()


def test_session_ending_by_time_across_a_restart_sends_each_summary_once(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    session_card = start(refbot, slack, duration="30m")
    add(refbot, EMPLOYEE, session_card, name="Ada Lovelace", email="ada@example.com")

    refbot.runtime.close()
    clock.travel(minutes=45)
    refbot.restart()
    refbot.restart()

    for person in (RECRUITER, MANAGER):
        summaries = [m for m in slack.dms(person) if "summary" in m.text]
        assert len(summaries) == 1 and "Ada Lovelace" in summaries[0].plain_text()
    assert len([m for m in slack.messages(CHANNEL) if "Thank you all" in m.text]) == 1
    final = card(slack)
    assert final is not None and not final.has_button("sourcing_add_contact")


def test_a_channel_without_refbot_gets_guidance_not_an_error(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    slack.channel_without_bot("C0ELSEWHERE")

    refbot.command(RECRUITER, "/sourcing", "start", channel_id="C0ELSEWHERE")

    assert slack.wait_for(lambda: slack.ephemerals(RECRUITER) != [])
    assert "/invite @refbot" in slack.ephemerals(RECRUITER)[-1].plain_text()
    assert slack.open_views(RECRUITER) == []


def test_refer_in_a_channel_running_a_session_offers_to_count_it(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    start(refbot, slack)

    refbot.command(EMPLOYEE, "/refer", "", channel_id=CHANNEL)
    assert slack.wait_for(lambda: slack.open_views(EMPLOYEE) != [])
    answer = refbot.submit(
        EMPLOYEE, "referral_submit", in_session="yes", name="Ada Lovelace", email="ada@example.com"
    )
    clock.travel(seconds=6)
    refbot.sweep()

    assert "Saving" in json.dumps(answer.json()["view"])
    assert "Added" in json.dumps(refbot.modal(EMPLOYEE))
    final = card(slack)
    assert final is not None and "*1* / 10" in final.plain_text()


def said_to(refbot: Refbot, user: str, words: str, *, channel: str = "C0ELSEWHERE") -> str:
    """What `words` (after /sourcing) answer `user` in `channel`."""
    shown = len(refbot.slack.ephemerals(user))
    refbot.command(user, "/sourcing", words, channel_id=channel)
    assert refbot.slack.wait_for(lambda: len(refbot.slack.ephemerals(user)) > shown)
    return refbot.slack.ephemerals(user)[-1].plain_text()


def test_sourcing_lists_running_sessions_by_role_and_offers_start_to_who_may(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    start(refbot, slack)  # Platform Engineer, whose hiring manager is MANAGER

    to_manager = said_to(refbot, MANAGER, "")
    to_employee = said_to(refbot, EMPLOYEE, "")

    for said in (to_manager, to_employee):
        assert f"Running now: *Platform Engineer* in <#{CHANNEL}>" in said
    assert "/sourcing start" in to_manager  # a hiring manager may start one
    assert "/sourcing start" not in to_employee


def test_ending_where_nothing_runs_says_how_to_start_only_to_who_may(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    role(refbot, "Platform Engineer")  # MANAGER hires for it

    to_manager = said_to(refbot, MANAGER, "end")
    to_employee = said_to(refbot, EMPLOYEE, "end")

    for said in (to_manager, to_employee):
        assert "nothing to end" in said
    assert "`/sourcing start` starts one here" in to_manager
    assert "/sourcing start" not in to_employee


def test_the_audit_trail_says_who_ended_a_session_early_and_when(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    start(refbot, slack, duration="1h")
    clock.travel(minutes=20)

    assert "Session ended" in said_to(refbot, RECRUITER, "end", channel=CHANNEL)

    with refbot.runtime.dispatcher.sessions() as s:
        session = s.scalars(select(SourcingSession)).one()
        trail = [
            (a.action, a.actor_id, a.created_at)
            for a in s.scalars(select(AuditLog).order_by(AuditLog.id))
            if a.subject == f"session:{session.public_id}"
        ]
    assert trail == [
        ("session.start", RECRUITER, session.starts_at),
        ("session.end", RECRUITER, session.ended_at),
    ]
