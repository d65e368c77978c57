"""Runtime configuration, validated once at start (DESIGN.md section 3)."""

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigError

SLACK_API_URL = "https://slack.com/api/"
# The ATSs' hosts (bot.ats adapters); tests and `refbot demo` point these at the emulators.
GREENHOUSE_API_URL = "https://harvest.greenhouse.io/v3/"
GREENHOUSE_AUTH_URL = "https://auth.greenhouse.io/token"
LEVER_API_URL = "https://api.lever.co/v1/"
SUPPORTED_LOCALES = ("en", "fr")
_RECRUITER = re.compile(r"(?:[TE][A-Za-z0-9]+:)?[UW][A-Za-z0-9]+")  # REFBOT_RECRUITERS entries


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    # No SLACK_STATE_SECRET: Bolt's OAuth state is a random one-time value kept in the database
    # and bound to the browser by a cookie; nothing signs it, so a secret would have no use.
    slack_app_token: str | None = None
    slack_api_url: str = SLACK_API_URL
    database_url: str = "sqlite:///refbot.db"
    refbot_recruiters: Annotated[tuple[str, ...], NoDecode] = ()
    refbot_sweep_seconds: int = Field(default=15, ge=1)
    refbot_locale: str = "en"
    refbot_timezone: str = "UTC"
    refbot_secret_key: SecretStr | None = None  # comma-separated Fernet keys, first encrypts
    # The ATS (DESIGN.md section 3): a single-workspace deployment may connect it from here;
    # `/refbot ats` does the same per workspace. Base URLs are configurable like SLACK_API_URL.
    greenhouse_client_id: str | None = None
    greenhouse_client_secret: SecretStr | None = None
    greenhouse_user_id: str | None = None
    greenhouse_webhook_secret: SecretStr | None = None
    greenhouse_api_url: str = GREENHOUSE_API_URL
    greenhouse_auth_url: str = GREENHOUSE_AUTH_URL
    lever_api_key: SecretStr | None = None
    lever_user_id: str | None = None
    lever_webhook_tokens: SecretStr | None = None  # comma-separated signature tokens
    lever_api_url: str = LEVER_API_URL
    refbot_ats_poll_seconds: int = Field(default=300, ge=0)
    refbot_ats_push: Literal["auto", "button"] = "auto"

    @field_validator("refbot_recruiters", mode="before")
    @classmethod
    def _split_ids(cls, value: object, info: ValidationInfo) -> object:
        """`U012ABC` (the one workspace of a single-workspace install) or `T012AB:U012ABC`
        (that workspace only). In OAuth mode every id names its workspace: a bare user id
        would make that person recruiter and admin of every workspace that installs refbot."""
        if isinstance(value, str):
            value = tuple(part.strip() for part in value.split(",") if part.strip())
        if not isinstance(value, tuple | list):
            return value
        ids = tuple(str(part) for part in value)
        if not all(_RECRUITER.fullmatch(part) for part in ids):
            raise ValueError(
                "expected comma-separated Slack user IDs like U012ABC, or TEAM:USER pairs "
                "like T012AB:U012ABC"
            )
        if info.data.get("slack_client_id") and any(":" not in part for part in ids):
            raise ValueError(
                "in multi-workspace OAuth mode, name each recruiter's workspace: "
                "TEAM:USER pairs like T012AB:U012ABC"
            )
        return ids

    @field_validator("slack_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL like https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("greenhouse_api_url", "lever_api_url", "greenhouse_auth_url")
    @classmethod
    def _ats_url(cls, value: str, info: ValidationInfo) -> str:
        default = {
            "greenhouse_api_url": GREENHOUSE_API_URL,
            "lever_api_url": LEVER_API_URL,
            "greenhouse_auth_url": GREENHOUSE_AUTH_URL,
        }[str(info.field_name)]
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"expected an http(s) URL like {default}")
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql")):
            raise ValueError("expected sqlite:///path.db or postgresql+psycopg://user@host/db")
        return value

    @field_validator("refbot_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        language = value.split("-")[0].split("_")[0].lower()
        if language not in SUPPORTED_LOCALES:
            raise ValueError(f"expected one of {', '.join(SUPPORTED_LOCALES)}")
        return language

    @field_validator("refbot_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time zone like Europe/Paris") from exc
        return value

    @field_validator("refbot_secret_key")
    @classmethod
    def _secret_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from storage.encryption import parse_keys  # cryptography loads only when needed

            parse_keys(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _mode(self) -> "Settings":
        oauth = (self.slack_client_id, self.slack_client_secret, self.refbot_secret_key)
        if any(oauth[:2]) and not all(oauth):
            missing = [
                name
                for name, value in zip(
                    ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "REFBOT_SECRET_KEY"),
                    oauth,
                    strict=True,
                )
                if not value
            ]
            why = ""
            if missing[0] == "REFBOT_SECRET_KEY":
                from storage.encryption import NEW_KEY_COMMAND

                why = f": it encrypts the workspaces' tokens; make one with {NEW_KEY_COMMAND}"
            raise ValueError(f"{missing[0]} is required in multi-workspace OAuth mode{why}")
        self._ats_from_env()
        return self

    def _ats_from_env(self) -> None:
        """An ATS from the environment is whole, one of the two, and single-workspace only."""
        greenhouse = {
            "GREENHOUSE_CLIENT_ID": self.greenhouse_client_id,
            "GREENHOUSE_CLIENT_SECRET": self.greenhouse_client_secret,
            "GREENHOUSE_USER_ID": self.greenhouse_user_id,
        }
        lever = {"LEVER_API_KEY": self.lever_api_key, "LEVER_USER_ID": self.lever_user_id}
        given = [group for group in (greenhouse, lever) if any(group.values())]
        if len(given) > 1:
            raise ValueError("set GREENHOUSE_* or LEVER_* variables, not both: refbot uses one ATS")
        for group in given:
            missing = [name for name, value in group.items() if not value]
            if missing:
                raise ValueError(f"{missing[0]} is missing: the ATS needs {', '.join(group)}")
            if self.slack_client_id:
                raise ValueError(
                    f"{next(iter(group))}: in multi-workspace OAuth mode each workspace "
                    "connects its ATS with /refbot ats"
                )

    @property
    def oauth(self) -> bool:
        return bool(self.slack_client_id)

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """REFBOT_SECRET_KEY's keys, the encrypting one first; () when unset."""
        from storage.encryption import parse_keys

        key = self.refbot_secret_key
        return parse_keys(key.get_secret_value()) if key else ()


def load_settings(*, http: bool = True, slack: bool = True, socket: bool = False) -> Settings:
    """Read and validate the settings; raise ConfigError with one line naming the culprit.

    `http` needs the signing secret, `slack` a bot token (or OAuth), `socket` an app token.
    """
    try:
        settings = Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        where = "_".join(str(part) for part in error["loc"]).upper() or "configuration"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{where}: {message}") from None
    required = [
        name
        for name, needed in (
            ("SLACK_SIGNING_SECRET", http and not socket),
            ("SLACK_BOT_TOKEN", slack and not settings.oauth),
            ("SLACK_APP_TOKEN", socket),
        )
        if needed
    ]
    for name in required:
        if not getattr(settings, name.lower()):
            raise ConfigError(f"{name} is missing: {_EXPECTED[name]}")
    return settings


_EXPECTED = {
    "SLACK_SIGNING_SECRET": "set it to the Signing Secret (Slack app > Basic Information)",
    "SLACK_BOT_TOKEN": "set it to the Bot User OAuth Token (xoxb-...) of your Slack app",
    "SLACK_APP_TOKEN": "Socket Mode needs an app-level token (xapp-...) with connections:write",
}
