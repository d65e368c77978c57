"""What people read: labels instead of stored codes, real French, plurals and numbers from the
reader's language, modal titles that fit, and wording that matches what was chosen."""

import json

from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, TEAM, Clock, Refbot
from tests.e2e.test_decisions import MANAGER, referred, role
from tests.e2e.test_outreach import reach_out
from tests.e2e.test_referral import cards, refer
from tests.e2e.test_sourcing import CHANNEL, add, start

NNBSP = "\u202f"


def french(slack: SlackEmulator, user: str, name: str) -> None:
    """`user` reads Slack in French, from Paris (before refbot first sees them)."""
    slack.add_user(user, name=name.lower(), real_name=name, locale="fr-FR", tz="Europe/Paris")


def ephemeral(refbot: Refbot, user: str, command: str, text: str) -> str:
    slack = refbot.slack
    before = len(slack.ephemerals(user))
    refbot.command(user, command, text)
    assert slack.wait_for(lambda: len(slack.ephemerals(user)) > before)
    return slack.ephemerals(user)[-1].plain_text()


def summary(slack: SlackEmulator, user: str) -> str:
    """The session summary `user` got by DM."""
    ours = lambda: [m for m in slack.dms(user) if "summary" in m.text or "Bilan" in m.text]  # noqa: E731
    assert slack.wait_for(lambda: ours() != [])
    return ours()[-1].plain_text()


# -- item 9: labels, never codes ---------------------------------------------------------------


def test_sourcing_summary_says_how_they_know_them_in_words_in_each_readers_language(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    french(slack, MANAGER, "Manon Leroy")
    refbot.command(MANAGER, "/sourcing")  # refbot has met her: it knows her language
    assert slack.wait_for(lambda: slack.ephemerals(MANAGER) != [])
    session = start(refbot, slack)

    add(
        refbot,
        EMPLOYEE,
        session,
        name="Xena One",
        email="x1@example.com",
        relationship="worked_together",
        strength="strong",
    )
    refbot.click(RECRUITER, "sourcing_end", on=session)
    refbot.sweep()

    english = summary(slack, RECRUITER)
    assert "worked together · knows their work very well" in english
    assert "worked_together" not in english and ": strong" not in english
    manager = summary(slack, MANAGER)
    assert "a travaillé avec · connaît très bien son travail" in manager
    assert "worked" not in manager and "strong" not in manager


def test_find_shows_each_status_as_a_word_of_the_readers_language(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    french(slack, RECRUITER, "Rita Okafor")
    referred(refbot, slack)
    candidate = cards(slack)[0].button_value("candidate_snooze")
    svc = refbot.runtime.services
    svc.snoozes.snooze(
        team_id=TEAM,
        actor_id=RECRUITER,
        candidate_id=candidate,
        until="6m",
        on_day=None,
        note=None,
    )

    shown = ephemeral(refbot, RECRUITER, "/refbot", "find ada")

    assert "_en pause_" in shown and "snoozed" not in shown.replace("status:snoozed", "")
    assert f"Astuces{NNBSP}:" not in shown  # a result, not the tips for no result
    assert f"Filtres{NNBSP}:" in shown


def test_stats_name_sources_and_message_templates_instead_of_their_codes(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)
    reach_out(refbot, template="referred_A", channel="email")

    shown = ephemeral(refbot, RECRUITER, "/refbot", "stats")

    assert "Referrals: 0/1 hired" in shown
    assert "Referred by a colleague — direct: 0/1 replied" in shown
    assert "referred_A" not in shown and "referral:" not in shown
    assert "1 referral" in shown and "0 hires" in shown  # the top referrers, in words


def test_admin_alert_names_the_lost_message_and_why_in_words(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    role_id = role(refbot, "Data Engineer")
    referred(refbot, slack)  # the recruiter's and the referrer's DMs are open now
    slack.fail("conversations.open", error="user_disabled")  # the hiring manager's first DM

    slack.close_views(EMPLOYEE)
    refer(refbot, EMPLOYEE, name="Bea Two", email="bea@example.com", role=role_id)
    refbot.sweep()

    assert slack.wait_for(
        lambda: any("could not deliver" in m.plain_text() for m in slack.dms(RECRUITER))
    )
    alert = next(m for m in slack.dms(RECRUITER) if "could not deliver" in m.plain_text())
    text = alert.plain_text()
    assert "a candidate card for a hiring manager" in text
    assert f"<@{MANAGER}>: this person's account is deactivated" in text
    assert "Check that this person is still in the workspace" in text
    assert "notice" not in text
    assert "`user_disabled`" in text.split("for support:")[1]  # only as a reference to quote


def test_an_erased_candidate_is_not_shown_as_a_name_with_a_status(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)
    refbot.command(RECRUITER, "/refbot", "forget ada@example.com")
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "forget_submit" for v in slack.open_views(RECRUITER))
    )
    refbot.submit(RECRUITER, "forget_submit")

    refbot.open_home(EMPLOYEE)

    assert slack.wait_for(lambda: slack.home(EMPLOYEE) is not None)
    home = json.dumps(slack.home(EMPLOYEE), ensure_ascii=False)
    assert "[removed]" not in home
    assert "_Someone whose details were erased_" in home
    assert "erased_ —" not in home and "received" not in home


# -- item 10: real French --------------------------------------------------------------------


def test_french_recruiter_reads_french_numbers_words_and_spacing_in_stats(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    french(slack, RECRUITER, "Rita Okafor")
    referred(refbot, slack)
    candidate = cards(slack)[0].button_value("candidate_snooze")
    refbot.runtime.services.candidates.move(
        team_id=TEAM, actor_id=RECRUITER, candidate=candidate, stage="reviewing"
    )

    shown = ephemeral(refbot, RECRUITER, "/refbot", "stats")

    assert "0,0 h" in shown and "0.0 h" not in shown
    assert f"Cooptations{NNBSP}: 0 embauche sur 1 (0{chr(0xA0)}%)" in shown
    assert "Qui coopte le plus" in shown and "1 cooptation" in shown
    assert "recommandeur" not in shown.lower()
    assert f"médiane){NNBSP}:" in shown and " :" not in shown


def test_french_referrer_is_told_in_cooptation_words_and_a_closed_referral_is_cloturee(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refer(refbot, FRENCH_EMPLOYEE, name="Jean Dupont", email="jean@example.com")
    assert slack.wait_for(lambda: len(cards(slack)) == 1)
    candidate = cards(slack)[0].button_value("candidate_snooze")
    refbot.runtime.services.candidates.archive(
        team_id=TEAM, actor_id=RECRUITER, candidate=candidate
    )
    refbot.sweep()

    refbot.open_home(FRENCH_EMPLOYEE)

    assert slack.wait_for(lambda: slack.home(FRENCH_EMPLOYEE) is not None)
    home = json.dumps(slack.home(FRENCH_EMPLOYEE), ensure_ascii=False)
    assert "*Jean Dupont* — clôturée" in home and "— close" not in home
    assert "Vos cooptations" in home and "Coopter quelqu'un" in home
    assert "recommand" not in home.lower()


# -- item 12: modals that fit, labels that say what was chosen -----------------------------------


def test_french_sourcing_modal_title_fits_and_says_optional_only_once(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    french(slack, RECRUITER, "Rita Okafor")
    role(refbot, "Platform Engineer")

    refbot.command(RECRUITER, "/sourcing", "start", channel_id=CHANNEL)

    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])
    modal = slack.open_views(RECRUITER)[-1]
    assert modal["title"]["text"] == "Lancer une session"
    labels = [b["label"]["text"] for b in modal["blocks"] if b["type"] == "input"]
    assert "Consigne" in labels and not any("facultatif" in label for label in labels)


def test_reach_out_says_channel_and_a_phone_call_is_not_told_to_copy_into_email(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)

    answer = reach_out(refbot, template="referred_A", channel="phone")

    modal = json.dumps(slack.open_views(RECRUITER)[-1], ensure_ascii=False)
    assert "Sent by" not in modal
    done = json.dumps(answer.json()["view"], ensure_ascii=False)
    assert "keep it at hand for your call" in done and "email or LinkedIn" not in done


def test_follow_up_draft_keeps_a_blank_line_before_the_signature(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)
    reach_out(refbot, template="referred_A", channel="email")

    clock.travel(days=6)
    refbot.sweep()

    due = lambda: [m for m in slack.dms(RECRUITER) if "Time to follow up" in m.text]  # noqa: E731
    assert slack.wait_for(lambda: due() != [])
    text = due()[0].plain_text()
    assert "schedule.\n\nRita Okafor" in text, text


def test_reach_out_modal_labels_the_channel_as_a_channel(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)

    refbot.click(RECRUITER, "candidate_reach_out")

    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])
    modal = slack.open_views(RECRUITER)[-1]
    labels = [b["label"]["text"] for b in modal["blocks"] if b["type"] == "input"]
    assert "Channel" in labels and "Sent by" not in labels
