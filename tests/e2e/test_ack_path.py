"""Nothing in an ack waits on Slack, and no use case opens a second write transaction."""

from sqlalchemy import func, select

from bot.slack_emulator import SlackEmulator
from storage.models import Member, Referral
from tests.conftest import EMPLOYEE, RECRUITER, Clock, Refbot
from tests.e2e.test_intros import asks, lead
from tests.e2e.test_referral import cards, open_referral


def profiles_asked(slack: SlackEmulator, user: str) -> int:
    """users.info calls for `user` that Slack has answered (a hanging one is not yet logged)."""
    return sum(1 for c in slack.calls_to("users.info") if c.args.get("user") == user)


def test_referral_by_a_stale_profile_is_acked_while_users_info_hangs(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    open_referral(refbot, EMPLOYEE)
    clock.travel(days=2)  # the stored profile is a day too old: refbot wants users.info again
    refbot.restart()  # ...and this process never learnt it (its memory of languages is empty)
    before = profiles_asked(slack, EMPLOYEE)
    slack.hang("users.info", 5, times=10)

    answer = refbot.submit(
        EMPLOYEE, "referral_submit", name="Ada Lovelace", email="ada@example.com"
    )
    answered_while_hanging = profiles_asked(slack, EMPLOYEE) == before

    assert answer.json()["response_action"] == "update"
    assert answered_while_hanging, "the ack waited for users.info"
    with refbot.runtime.dispatcher.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Referral)) == 1
    # ...and the profile is refreshed once Slack answers, after the ack.
    assert slack.wait_for(lambda: profiles_asked(slack, EMPLOYEE) == before + 1, timeout=8)
    assert slack.wait_for(lambda: len(cards(slack)) == 1, timeout=8)


def test_ask_for_intro_after_the_referrers_profile_went_stale_reaches_the_referrer(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    lead(refbot, slack)
    clock.travel(days=2)  # both profiles are stale: each wants users.info and a write

    refbot.click(RECRUITER, "candidate_request_intro")

    assert slack.wait_for(lambda: len(asks(slack)) == 1)
    assert slack.wait_for(
        lambda: any("Asked" in m.plain_text() for m in slack.ephemerals(RECRUITER))
    )
    with refbot.runtime.dispatcher.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Member)) >= 2


def test_a_card_gives_way_to_the_requests_of_a_burst_and_follows_it(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    open_referral(refbot, EMPLOYEE)
    # A request of the burst still in flight (its answer not yet written), as gunicorn holds it.
    held = refbot.runtime.foreground.answering(lambda: [b"{}"])

    answer = refbot.submit(
        EMPLOYEE, "referral_submit", name="Ada Lovelace", email="ada@example.com"
    )

    assert answer.json()["response_action"] == "update"  # saved, and told so at once...
    assert not slack.wait_for(lambda: len(cards(slack)) > 0, timeout=1.0)  # ...the card waits
    held.close()
    assert slack.wait_for(lambda: len(cards(slack)) == 1, timeout=8)  # ...then comes, once
