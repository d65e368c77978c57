"""What people type or point at, read as they meant it: messages in any conversation, Slack's
markup, numbers in ASCII digits, text without NUL; and a help that names every command."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.ids import Subcommand
from bot.slack_emulator import SlackEmulator
from bot.transfer import import_file
from bot.workspace import Response
from storage.db import Sessions
from storage.models import Candidate, Role
from tests.conftest import EMPLOYEE, FRENCH_EMPLOYEE, RECRUITER, START, TEAM, Refbot
from tests.e2e.test_admin import VALID, open_admin
from tests.e2e.test_decisions import role
from tests.e2e.test_referral import open_referral, refer

MANIFEST = Path(__file__).parents[2] / "manifest.yml"
SOMEONE = "U0BOB"


def shortcut_on(refbot: Refbot, user: str, channel: str, message: dict[str, Any]) -> Response:
    """The user picks "Refer this person" on `message` in `channel`, as Slack sends it."""
    return refbot.post_payload(
        {
            "type": "message_action",
            "callback_id": "refer_from_message",
            "trigger_id": refbot.slack.trigger_id(user),
            "user": {"id": user, "team_id": TEAM},
            "team": {"id": TEAM, "domain": "acme"},
            "channel": {"id": channel, "name": "directmessage"},
            "message": message,
            "message_ts": message["ts"],
            "response_url": refbot.slack.response_url(user, channel),
            "api_app_id": "AREFBOT",
        }
    )


def prefilled(slack: SlackEmulator, user: str) -> dict[str, Any]:
    assert slack.wait_for(lambda: slack.open_views(user) != [])
    modal = slack.open_views(user)[-1]
    return {b["block_id"]: b["element"].get("initial_value") for b in modal["blocks"]}


def said(slack: SlackEmulator, user: str) -> str:
    assert slack.wait_for(lambda: slack.ephemerals(user) != [])
    return slack.ephemerals(user)[-1].plain_text()


def candidate_names(refbot: Refbot) -> list[str]:
    with refbot.runtime.dispatcher.sessions() as s:
        return list(s.scalars(select(Candidate.name)))


# -- "Refer this person" ---------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["D0ALICEBOB", "G0FRIENDS", "C0SECRET"])
def test_refer_this_person_opens_the_modal_in_a_conversation_refbot_is_not_in(
    refbot: Refbot, slack: SlackEmulator, channel: str
) -> None:
    slack.conversation_without_bot(channel)  # a DM, a group DM, a private channel
    message = {"type": "message", "ts": "1790000000.000100", "user": SOMEONE, "text": "Meet Ada"}

    shortcut_on(refbot, EMPLOYEE, channel, message)

    fields = prefilled(slack, EMPLOYEE)
    assert fields["note"] == "Meet Ada"  # no permalink: Slack won't give refbot one here
    assert slack.ephemerals(EMPLOYEE) == [], "no error message"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            {
                "user": SOMEONE,
                "text": "Meet Ada &amp; her work: <mailto:ada@example.com|ada@example.com>, "
                "<https://www.linkedin.com/in/ada/|her profile>",
            },
            {
                "email": "ada@example.com",
                "profile_url": "https://www.linkedin.com/in/ada/",
                "note": "Meet Ada & her work: ada@example.com, her profile "
                "(https://www.linkedin.com/in/ada/)",
            },
        ),
        (  # an ATS bot's card: no text, an attachment
            {
                "subtype": "bot_message",
                "bot_id": "B0ATS",
                "text": "",
                "attachments": [
                    {
                        "fallback": "New applicant: Grace Hopper",
                        "title": "Grace Hopper",
                        "title_link": "https://github.com/grace",
                        "text": "Email: <mailto:grace@example.com|grace@example.com>",
                    }
                ],
            },
            {
                "email": "grace@example.com",
                "profile_url": "https://github.com/grace",
                "note": "Grace Hopper\nEmail: grace@example.com\nhttps://github.com/grace",
            },
        ),
        (  # a CV shared without a word
            {
                "user": SOMEONE,
                "text": "",
                "files": [{"id": "F1", "name": "cv.pdf", "title": "Radia CV"}],
            },
            {"email": None, "profile_url": None, "note": "Radia CV"},
        ),
        (  # a reply in a thread
            {
                "user": SOMEONE,
                "text": "She'd be great: https://github.com/radia.",
                "thread_ts": "1",
            },
            {"email": None, "profile_url": "https://github.com/radia", "note": "She'd be great"},
        ),
    ],
    ids=["markup", "bot attachment", "file only", "thread reply"],
)
def test_refer_this_person_prefills_what_the_message_holds_not_its_markup(
    refbot: Refbot, slack: SlackEmulator, message: dict[str, Any], expected: dict[str, Any]
) -> None:
    ts = slack.user_posts(message.get("user", "U0ATSBOT"), "C0GENERAL", message["text"])

    shortcut_on(refbot, EMPLOYEE, "C0GENERAL", {"type": "message", **message, "ts": ts})

    fields = prefilled(slack, EMPLOYEE)
    assert fields["email"] == expected["email"]
    assert fields["profile_url"] == expected["profile_url"]
    assert fields["note"].startswith(expected["note"])
    assert f"slack.com/archives/C0GENERAL/p{ts.replace('.', '')}" in fields["note"]


# -- Slack's markup in command text ----------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "typed", "field", "expected"),
    [
        ("/refer", "<mailto:ada@example.com|ada@example.com>", "email", "ada@example.com"),
        (
            "/refer",
            "<https://www.linkedin.com/in/ada|linkedin.com/in/ada>",
            "profile_url",
            "https://www.linkedin.com/in/ada",
        ),
        ("/refer", "Ada &amp; Grace", "name", "Ada & Grace"),
        ("/intro", "<mailto:ada@example.com|ada@example.com>", "email", "ada@example.com"),
    ],
)
def test_command_text_in_slack_markup_prefills_what_was_typed(
    refbot: Refbot, slack: SlackEmulator, command: str, typed: str, field: str, expected: str
) -> None:
    refbot.command(EMPLOYEE, command, typed)

    fields = prefilled(slack, EMPLOYEE)
    assert fields[field] == expected
    assert all(v is None or "<" not in v for v in fields.values())


def test_find_and_forget_take_an_email_as_slack_escapes_it(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com")
    escaped = "<mailto:ada@example.com|ada@example.com>"

    refbot.command(RECRUITER, "/refbot", f"find {escaped}")
    found = said(slack, RECRUITER)
    refbot.command(RECRUITER, "/refbot", f"forget {escaped}")

    assert "Ada Lovelace" in found
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "forget_submit" for v in slack.open_views(RECRUITER))
    )


# -- /sourcing start: say what to do ---------------------------------------------------------


def test_sourcing_start_with_no_role_to_pick_says_how_to_create_one(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refbot.command(RECRUITER, "/sourcing", "start", channel_id="C0SOURCE")
    refbot.command(FRENCH_EMPLOYEE, "/sourcing", "start", channel_id="C0SOURCE")

    assert "/refbot role" in said(slack, RECRUITER)
    # An employee may not start one anyway: they are told who can (issue 18, item 16).
    assert "Seul·es les recruteur·euses" in said(slack, FRENCH_EMPLOYEE)
    assert slack.open_views(RECRUITER) == []


def test_sourcing_start_in_a_private_channel_refbot_is_not_in_says_to_invite_it(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    role(refbot, "Platform Engineer", manager=FRENCH_EMPLOYEE)  # she may start one for it
    slack.conversation_without_bot("C0SECRET")

    refbot.command(RECRUITER, "/sourcing", "start", channel_id="C0SECRET")
    refbot.command(FRENCH_EMPLOYEE, "/sourcing", "start", channel_id="C0SECRET")

    assert "/invite @refbot" in said(slack, RECRUITER)
    assert "Invitez-moi" in said(slack, FRENCH_EMPLOYEE)
    assert slack.open_views(RECRUITER) == []


# -- help ------------------------------------------------------------------------------------


def test_help_names_every_command_and_shortcut_of_the_manifest_by_role(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    features = yaml.safe_load(MANIFEST.read_text())["features"]
    commands = [c["command"] for c in features["slash_commands"]]
    shortcuts = [s["name"] for s in features["shortcuts"]]  # Slack shows these, untranslated
    roles = ["*Everyone*", "*Recruiters and hiring managers*", "*Recruiters*", "*Admins*"]

    refbot.command(RECRUITER, "/refbot", "help")  # a recruiter and admin: every command
    text = said(slack, RECRUITER)
    refbot.command(FRENCH_EMPLOYEE, "/refbot", "help")  # an employee: only theirs (item 16)
    french = said(slack, FRENCH_EMPLOYEE)

    assert all(f"`{command}" in text for command in commands), text
    assert all(f"`/refbot {sub.value}" in text for sub in Subcommand), text
    assert all(f"*{name}*" in text for name in shortcuts), text
    places = [text.index(heading) for heading in roles]
    assert places == sorted(places), "by role, everyone's commands first"
    admins = text.index(roles[-1])
    assert text.index("`/refbot forget") > admins and text.index("`/intro") < admins
    assert "*Tout le monde*" in french and all(f"*{name}*" in french for name in shortcuts)
    assert "*Recruteur·euses*" not in french and "`/refbot forget" not in french


# -- numbers and control characters ----------------------------------------------------------


def test_stats_with_a_superscript_number_answers_with_the_default_period(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    refbot.command(RECRUITER, "/refbot", "stats ²")

    assert "the last 90 days" in said(slack, RECRUITER)


def test_admin_numbers_in_other_scripts_are_refused_on_their_own_field(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    open_admin(refbot)

    answer = refbot.submit(
        RECRUITER,
        "admin_submit",
        **{**VALID, "followup_first_days": "²", "retention_months": "١٢"},
    )

    assert answer.json()["response_action"] == "errors"
    assert set(answer.json()["errors"]) == {"followup_first_days", "retention_months"}


def test_session_goal_in_superscript_is_refused_on_the_goal_field(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    role_id = role(refbot, "Platform Engineer")
    refbot.command(RECRUITER, "/sourcing", "start", channel_id="C0SOURCE")
    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])

    answer = refbot.submit(
        RECRUITER, "sourcing_start_submit", role=role_id, duration="1h", goal="²"
    )

    assert answer.json()["response_action"] == "errors"
    assert set(answer.json()["errors"]) == {"goal"}
    assert "whole number" in answer.json()["errors"]["goal"]


def test_nul_pasted_into_a_name_a_note_or_a_role_title_is_dropped_not_a_database_error(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    open_referral(refbot, EMPLOYEE)
    referral = refbot.submit(
        EMPLOYEE,
        "referral_submit",
        name="Ada\x00 Lovelace",
        email="ada@example.com",
        note="met\x00 at\x07 PyCon\n\tkeynote",
    )
    refbot.command(RECRUITER, "/refbot", "role")
    assert slack.wait_for(lambda: slack.open_views(RECRUITER) != [])
    role_saved = refbot.submit(RECRUITER, "role_submit", title="Data\x00 Engineer", status="open")

    assert referral.json()["response_action"] == "update"
    assert candidate_names(refbot) == ["Ada Lovelace"]
    assert "errors" not in role_saved.json()
    with refbot.runtime.dispatcher.sessions() as s:
        assert list(s.scalars(select(Role.title))) == ["Data Engineer"]


def test_import_reports_a_row_with_nul_on_its_line_and_keeps_the_good_rows(
    sessions: Sessions, tmp_path: Path
) -> None:
    path = tmp_path / "with_nul.csv"
    path.write_text(
        "name,email,notes\n"
        "Ada Lovelace,ada@example.com,first\n"
        "Grace\x00 Hopper,grace@example.com,second\n"
        "Radia Perlman,radia@example.com,met at\x00 a conference\n"
        "Hedy Lamarr,hedy@example.com,third\n",
        encoding="utf-8",
    )
    exported = tmp_path / "exported.csv"  # refbot's own export: notes as JSON, NUL escaped
    exported.write_text(
        "name,email,notes_json\n"
        'Barbara Liskov,barbara@example.com,"[{""body"": ""fine""}]"\n'
        'Frances Allen,frances@example.com,"[{""body"": ""a\\u0000b""}]"\n',
        encoding="utf-8",
    )

    report = import_file(sessions, path, team_id=TEAM, clock=lambda: START)
    from_export = import_file(sessions, exported, team_id=TEAM, clock=lambda: START)

    reason = "contains a NUL character (a binary or UTF-16 file?)"
    assert report.errors == [(3, reason), (4, reason)]
    assert (report.imported, report.skipped) == (2, 2)
    assert from_export.errors == [(3, "notes_json contains a NUL character")]
    with sessions() as s:
        assert sorted(s.scalars(select(Candidate.name))) == [
            "Ada Lovelace",
            "Barbara Liskov",
            "Hedy Lamarr",
        ]
