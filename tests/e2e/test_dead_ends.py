"""No dead ends: every answer says what to do next, and nobody is offered a button or a modal
that could only answer "not allowed"."""

from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Clock, Refbot
from tests.e2e.test_decisions import MANAGER, referred, role
from tests.e2e.test_referral import cards, refer
from tests.e2e.test_sourcing import CHANNEL, card, start
from tests.e2e.test_words import ephemeral

# -- item 17: empty answers say what to do -------------------------------------------------------


def test_sourcing_end_with_nothing_running_says_what_to_do(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    shown = ephemeral(refbot, RECRUITER, "/sourcing", "end")

    assert "No sourcing session is running in this channel" in shown
    assert "`/sourcing start` starts one here" in shown
    assert "can't find" not in shown


def test_sourcing_end_with_nothing_running_offers_no_start_to_someone_who_cannot(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    shown = ephemeral(refbot, EMPLOYEE, "/sourcing", "end")

    assert "No sourcing session is running in this channel" in shown
    assert "/sourcing start" not in shown and "`/sourcing` shows the sessions" in shown


def test_find_with_nothing_to_look_for_explains_how_to_search(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    shown = ephemeral(refbot, RECRUITER, "/refbot", "find")

    assert "Tell me what to look for" in shown and "`status:snoozed`" in shown
    assert "No match for" not in shown


def test_find_status_snoozed_lists_the_snoozed_people_most_recent_first(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    svc = refbot.runtime.services
    referred(refbot, slack)
    ada = cards(slack)[0].button_value("candidate_snooze")
    slack.close_views(EMPLOYEE)
    refer(refbot, EMPLOYEE, name="Bea Two", email="bea@example.com")
    assert slack.wait_for(lambda: len(cards(slack)) == 2)
    bea = next(c for c in cards(slack) if "Bea Two" in c.text).button_value("candidate_snooze")
    slack.close_views(EMPLOYEE)
    refer(refbot, EMPLOYEE, name="Cy Active", email="cy@example.com")
    for candidate in (ada, bea):
        clock.travel(hours=1)
        svc.snoozes.snooze(
            team_id=TEAM,
            actor_id=RECRUITER,
            candidate_id=candidate,
            until="6m",
            on_day=None,
            note=None,
        )

    shown = ephemeral(refbot, RECRUITER, "/refbot", "find status:snoozed")
    archived = ephemeral(refbot, RECRUITER, "/refbot", "find status:archived")
    unknown = ephemeral(refbot, RECRUITER, "/refbot", "find status:sleeping")

    assert "2 matches" in shown and "most recent first" in shown
    assert shown.index("Bea Two") < shown.index("Ada Lovelace") and "Cy Active" not in shown
    assert "No candidate with the status _archived_" in archived and "`status:" in archived
    assert "`status:sleeping` isn't a status" in unknown and "`status:snoozed` (snoozed)" in unknown


def test_a_session_with_no_additions_ends_kindly_and_its_card_invites_nobody_to_add(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    session = start(refbot, slack)

    refbot.click(RECRUITER, "sourcing_end", on=session)
    refbot.sweep()

    assert slack.wait_for(lambda: any("has ended" in m.text for m in slack.messages(CHANNEL)))
    thanks = next(m for m in slack.messages(CHANNEL) if "has ended" in m.text).plain_text()
    assert "Nobody added a contact this time" in thanks and "nobody this time" not in thanks
    assert "0 new contacts" not in thanks
    ended = card(slack)
    assert ended is not None and slack.wait_for(lambda: "Ended" in card(slack).plain_text())  # type: ignore[union-attr]
    final = card(slack)
    assert final is not None
    assert not final.has_button("sourcing_add_contact")
    assert "Be the first to add" not in final.plain_text()
    assert "Nobody added a contact this time" in final.plain_text()


# -- item 16: no button that can only say "not allowed"; "not allowed" says who can -----------


def test_end_session_clicked_by_someone_else_says_who_can_end_it(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    session = start(refbot, slack)

    refbot.click(EMPLOYEE, "sourcing_end", on=session)

    assert slack.wait_for(lambda: slack.ephemerals(EMPLOYEE) != [])
    shown = slack.ephemerals(EMPLOYEE)[-1].plain_text()
    assert "only the person who started this session, or a recruiter, can end it" in shown


def test_someone_who_cannot_start_a_session_is_told_who_can_instead_of_a_modal(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    role(refbot, "Platform Engineer")

    shown = ephemeral(refbot, EMPLOYEE, "/sourcing", "start")

    assert slack.open_views(EMPLOYEE) == []
    assert "Only recruiters, and the hiring manager of an open or upcoming role" in shown


def test_a_hiring_manager_is_offered_only_their_roles_to_source(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    role(refbot, "Platform Engineer")  # MANAGER's
    role(refbot, "Data Engineer", manager="U0OTHER")

    refbot.command(MANAGER, "/sourcing", "start", channel_id=CHANNEL)

    assert slack.wait_for(lambda: slack.open_views(MANAGER) != [])
    options = slack.open_views(MANAGER)[-1]["blocks"][0]["element"]["options"]
    assert [o["text"]["text"] for o in options] == ["Platform Engineer"]


def test_a_hiring_managers_search_results_offer_no_button_they_may_not_use(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    role_id = role(refbot, "Platform Engineer")
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com", role=role_id)
    assert slack.wait_for(lambda: len(cards(slack)) == 1)

    refbot.command(MANAGER, "/refbot", "find ada")

    assert slack.wait_for(lambda: slack.ephemerals(MANAGER) != [])
    results = slack.ephemerals(MANAGER)[-1]
    assert "Ada Lovelace" in results.plain_text()
    buttons = ("candidate_reach_out", "candidate_reactivate", "candidate_request_intro")
    assert not any(results.has_button(b) for b in buttons)


def test_help_lists_only_the_commands_the_reader_may_use(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    role(refbot, "Platform Engineer")

    employee = ephemeral(refbot, EMPLOYEE, "/refbot", "help")
    manager = ephemeral(refbot, MANAGER, "/refbot", "help")
    recruiter = ephemeral(refbot, RECRUITER, "/refbot", "help")

    assert "/refer" in employee and "/sourcing start" not in employee
    assert "/refbot find" not in employee and "/refbot forget" not in employee
    assert "/sourcing start" in manager and "your roles' candidates" in manager
    assert "/refbot followups" not in manager and "/refbot admin" not in manager
    assert all(c in recruiter for c in ("/refbot followups", "/refbot stats", "/refbot find"))


def test_not_allowed_says_who_can(refbot: Refbot, slack: SlackEmulator) -> None:
    shown = ephemeral(refbot, EMPLOYEE, "/refbot", "stats")

    assert "not allowed to do that: only recruiters can" in shown
