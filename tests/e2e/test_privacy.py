"""`/refbot forget`: the person is erased everywhere; the audit keeps an anonymous line."""

import json

from sqlalchemy import inspect, text

from bot.slack_emulator import SlackEmulator
from tests.conftest import EMPLOYEE, RECRUITER, Clock, Refbot
from tests.e2e.test_decisions import referred
from tests.e2e.test_outreach import followups, reach_out


def everything_stored(refbot: Refbot) -> str:
    """Every row of every table, as text (search index included)."""
    engine = refbot.runtime.engine
    dumped = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
            dumped += [repr(tuple(row)) for row in rows]
    return "\n".join(dumped)


def test_forget_erases_the_person_everywhere_and_cancels_their_reminders(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)  # Ada Lovelace, ada@example.com
    reach_out(refbot, template="referred_A", channel="email")
    refbot.sweep()  # the referrer's update is out (a send crossing the forget has its own test)
    assert "Lovelace" in everything_stored(refbot)

    refbot.command(RECRUITER, "/refbot", "forget ada@example.com")
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "forget_submit" for v in slack.open_views(RECRUITER))
    )
    calls_before = len(slack.calls)
    done = refbot.submit(RECRUITER, "forget_submit")
    assert slack.wait_for(lambda: "removed" in slack.dms(RECRUITER)[0].plain_text())
    clock.travel(days=15)
    refbot.sweep()

    assert "erased" in json.dumps(done.json()["view"])
    stored = everything_stored(refbot)
    for secret in ("Lovelace", "ada@example.com", "Ada "):
        assert secret not in stored
    assert "candidate.forget" in stored
    for call in slack.calls[calls_before:]:
        sent = json.dumps(call.args)
        assert "Lovelace" not in sent and "ada@example.com" not in sent
    assert followups(slack) == []


def test_only_admins_forget_and_unknown_people_get_a_clear_answer(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    referred(refbot, slack)

    refbot.command(EMPLOYEE, "/refbot", "forget ada@example.com")
    refbot.command(RECRUITER, "/refbot", "forget nobody@example.com")

    assert slack.wait_for(lambda: slack.ephemerals(EMPLOYEE) and slack.ephemerals(RECRUITER))
    assert "not allowed" in slack.ephemerals(EMPLOYEE)[-1].plain_text()
    assert "Nobody with that email" in slack.ephemerals(RECRUITER)[-1].plain_text()
    assert slack.open_views(RECRUITER) == []


def test_retention_erases_archived_candidates_after_the_workspace_period(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)
    refbot.click(RECRUITER, "candidate_archive")
    assert slack.wait_for(lambda: "archived" in slack.dms(RECRUITER)[0].plain_text())

    clock.travel(days=700)  # 23 months: kept
    kept = refbot.runtime.services.privacy.purge()
    clock.travel(days=40)  # past 24 months
    erased = refbot.runtime.services.privacy.purge()

    assert (kept, erased) == (0, 1)
    assert "Lovelace" not in everything_stored(refbot)


def test_export_goes_to_the_admins_dm_as_a_file(refbot: Refbot, slack: SlackEmulator) -> None:
    referred(refbot, slack)

    refbot.command(RECRUITER, "/refbot", "export")
    refbot.command(EMPLOYEE, "/refbot", "export")

    assert slack.wait_for(lambda: slack.uploads() != [] and slack.ephemerals(EMPLOYEE))
    (upload,) = slack.uploads()
    assert upload.channel == slack.dm_channel(RECRUITER)
    exported = json.loads(upload.content)["candidates"]  # the backup document's candidates
    assert exported[0]["name"] == "Ada Lovelace" and exported[0]["email"] == "ada@example.com"
    assert "not allowed" in slack.ephemerals(EMPLOYEE)[-1].plain_text()


def test_forget_edits_a_card_sent_long_before_the_delivery_history_was_trimmed(
    refbot: Refbot, slack: SlackEmulator, clock: Clock
) -> None:
    referred(refbot, slack)
    refbot.sweep()
    clock.travel(days=200)  # the daily job trims delivery history older than 90 days
    refbot.runtime.services.retention.purge()

    refbot.command(RECRUITER, "/refbot", "forget ada@example.com")
    assert slack.wait_for(
        lambda: any(v["callback_id"] == "forget_submit" for v in slack.open_views(RECRUITER))
    )
    refbot.submit(RECRUITER, "forget_submit")
    refbot.sweep()

    for message in slack.messages():
        if not message.ephemeral:  # Slack keeps no ephemeral message: nothing to edit
            assert "Lovelace" not in json.dumps(message.blocks) + message.text
