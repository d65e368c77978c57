"""A decision made in a modal opened from a list (the morning digest, a session summary, a role
pool, `/refbot find`): once submitted, the item's buttons give way to what was done, by whom
and when, as after a click. The modal's metadata is the person's to forge: a list that is not
theirs, or a URL that is not Slack's, changes nothing. Reach out from App Home refreshes Home."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.rendering.decisions import ListItem, opened_from
from bot.services.referrals import ReferralForm
from bot.slack_emulator import Message, SlackEmulator
from storage.models import Candidate
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Clock, Refbot, settings_for
from tests.e2e.test_decisions import referred
from tests.e2e.test_digest_items import RAJ, digest_of, morning
from tests.e2e.test_referral import cards
from tests.e2e.test_sourcing import MANAGER, add, card, start


def public_id(refbot: Refbot, name: str) -> str:
    with refbot.runtime.dispatcher.sessions() as s:
        return s.scalars(select(Candidate.public_id).where(Candidate.name == name)).one()


def now(slack: SlackEmulator, message: Message) -> Message:
    """The message as Slack holds it now (ephemeral ones included)."""
    return next(m for m in slack.messages(message.channel) if m.ts == message.ts)


def values(message: Message, action_id: str) -> list[str]:
    """The candidates whose `action_id` button the message still shows."""
    found: list[str] = []
    for block in message.blocks:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                found.append(str(element.get("value")))
    return found


def decide(
    refbot: Refbot,
    user: str,
    action_id: str,
    callback_id: str,
    *,
    on: Message,
    value: str,
    **fields: str,
) -> None:
    """`user` clicks `action_id` for the candidate `value` in the list `on`, then submits the
    modal it opens."""
    refbot.slack.close_views(user)
    refbot.click(user, action_id, value=value, on=on)
    assert refbot.slack.wait_for(
        lambda: any(v["callback_id"] == callback_id for v in refbot.slack.open_views(user))
    )
    answer = refbot.submit(user, callback_id, **fields)
    assert answer.status == 200 and answer.json().get("response_action") != "errors"


def says_who_and_when(text: str, what: str, who: str) -> bool:
    return what in text and f"<@{who}>" in text and "<!date^" in text


def test_reach_out_from_the_digest_says_who_and_when_in_the_items_place(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)  # Ada
    refbot.runtime.services.referrals.refer(
        team_id=TEAM,
        referrer_id=EMPLOYEE,
        form=ReferralForm(name="Grace Hopper", email="grace@example.com"),
    )
    morning(refbot, clock)
    digest = digest_of(slack, RECRUITER)
    ada, grace = public_id(refbot, "Ada Lovelace"), public_id(refbot, "Grace Hopper")
    assert {ada, grace} <= set(values(digest, "candidate_reach_out"))

    decide(
        refbot,
        RECRUITER,
        "candidate_reach_out",
        "reach_out_submit",
        on=digest,
        value=ada,
        template="referred_A",
        channel="email",
    )

    assert slack.wait_for(lambda: ada not in values(now(slack, digest), "candidate_reach_out"))
    after = now(slack, digest)
    assert says_who_and_when(after.plain_text(), "Contacted", RECRUITER)
    assert values(after, "candidate_reach_out") == [grace], "Grace's item keeps its button"
    assert "Good morning" in after.plain_text(), "the rest of the digest is untouched"


def summaries(slack: SlackEmulator, user: str) -> list[Message]:
    return [m for m in slack.dms(user) if "summary" in m.text]


def test_not_a_fit_and_pass_from_session_summaries_say_who_and_when_in_the_items_place(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    session_card = start(refbot, slack)
    add(refbot, EMPLOYEE, session_card, name="Xena One", email="x1@example.com")
    add(refbot, EMPLOYEE, session_card, name="Yves Two", email="x2@example.com")
    clock.travel(seconds=6)
    refbot.sweep()
    final = card(slack)
    assert final is not None
    refbot.click(RECRUITER, "sourcing_end", on=final)
    assert slack.wait_for(lambda: all(summaries(slack, u) for u in (RECRUITER, MANAGER)))
    (recruiters,), (managers,) = summaries(slack, RECRUITER), summaries(slack, MANAGER)
    xena, yves = public_id(refbot, "Xena One"), public_id(refbot, "Yves Two")

    decide(
        refbot,
        RECRUITER,
        "candidate_not_a_fit",
        "not_a_fit_submit",
        on=recruiters,
        value=xena,
        reason="wants a Rust-only team",
    )
    decide(
        refbot,
        MANAGER,
        "hm_pass",
        "hm_pass_submit",
        on=managers,
        value=yves,
        reason="needs more distributed systems",
    )

    assert slack.wait_for(lambda: xena not in values(now(slack, recruiters), "candidate_not_a_fit"))
    assert slack.wait_for(lambda: yves not in values(now(slack, managers), "hm_pass"))
    recruiter_sees, manager_sees = now(slack, recruiters), now(slack, managers)
    assert says_who_and_when(recruiter_sees.plain_text(), "Marked not a fit", RECRUITER)
    assert says_who_and_when(manager_sees.plain_text(), "Passed", MANAGER)
    assert values(recruiter_sees, "candidate_not_a_fit") == [yves]
    assert values(manager_sees, "hm_pass") == [xena]
    for message in (recruiter_sees, manager_sees):  # the reasons stay private
        assert "Rust" not in message.plain_text() and "distributed" not in message.plain_text()


def test_reach_out_from_a_role_pool_says_who_and_when_in_the_items_place(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    services = refbot.runtime.services
    role = services.roles.create(
        team_id=TEAM,
        actor_id=RECRUITER,
        title="Senior Data Engineer",
        team_name=None,
        hiring_manager_id=None,
        recruiter_id=RECRUITER,
        status="upcoming",
        ideal_profile=None,
    ).role
    assert role is not None
    for name in ("Pool One", "Pool Two"):
        services.referrals.refer(
            team_id=TEAM,
            referrer_id=EMPLOYEE,
            form=ReferralForm(
                name=name, email=f"{name.replace(' ', '.')}@example.com", role=role.public_id
            ),
        )
    refbot.command(RECRUITER, "/refbot", "roles")
    assert slack.wait_for(
        lambda: any(m.has_button("role_open") for m in slack.ephemerals(RECRUITER))
    )
    refbot.click(RECRUITER, "role_open")
    assert slack.wait_for(lambda: any("is open" in m.plain_text() for m in slack.dms(RECRUITER)))
    (pool,) = [m for m in slack.dms(RECRUITER) if "is open" in m.plain_text()]
    one, two = public_id(refbot, "Pool One"), public_id(refbot, "Pool Two")

    decide(
        refbot,
        RECRUITER,
        "candidate_reach_out",
        "reach_out_submit",
        on=pool,
        value=one,
        template="referred_A",
        channel="linkedin",
    )

    assert slack.wait_for(lambda: one not in values(now(slack, pool), "candidate_reach_out"))
    after = now(slack, pool)
    assert says_who_and_when(after.plain_text(), "Contacted", RECRUITER)
    assert values(after, "candidate_reach_out") == [two]


def test_snooze_from_find_results_says_who_and_when_in_the_items_place(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    services = refbot.runtime.services
    referred(refbot, slack)  # Ada, contacted, and she answered: "not now" is what is left
    ada = public_id(refbot, "Ada Lovelace")
    services.outreach.reach_out(
        team_id=TEAM, actor_id=RECRUITER, candidate=ada, template="referred_A", channel="email"
    )
    services.outreach.replied(team_id=TEAM, actor_id=RECRUITER, candidate=ada)
    refbot.command(RECRUITER, "/refbot", "find ada")
    assert slack.wait_for(
        lambda: any(m.has_button("candidate_snooze") for m in slack.ephemerals(RECRUITER))
    )
    (results,) = [m for m in slack.ephemerals(RECRUITER) if m.has_button("candidate_snooze")]

    decide(
        refbot,
        RECRUITER,
        "candidate_snooze",
        "snooze_submit",
        on=results,
        value=ada,
        until="6m",
        note="after her exams",
    )

    assert slack.wait_for(lambda: not now(slack, results).has_button("candidate_snooze"))
    after = now(slack, results)
    assert after.ephemeral and says_who_and_when(after.plain_text(), "Snoozed", RECRUITER)
    assert "after her exams" not in after.plain_text()


@pytest.fixture
def team(slack: SlackEmulator, migrated_url: str, clock: Clock) -> Iterator[Refbot]:
    """refbot with two recruiters, Rita and Raj, both in London."""
    slack.add_user(RAJ, name="raj", real_name="Raj Patel", tz="Europe/London")
    settings = settings_for(slack, migrated_url).model_copy(
        update={"refbot_recruiters": (RECRUITER, RAJ)}
    )
    running = Refbot(settings, slack)
    yield running
    running.close()


@pytest.fixture
def elsewhere() -> Iterator[SlackEmulator]:
    """A server that is not Slack: a forged response_url points there."""
    with SlackEmulator(team_id="T0OTHER") as other:
        yield other


def forged_snoozes(refbot: Refbot, slack: SlackEmulator, items: list[ListItem]) -> list[dict]:
    """Rita's own snooze modal (from her card), submitted once per item with metadata she
    rewrote to point at it (someone else's list, a URL that is not Slack's); it also asks for
    App Home, published once the item is dealt with."""
    ada = public_id(refbot, "Ada Lovelace")
    refbot.click(RECRUITER, "candidate_snooze", on=cards(slack)[0])
    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])
    payloads = []
    for item in items:
        payload = refbot.submission_payload(RECRUITER, "snooze_submit", until="6m")
        payload["trigger_id"] = slack.trigger_id(RECRUITER)  # a submission of its own
        payload["view"]["private_metadata"] = opened_from(ada, home=True, item=item)
        payloads.append(payload)
    return payloads


def test_a_forged_list_in_the_metadata_changes_nothing(
    team: Refbot, slack: SlackEmulator, clock: Clock, elsewhere: SlackEmulator
) -> None:
    referred(team, slack)  # a general referral: Rita and Raj both have Ada in their digest
    morning(team, clock)
    rajs = digest_of(slack, RAJ)
    before = (rajs.text, json.dumps(rajs.blocks))
    ada = public_id(team, "Ada Lovelace")
    button = {"type": "button", "action_id": "candidate_reach_out", "value": ada}
    original = {"text": "x", "blocks": [{"type": "section", "text": {}, "accessory": button}]}
    forged = [
        ListItem(action_id="candidate_reach_out", block_id="", channel=rajs.channel, ts=rajs.ts),
        ListItem(
            action_id="candidate_reach_out",
            block_id="",
            response_url=elsewhere.response_url(RECRUITER, message_ts="1.0"),
            original=original,
        ),
    ]

    for payload in forged_snoozes(team, slack, forged):
        published = len(slack.calls_to("views.publish"))
        team.post_payload(payload)
        assert slack.wait_for(lambda n=published: len(slack.calls_to("views.publish")) > n)

    assert (now(slack, rajs).text, json.dumps(now(slack, rajs).blocks)) == before
    assert [c for c in slack.calls_to("chat.update") if c.args.get("ts") == rajs.ts] == []
    assert elsewhere.calls == [], "nothing was sent to a URL that is not Slack's"


def home_reach_out(slack: SlackEmulator) -> dict[str, Any] | None:
    home = slack.home(RECRUITER) or {"blocks": []}
    return next(
        (
            element
            for block in home["blocks"]
            for element in [*block.get("elements", []), block.get("accessory") or {}]
            if isinstance(element, dict) and element.get("action_id") == "candidate_reach_out"
        ),
        None,
    )


def click_on_home(refbot: Refbot, user: str, action_id: str) -> None:
    """The user clicks the first `action_id` button of their App Home."""
    home = refbot.slack.home(user)
    assert home is not None
    block = next(
        b for b in home["blocks"] if (b.get("accessory") or {}).get("action_id") == action_id
    )
    refbot.post_payload(
        {
            "type": "block_actions",
            "team": {"id": refbot.team_id},
            "user": {"id": user, "team_id": refbot.team_id},
            "api_app_id": "AREFBOT",
            "trigger_id": refbot.slack.trigger_id(user),
            "container": {"type": "view", "view_id": home["id"]},
            "view": home,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block.get("block_id", ""),
                    "value": block["accessory"]["value"],
                    "action_ts": "1.0",
                }
            ],
        }
    )


def test_reach_out_from_home_refreshes_home(refbot: Refbot, slack: SlackEmulator) -> None:
    referred(refbot, slack)
    refbot.open_home(RECRUITER)
    assert slack.wait_for(lambda: home_reach_out(slack) is not None)

    click_on_home(refbot, RECRUITER, "candidate_reach_out")
    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])
    refbot.submit(RECRUITER, "reach_out_submit", template="referred_A", channel="email")

    assert slack.wait_for(lambda: home_reach_out(slack) is None)
