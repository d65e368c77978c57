"""Runtime configuration, validated once at start (DESIGN.md section 3)."""

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigError

SLACK_API_URL = "https://slack.com/api/"
SUPPORTED_LOCALES = ("en", "fr")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_state_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = SLACK_API_URL
    database_url: str = "sqlite:///refbot.db"
    refbot_recruiters: Annotated[tuple[str, ...], NoDecode] = ()
    refbot_sweep_seconds: int = Field(default=15, ge=1)
    refbot_locale: str = "en"
    refbot_timezone: str = "UTC"

    @field_validator("refbot_recruiters", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            ids = tuple(part.strip() for part in value.split(",") if part.strip())
            if any(not part.isalnum() or part[0] not in "UW" for part in ids):
                raise ValueError("expected comma-separated Slack user IDs like U012ABC")
            return ids
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL like https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

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

    @model_validator(mode="after")
    def _mode(self) -> "Settings":
        oauth = (self.slack_client_id, self.slack_client_secret, self.slack_state_secret)
        if any(oauth) and not all(oauth):
            missing = [
                name
                for name, value in zip(
                    ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET"),
                    oauth,
                    strict=True,
                )
                if not value
            ]
            raise ValueError(f"{missing[0]} is required in multi-workspace OAuth mode")
        return self

    @property
    def oauth(self) -> bool:
        return bool(self.slack_client_id)


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
