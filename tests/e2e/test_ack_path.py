"""Nothing in an ack waits on Slack, and no use case opens a second write transaction."""

import json
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot.slack import IdentityUnknown, SingleBotAuthorize, TokenRefused, web_client
from bot.slack_emulator import SlackEmulator
from storage.models import Member, Referral
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Clock, Refbot
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


def identities_asked(slack: SlackEmulator) -> int:
    return len(slack.calls_to("auth.test"))


def test_a_fresh_process_asks_slack_who_it_is_as_it_starts_and_never_in_an_ack(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    before = identities_asked(slack)
    refbot.restart(identified=False)
    # Asked before any request came...
    assert slack.wait_for(lambda: identities_asked(slack) == before + 1)
    slack.hang("auth.test", 5, times=10)  # ...so that Slack slow to say it holds no ack back

    answers = [refbot.command(EMPLOYEE, "/refer") for _ in range(3)]

    assert [a.status for a in answers] == [200, 200, 200]
    assert identities_asked(slack) == before + 1


def test_requests_that_reach_a_fresh_process_together_ask_slack_who_it_is_once(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    before = identities_asked(slack)
    slack.hang("auth.test", 1)  # Slack is slow to answer the start's call: the requests come first
    refbot.restart(identified=False)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: refbot.command(EMPLOYEE, "/refer"), range(8)))

    assert [a.status for a in answers] == [200] * 8
    assert identities_asked(slack) == before + 1


def test_requests_that_come_while_slack_hangs_on_who_the_bot_is_are_told_to_try_again(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    before = identities_asked(slack)
    slack.hang("auth.test", 6)  # the start's call: longer than Slack waits for an ack
    refbot.restart(identified=False)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: refbot.command(EMPLOYEE, "/refer"), range(8)))
    answered_while_hanging = identities_asked(slack) == before  # a hanging call is not logged
    slack.reset_faults()

    # Each was answered before the one call in flight ended, and told what happened.
    assert answered_while_hanging, "an ack waited for auth.test"
    assert [a.status for a in answers] == [200] * 8
    told = [m.plain_text() for m in slack.ephemerals(EMPLOYEE)]
    assert told == 8 * [
        "Slack did not answer just now, so nothing happened. Try again in a moment."
    ]
    assert slack.open_views(EMPLOYEE) == []
    # Once Slack answers that call, the next request is served; no request made a call.
    assert slack.wait_for(lambda: identities_asked(slack) == before + 1, timeout=8)
    assert refbot.command(EMPLOYEE, "/refer").status == 200
    assert slack.wait_for(lambda: bool(slack.open_views(EMPLOYEE)))
    assert identities_asked(slack) == before + 1


def test_a_referral_submitted_while_slack_hangs_on_who_the_bot_is_keeps_its_input(
    refbot: Refbot, slack: SlackEmulator, migrated_url: str
) -> None:
    open_referral(refbot, EMPLOYEE)
    slack.hang("auth.test", 6)
    refbot.restart(identified=False)

    answer = refbot.submit(EMPLOYEE, "referral_submit", name="Ada Lovelace", email="ada@x.org")
    slack.reset_faults()

    # Slack keeps the modal and the input, with the reason beside the first field.
    assert answer.status == 200 and answer.json()["response_action"] == "errors"
    assert "Try again in a moment" in json.dumps(answer.json()["errors"])
    with refbot.runtime.dispatcher.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Referral)) == 0


def test_a_refused_bot_token_is_said_to_whoever_uses_refbot(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    slack.fail("auth.test", error="invalid_auth")
    refbot.restart(identified=False)
    assert slack.wait_for(lambda: not any(c.ok for c in slack.calls_to("auth.test")[-1:]))

    answer = refbot.command(EMPLOYEE, "/refer")

    assert answer.status == 200
    assert "Slack refused its bot token" in slack.ephemerals(EMPLOYEE)[-1].plain_text()


def test_a_request_while_slack_was_down_at_start_has_it_asked_again_at_once(
    slack: SlackEmulator,
) -> None:
    slack.fail("auth.test", status=503)  # down as the process starts; back up just after
    identity = SingleBotAuthorize(
        web_client(slack.token, slack.url, quiet=True), retry_seconds=60, early_try=0.05
    )
    identity.start()
    try:
        assert slack.wait_for(lambda: len(slack.calls_to("auth.test")) == 1)
        authorized = identity(user_id=EMPLOYEE)  # not a minute later: now
    finally:
        identity.stop()

    assert [c.status for c in slack.calls_to("auth.test")] == [503, 200]
    assert (authorized.team_id, authorized.bot_user_id) == (TEAM, slack.bot_user_id)


def test_a_request_while_slack_is_still_down_is_told_to_try_again_without_calling_it(
    slack: SlackEmulator,
) -> None:
    slack.fail("auth.test", status=503, times=10)
    identity = SingleBotAuthorize(
        web_client(slack.token, slack.url, quiet=True), retry_seconds=60, wait_in_ack=0.2
    )
    identity.start()
    try:
        assert slack.wait_for(lambda: len(slack.calls_to("auth.test")) == 1)
        with pytest.raises(IdentityUnknown):
            identity(user_id=EMPLOYEE)
        with pytest.raises(IdentityUnknown):
            identity(user_id=EMPLOYEE)  # a double click: still no call of its own
    finally:
        identity.stop()

    # The requests asked for an early try, at most one a second: none came within their wait.
    assert len(slack.calls_to("auth.test")) == 1


def told(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, str]]:
    return [(r.name, r.levelname, r.getMessage()) for r in caplog.records]


def retried(url: str, reason: str, *waits: float) -> list[tuple[str, str, str]]:
    """The one warning line per failed try to learn the bot's identity."""
    return [
        (
            "refbot.slack",
            "WARNING",
            f"cannot learn the bot's identity from Slack at {url} ({reason}): "
            f"trying again in {wait:g} s",
        )
        for wait in waits
    ]


def test_slack_down_as_a_process_starts_is_asked_again_until_it_says_who_the_bot_is(
    slack: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail("auth.test", status=503, times=2)
    identity = SingleBotAuthorize(
        web_client(slack.token, slack.url, quiet=True), retry_seconds=0.05
    )
    identity.start()
    try:
        assert slack.wait_for(lambda: any(c.ok for c in slack.calls_to("auth.test")))
        authorized = identity(user_id=EMPLOYEE)
    finally:
        identity.stop()

    assert [c.status for c in slack.calls_to("auth.test")] == [503, 503, 200]
    assert (authorized.team_id, authorized.bot_user_id) == (TEAM, slack.bot_user_id)
    assert (authorized.bot_token, authorized.user_id) == (slack.token, EMPLOYEE)
    # One plain line per failed try, and none of slack_sdk's own.
    assert told(caplog) == retried(slack.url, "Slack answered internal_error", 0.05, 0.1)


def test_slack_unreachable_as_a_process_starts_is_said_in_one_line(
    slack: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/api/"
    identity = SingleBotAuthorize(web_client("xoxb-1", url, quiet=True), retry_seconds=60)
    identity.start()
    try:
        said = slack.wait_for(lambda: bool(caplog.records))
    finally:
        identity.stop()

    assert said
    assert told(caplog) == retried(url, "Connection refused", 60)


def test_slack_failing_in_a_way_no_one_foresaw_is_asked_again_all_the_same(
    slack: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    # urllib refuses this URL with http.client.InvalidURL: no OSError, no SlackApiError.
    url = "http://127.0.0.1:notaport/api/"
    identity = SingleBotAuthorize(web_client("xoxb-1", url, quiet=True), retry_seconds=0.01)
    identity.start()
    try:
        asked_again = slack.wait_for(lambda: len(caplog.records) >= 2)
    finally:
        identity.stop()

    assert asked_again
    assert told(caplog)[:2] == retried(url, "nonnumeric port: 'notaport'", 0.01, 0.02)


def test_a_refused_bot_token_is_not_asked_about_again_and_again(
    slack: SlackEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fail("auth.test", error="invalid_auth", times=5)
    identity = SingleBotAuthorize(
        web_client(slack.token, slack.url, quiet=True), retry_seconds=0.01
    )
    identity.start()
    try:
        gave_up = slack.wait_for(
            lambda: not any(t.name == "refbot-identity" for t in threading.enumerate())
        )
    finally:
        identity.stop()

    assert gave_up
    with pytest.raises(TokenRefused):  # at once, and without asking Slack again
        identity(user_id=EMPLOYEE)
    assert [c.ok for c in slack.calls_to("auth.test")] == [False]
    assert not identity.known()
    assert told(caplog) == [
        ("refbot.slack", "ERROR", "SLACK_BOT_TOKEN: Slack refused it (invalid_auth)")
    ]


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
