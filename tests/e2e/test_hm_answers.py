"""The hiring manager's answers reach the recruiter: every change of mind, each once."""

from bot.slack_emulator import SlackEmulator
from tests.conftest import FRENCH_EMPLOYEE, RECRUITER, Refbot
from tests.e2e.test_decisions import MANAGER, referred, role
from tests.e2e.test_referral import refer

OTHER_MANAGER = "U0OLGA"


def told(slack: SlackEmulator) -> list[str]:
    """What the recruiter heard from hiring managers, oldest first."""
    return [
        m.plain_text()
        for m in slack.dms(RECRUITER)
        if "*interested*" in m.text or "*passed*" in m.text
    ]


def hm_pass(refbot: Refbot, manager: str, reason: str) -> None:
    slack = refbot.slack
    refbot.click(manager, "hm_pass")
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "hm_pass_submit" for v in slack.open_views(manager))
    )
    assert refbot.submit(manager, "hm_pass_submit", reason=reason).status == 200


def test_hiring_manager_who_changes_their_mind_reaches_the_recruiter_each_time(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack, role=role(refbot, "Staff Engineer"))
    assert slack.wait_for(lambda: any(m.has_button("hm_pass") for m in slack.dms(MANAGER)))

    # A double click: two clicks on the card as it was, before it says what was done.
    first, second = (refbot.click_payload(MANAGER, "hm_interested") for _ in range(2))
    refbot.post_payload(first)
    assert slack.wait_for(lambda: len(told(slack)) == 1)
    refbot.post_payload(second)  # nothing new to tell
    assert slack.wait_for(lambda: slack.ephemerals(MANAGER) != [])
    hm_pass(refbot, MANAGER, "needs more distributed systems")
    assert slack.wait_for(lambda: len(told(slack)) == 2)
    assert slack.wait_for(lambda: any(m.has_button("hm_interested") for m in slack.dms(MANAGER)))
    first, second = (refbot.click_payload(MANAGER, "hm_interested") for _ in range(2))
    refbot.post_payload(first)  # and back
    assert slack.wait_for(lambda: len(told(slack)) == 3)
    refbot.post_payload(second)
    refbot.sweep()

    answers = told(slack)
    assert len(answers) == 3
    assert "interested" in answers[0] and "interested" in answers[2]
    assert "passed" in answers[1] and "needs more distributed systems" in answers[1]


def test_manager_of_the_second_role_a_candidate_was_referred_to_may_answer(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack, role=role(refbot, "Backend Engineer"))
    refer(
        refbot,
        FRENCH_EMPLOYEE,
        name="Ada Lovelace",
        email="ada@example.com",
        role=role(refbot, "Platform Engineer", manager=OTHER_MANAGER),
    )
    assert slack.wait_for(lambda: any(m.has_button("hm_interested") for m in slack.dms(MANAGER)))
    card = next(m for m in slack.dms(MANAGER) if m.has_button("hm_interested"))

    # Olga manages the second role Ada was referred to: her answer is about that role.
    refbot.click(OTHER_MANAGER, "hm_interested", on=card)

    assert slack.wait_for(lambda: len(told(slack)) == 1)
    assert "Platform Engineer" in told(slack)[0]
    assert not any("not allowed" in m.plain_text() for m in slack.ephemerals(OTHER_MANAGER))
