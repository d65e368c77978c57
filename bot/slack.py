"""slack_sdk adapters behind refbot's ports, and the Web API client factory."""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.directory import UserProfile

log = logging.getLogger("refbot.slack")


def web_client(token: str | None, base_url: str) -> WebClient:
    """A WebClient that rides out a 429 (honouring Retry-After) and a dropped connection."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


class SlackDirectory:
    """The people directory, read from users.info."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def user_profile(self, team_id: str, user_id: str) -> UserProfile | None:
        try:
            user = self.client.users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as error:
            log.warning("users.info failed user=%s error=%s", user_id, error.response.get("error"))
            return None
        return UserProfile(
            user_id=user_id,
            name=user.get("real_name") or user.get("name") or user_id,
            locale=user.get("locale"),
            tz=user.get("tz"),
            deleted=bool(user.get("deleted")),
        )
