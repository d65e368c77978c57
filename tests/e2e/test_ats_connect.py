"""`/refbot ats`: an admin connects Greenhouse or Lever; the credentials are checked with a real
call after the ack, refused ones are shown in the ATS's words, saved ones are encrypted."""

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.ats.greenhouse_emulator import GreenhouseEmulator
from bot.ats.lever_emulator import LeverEmulator
from bot.slack_emulator import SlackEmulator
from storage.models import AtsConnection
from storage.repositories import settings
from tests.conftest import (
    EMPLOYEE,
    OAUTH_SECRET_KEY,
    RECRUITER,
    TEAM,
    Clock,
    Refbot,
    settings_for,
)


@pytest.fixture
def gh(clock: Clock) -> Iterator[GreenhouseEmulator]:
    with GreenhouseEmulator() as emulator:
        emulator.alice = emulator.add_user("alice@acme.test", "Alice", "Martin")  # type: ignore[attr-defined]
        emulator.refbot = emulator.add_user("refbot@acme.test", "Ref", "Bot", referrer=False)  # type: ignore[attr-defined]
        yield emulator


@pytest.fixture
def lever(clock: Clock) -> Iterator[LeverEmulator]:
    with LeverEmulator() as emulator:
        emulator.refbot = emulator.add_user("Ref Bot", "refbot@acme.test")  # type: ignore[attr-defined]
        emulator.alice = emulator.add_user("Alice Martin", "alice@acme.test")  # type: ignore[attr-defined]
        yield emulator


@pytest.fixture
def atsbot(
    slack: SlackEmulator,
    migrated_url: str,
    clock: Clock,
    gh: GreenhouseEmulator,
    lever: LeverEmulator,
) -> Iterator[Refbot]:
    """refbot with a secret key (credentials are encrypted) and the ATS emulators' URLs."""
    slack.add_user(
        EMPLOYEE,
        name="alice",
        real_name="Alice Martin",
        tz="America/New_York",
        email="alice@acme.test",
    )
    config = settings_for(slack, migrated_url).model_copy(
        update={
            "refbot_secret_key": SecretStr(OAUTH_SECRET_KEY),
            "greenhouse_api_url": gh.api_url,
            "greenhouse_auth_url": gh.auth_url,
            "lever_api_url": lever.api_url,
        }
    )
    running = Refbot(config, slack)
    yield running
    running.close()


def modal_text(slack: SlackEmulator, user: str = RECRUITER) -> str:
    views = slack.open_views(user)
    if not views:
        return ""
    return "\n".join(
        b["text"]["text"] for b in views[-1].get("blocks", []) if b.get("type") == "section"
    )


def open_ats(refbot: Refbot, user: str = RECRUITER) -> None:
    refbot.slack.close_views(user)  # an earlier modal is not the one this opens
    refbot.command(user, "/refbot", "ats")
    assert refbot.slack.wait_for(
        lambda: any(v["callback_id"] == "ats_submit" for v in refbot.slack.open_views(user))
    )


def connect(refbot: Refbot, ats: str, *, wait_for: str | None = "Connected", **fields: Any) -> Any:
    """An admin fills and submits the modal; waits until the view shows `wait_for`."""
    open_ats(refbot)
    values = {"ats": ats, "mode": "webhooks", "push": "auto", **fields}
    answer = refbot.submit(RECRUITER, "ats_submit", **values)
    if wait_for is not None:
        assert refbot.slack.wait_for(lambda: wait_for in modal_text(refbot.slack)), modal_text(
            refbot.slack
        )
    return answer


def connect_greenhouse(refbot: Refbot, gh: GreenhouseEmulator, **fields: Any) -> Any:
    values = {"client_id": "gh-client", "secret": "gh-secret", "acting_user": gh.refbot, **fields}  # type: ignore[attr-defined]
    return connect(refbot, "greenhouse", **values)


def connect_lever(refbot: Refbot, lever: LeverEmulator, **fields: Any) -> Any:
    values = {"secret": "lever-key", "acting_user": lever.refbot, **fields}  # type: ignore[attr-defined]
    return connect(refbot, "lever", **values)


def stored(refbot: Refbot) -> AtsConnection | None:
    with refbot.runtime.dispatcher.sessions() as s:
        return s.scalar(select(AtsConnection).where(AtsConnection.team_id == TEAM))


def test_admin_connects_greenhouse_checked_by_a_real_call_and_stored_encrypted(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator
) -> None:
    answer = connect_greenhouse(atsbot, gh)

    # The ack showed "checking" and made no call; the lazy listener asked Greenhouse.
    assert answer.json()["response_action"] == "update"
    assert "Ref Bot" in modal_text(slack)
    assert gh.calls_to("POST /token") and gh.calls_to("GET /v3/users")
    row = stored(atsbot)
    assert row is not None and row.kind == "greenhouse" and row.acting_user_id == gh.refbot  # type: ignore[attr-defined]
    assert "gh-secret" not in row.credentials and row.credentials.startswith("gAAAAA")
    assert slack.wait_for(lambda: any("Greenhouse" in m.text for m in slack.dms(RECRUITER)))
    assert not any("gh-secret" in str(c.args) for c in slack.calls)
    with atsbot.runtime.dispatcher.sessions() as s:
        assert settings.get(s, TEAM).ats_auto_push is True


def test_wrong_greenhouse_credentials_are_refused_in_the_modal_in_greenhouses_words(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator
) -> None:
    connect_greenhouse(atsbot, gh, secret="not-the-secret", wait_for="refused")

    text = modal_text(slack)
    assert "Client authentication failed" in text
    assert "not-the-secret" not in str(slack.open_views(RECRUITER))
    assert stored(atsbot) is None
    # The form is back, its secret empty, to try again.
    assert slack.open_views(RECRUITER)[-1].get("submit") is not None


def test_lever_key_is_checked_and_a_wrong_one_refused_in_levers_words(
    atsbot: Refbot, slack: SlackEmulator, lever: LeverEmulator
) -> None:
    connect_lever(atsbot, lever, secret="wrong-key", wait_for="refused")
    assert "Invalid API key" in modal_text(slack) and stored(atsbot) is None

    connect_lever(atsbot, lever)

    row = stored(atsbot)
    assert row is not None and row.kind == "lever" and "lever-key" not in row.credentials


def test_an_employee_can_neither_open_nor_submit_the_ats_modal(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator
) -> None:
    atsbot.command(EMPLOYEE, "/refbot", "ats")
    assert slack.wait_for(
        lambda: any("admin" in m.text.lower() for m in slack.ephemerals(EMPLOYEE))
    )
    assert slack.open_views(EMPLOYEE) == []

    open_ats(atsbot)  # the admin's modal, submitted by someone else (a forged payload)
    forged = atsbot.submission_payload(
        RECRUITER,
        "ats_submit",
        ats="greenhouse",
        client_id="gh-client",
        secret="gh-secret",
        acting_user=gh.refbot,  # type: ignore[attr-defined]
        mode="webhooks",
        push="auto",
    )
    forged["user"] = {"id": EMPLOYEE, "team_id": TEAM}
    answer = atsbot.post_payload(forged)

    assert answer.json()["response_action"] == "errors"
    assert stored(atsbot) is None and gh.calls() == []


def test_disconnecting_needs_no_check_and_stops_pushes(
    atsbot: Refbot, slack: SlackEmulator, gh: GreenhouseEmulator
) -> None:
    connect_greenhouse(atsbot, gh)

    connect(atsbot, "none", wait_for="disconnected")

    assert stored(atsbot) is None
    with atsbot.runtime.dispatcher.sessions() as s:
        assert settings.get(s, TEAM).ats_auto_push is False
