"""Installation tokens are encrypted at rest with REFBOT_SECRET_KEY, and keys rotate."""

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings, load_settings
from bot.errors import ConfigError
from bot.slack_emulator import SlackEmulator
from storage.db import Sessions
from storage.encryption import Secrets, UndecryptableSecret, is_encrypted
from storage.installations import SECRET_COLUMNS, SLACK_METADATA
from storage.models import AtsConnection
from storage.types import AtsKind, AtsMode, AtsPush
from tests.conftest import EMPLOYEE, RECRUITER, TEAM, Refbot
from tests.e2e import test_workspaces
from tests.e2e.test_referral import cards, refer
from tests.e2e.test_workspaces import SECRET_KEY, dm_tokens, install

refbot = test_workspaces.refbot  # refbot in multi-workspace OAuth mode

NEW_KEY = "BuWUPxX_FsoypYS7zwgyrE3vfR78JltLK5eDHfg9RP8="


def stored_credentials(refbot: Refbot) -> list[str]:
    """Every credential column's raw value, as the database holds it."""
    values: list[str] = []
    with refbot.runtime.engine.connect() as connection:
        for name, columns in SECRET_COLUMNS.items():
            table = SLACK_METADATA.tables[name]
            for row in connection.execute(select(*(table.c[c] for c in columns))):
                values += [value for value in row if value is not None]
    return values


def restarted(refbot: Refbot, slack: SlackEmulator, keys: str) -> Refbot:
    """Another refbot on the same database, with these keys."""
    return Refbot(Settings(**{**refbot.settings.model_dump(), "refbot_secret_key": keys}), slack)


def test_installation_tokens_are_stored_encrypted_and_still_used(
    refbot: Refbot, slack: SlackEmulator
) -> None:
    install(refbot, TEAM, RECRUITER)
    token = slack.token_of(TEAM)
    assert token

    refer(refbot, EMPLOYEE, name="Ada Lovelace", email="ada@example.com")

    assert slack.wait_for(lambda: len(cards(slack, RECRUITER)) == 1)
    assert dm_tokens(slack, RECRUITER) == {token}
    stored = stored_credentials(refbot)
    assert len(stored) == 2  # the bot token, in slack_bots and in slack_installations
    assert all(is_encrypted(value) and token not in value for value in stored)


def test_tokens_open_after_a_key_rotation(refbot: Refbot, slack: SlackEmulator) -> None:
    install(refbot, TEAM, RECRUITER)
    token = slack.token_of(TEAM)
    before = stored_credentials(refbot)

    # The new key goes first; the old one stays until the tokens are re-encrypted.
    both = restarted(refbot, slack, f"{NEW_KEY},{SECRET_KEY}")
    try:
        refer(both, EMPLOYEE, name="Ada Lovelace", email="ada@example.com")
        assert slack.wait_for(lambda: len(cards(slack, RECRUITER)) == 1)
    finally:
        both.close()
    env = {
        name.upper(): value
        for name, value in refbot.settings.model_dump().items()
        if isinstance(value, str) and name.startswith(("slack_", "database_"))
    }
    rotation = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "rotate-secrets"],
        env={**os.environ, **env, "REFBOT_SECRET_KEY": f"{NEW_KEY},{SECRET_KEY}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert rotation.returncode == 0, rotation.stderr
    assert "re-encrypted" in rotation.stdout
    only_new = restarted(refbot, slack, NEW_KEY)
    try:
        slack.close_views(EMPLOYEE)
        refer(only_new, EMPLOYEE, name="Grace Hopper", email="grace@example.com")
        assert slack.wait_for(lambda: len(cards(slack, RECRUITER)) == 2)
    finally:
        only_new.close()

    after = stored_credentials(refbot)
    assert dm_tokens(slack, RECRUITER) == {token}
    assert len(after) == len(before) and set(after).isdisjoint(before)
    assert all(Secrets([NEW_KEY]).decrypt(value) == token for value in after)


def test_rotation_encrypts_tokens_stored_in_clear_by_an_earlier_refbot() -> None:
    old, new = Secrets([SECRET_KEY]), Secrets([NEW_KEY, SECRET_KEY])

    legacy = "xoxb-1-legacy"
    rotated = new.rotate(legacy)

    assert old.decrypt(legacy) == legacy  # read as it is until rotated
    assert is_encrypted(rotated) and new.decrypt(rotated) == legacy
    assert Secrets([NEW_KEY]).decrypt(new.rotate(old.encrypt("xoxb-2"))) == "xoxb-2"
    with pytest.raises(UndecryptableSecret, match="REFBOT_SECRET_KEY"):
        Secrets([NEW_KEY]).decrypt(old.encrypt("xoxb-3"))


def test_oauth_mode_refuses_to_start_without_a_secret_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir("/")  # no .env
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("SLACK_CLIENT_ID", "1.2")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "c")

    with pytest.raises(ConfigError, match="REFBOT_SECRET_KEY is required") as missing:
        load_settings()
    monkeypatch.setenv("REFBOT_SECRET_KEY", f"{SECRET_KEY},not-a-key")
    with pytest.raises(ConfigError, match=r"^REFBOT_SECRET_KEY: key 2 is not a Fernet key"):
        load_settings()
    monkeypatch.setenv("REFBOT_SECRET_KEY", f"{NEW_KEY}, {SECRET_KEY}")

    assert "\n" not in str(missing.value)
    assert load_settings().secret_keys == (NEW_KEY, SECRET_KEY)
    assert SECRET_KEY not in repr(load_settings())


def test_ats_credentials_are_re_encrypted_by_the_rotation_too(
    sessions: Sessions, migrated_url: str, tmp_path: Path
) -> None:
    old = Secrets([SECRET_KEY])
    with sessions.begin() as s:
        s.add(
            AtsConnection(
                team_id=TEAM,
                kind=AtsKind.LEVER,
                credentials=old.encrypt('{"api_key": "lever-key"}'),
                webhook_secret=old.encrypt("lever-token"),
                acting_user_id="u-1",
                mode=AtsMode.POLLING,
                push=AtsPush.AUTO,
                connected_by=RECRUITER,
                connected_at=datetime(2026, 11, 2, tzinfo=UTC),
            )
        )

    rotation = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "rotate-secrets"],
        env={
            **os.environ,
            "DATABASE_URL": migrated_url,
            "REFBOT_SECRET_KEY": f"{NEW_KEY},{SECRET_KEY}",
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert rotation.returncode == 0, rotation.stderr
    assert "1 ATS connection re-encrypted" in rotation.stdout
    with sessions() as s:
        stored = s.scalars(select(AtsConnection)).one()
    new_only = Secrets([NEW_KEY])
    assert new_only.decrypt(stored.credentials) == '{"api_key": "lever-key"}'
    assert new_only.decrypt(stored.webhook_secret or "") == "lever-token"
