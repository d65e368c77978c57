"""Buttons never stay live after use: the message says what was done, by whom and when, and a
click on an outdated button says so instead of acting. The card's header follows the status."""

from datetime import UTC, datetime

from sqlalchemy import select

from bot.slack_emulator import Message, SlackEmulator
from storage.models import AuditLog
from tests.conftest import RECRUITER, Clock, Refbot
from tests.e2e.test_decisions import referred, status
from tests.e2e.test_outreach import reach_out
from tests.e2e.test_referral import cards
from tests.e2e.test_snooze import snooze

PROMPT_BUTTONS = ("followup_sent", "followup_replied", "candidate_snooze", "candidate_archive")
SNOOZE_BUTTONS = ("candidate_reactivate", "candidate_snooze", "candidate_archive")


def follow_up_dm(refbot: Refbot, slack: SlackEmulator, clock: Clock) -> Message:
    """Ada is contacted; three business days later her first follow-up DM arrives."""
    referred(refbot, slack)
    reach_out(refbot, template="referred_A", channel="email")
    clock.travel(days=7)
    refbot.sweep()
    dms = [m for m in slack.dms(RECRUITER) if m.has_button("followup_sent")]
    assert len(dms) == 1
    return dms[0]


def snooze_over_dm(refbot: Refbot, slack: SlackEmulator, clock: Clock) -> Message:
    referred(refbot, slack)
    snooze(refbot, until="1m", note="after exams")
    slack.close_views(RECRUITER)  # they close the confirmation
    clock.travel(days=40)
    refbot.sweep()
    dms = [m for m in slack.dms(RECRUITER) if "Snooze over" in m.plain_text()]
    assert len(dms) == 1 and dms[0].has_button("candidate_reactivate")
    return dms[0]


def now(slack: SlackEmulator, message: Message) -> Message:
    """The message as Slack holds it now (the emulator hands out copies)."""
    return next(m for m in slack.messages(message.channel) if m.ts == message.ts)


def live(slack: SlackEmulator, message: Message, buttons: tuple[str, ...]) -> list[str]:
    return [b for b in buttons if now(slack, message).has_button(b)]


def said_to(slack: SlackEmulator, user: str) -> str:
    return "\n".join(m.plain_text() for m in slack.ephemerals(user))


def test_follow_up_marked_sent_says_so_by_whom_and_when_and_keeps_no_buttons(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    dm = follow_up_dm(refbot, slack, clock)

    refbot.click(RECRUITER, "followup_sent", on=dm)

    assert slack.wait_for(lambda: live(slack, dm, PROMPT_BUTTONS) == [])
    text = now(slack, dm).plain_text()
    assert "Follow-up sent" in text and f"<@{RECRUITER}>" in text and "<!date^" in text
    assert "Ada Lovelace" in text


def test_they_replied_settles_the_follow_up_and_a_stale_sent_click_changes_nothing(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    dm = follow_up_dm(refbot, slack, clock)
    replied = refbot.click_payload(RECRUITER, "followup_replied", on=dm)
    stale_sent = refbot.click_payload(RECRUITER, "followup_sent", on=dm)

    refbot.post_payload(replied)
    assert slack.wait_for(lambda: live(slack, dm, PROMPT_BUTTONS) == [])
    refbot.post_payload(stale_sent)

    settled = now(slack, dm).plain_text()
    assert "They replied" in settled and f"<@{RECRUITER}>" in settled
    assert slack.wait_for(lambda: "out of date" in said_to(slack, RECRUITER))
    assert "They replied" in said_to(slack, RECRUITER)
    with refbot.runtime.dispatcher.sessions() as s:
        marked = s.scalars(select(AuditLog).where(AuditLog.action == "candidate.followed_up"))
        assert list(marked) == [], "the outdated click recorded nothing"


def test_snooze_over_dm_after_reactivate_says_who_and_when_and_keeps_no_buttons(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    dm = snooze_over_dm(refbot, slack, clock)

    refbot.click(RECRUITER, "candidate_reactivate", on=dm)

    assert slack.wait_for(lambda: live(slack, dm, SNOOZE_BUTTONS) == [])
    settled = now(slack, dm).plain_text()
    assert "Reactivated" in settled and f"<@{RECRUITER}>" in settled
    assert status(refbot) == "reviewing"


def test_snooze_on_a_stale_snooze_over_dm_says_already_done_and_opens_no_modal(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    dm = snooze_over_dm(refbot, slack, clock)
    stale_snooze = refbot.click_payload(RECRUITER, "candidate_snooze", on=dm)
    stale_archive = refbot.click_payload(RECRUITER, "candidate_archive", on=dm)

    refbot.click(RECRUITER, "candidate_reactivate", on=cards_or_card(slack))
    assert slack.wait_for(lambda: live(slack, dm, SNOOZE_BUTTONS) == [])  # settled from elsewhere
    refbot.post_payload(stale_snooze)
    refbot.post_payload(stale_archive)

    # Both answers go out after their acks, through response_url. Count messages, not words:
    # each says "out of date" twice (fallback text and block), and both may land between looks.
    def answers() -> int:
        return sum("out of date" in m.plain_text() for m in slack.ephemerals(RECRUITER))

    assert slack.wait_for(lambda: answers() >= 2, timeout=30)
    assert answers() == 2, said_to(slack, RECRUITER)
    assert slack.open_views(RECRUITER) == []
    assert status(refbot) == "reviewing", "the stale Archive did nothing"
    assert "Reactivated" in now(slack, dm).plain_text()


def cards_or_card(slack: SlackEmulator) -> Message:
    """Ada's card in the recruiter's DMs (whatever its buttons)."""
    return next(m for m in slack.dms(RECRUITER) if m.blocks and "Ada Lovelace" in m.text)


def test_sla_nudge_after_archive_shows_the_archive_and_offers_no_snooze(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)  # Monday 14:00 London
    clock.traveller.move_to(datetime(2026, 11, 4, 9, 1, tzinfo=UTC))  # Wednesday 09:01
    refbot.sweep()
    nudge = next(m for m in slack.dms(RECRUITER) if "waiting for a first look" in m.plain_text())
    stale_snooze = refbot.click_payload(RECRUITER, "candidate_snooze", on=nudge)

    refbot.click(RECRUITER, "candidate_archive", on=nudge)

    assert slack.wait_for(lambda: not now(slack, nudge).has_button("candidate_snooze"))
    text = now(slack, nudge).plain_text()
    assert "Archived" in text and f"<@{RECRUITER}>" in text and "<!date^" in text
    assert "waiting for a first look" not in text
    assert now(slack, nudge).has_button("candidate_reactivate")
    refbot.post_payload(stale_snooze)
    assert slack.wait_for(lambda: "out of date" in said_to(slack, RECRUITER))
    assert slack.open_views(RECRUITER) == []


def test_archive_twice_from_two_copies_acts_once_and_says_so_the_second_time(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)
    card = cards(slack)[0]
    first, second = (refbot.click_payload(RECRUITER, "candidate_archive", on=card) for _ in "12")

    refbot.post_payload(first)
    assert slack.wait_for(lambda: status(refbot) == "archived")
    refbot.post_payload(second)

    assert slack.wait_for(lambda: "out of date" in said_to(slack, RECRUITER))
    assert "Archived" in said_to(slack, RECRUITER)
    with refbot.runtime.dispatcher.sessions() as s:
        moves = s.scalars(select(AuditLog).where(AuditLog.action == "candidate.status"))
        assert [m.detail["to"] for m in moves] == ["archived"]


def header(slack: SlackEmulator, card: Message) -> str:
    return str(now(slack, card).blocks[0]["text"]["text"])


def test_card_header_follows_the_status(refbot: Refbot, slack: SlackEmulator) -> None:
    referred(refbot, slack)
    card = cards(slack)[0]
    headers = [header(slack, card)]

    for stage in ("interviewing", "hired"):
        refbot.click(RECRUITER, "candidate_stage", choose=stage, on=now(slack, card))
        assert slack.wait_for(lambda s=stage: s in header(slack, card))
        headers.append(header(slack, card))
    card = now(slack, card)

    assert headers[0] == "New referral"
    assert all("New referral" not in h for h in headers[1:])
    assert "hired" in card.text  # the notification text too
    assert "Hired" in card.plain_text() and f"<@{RECRUITER}>" in card.plain_text()
