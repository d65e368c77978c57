"""slack_sdk adapters behind refbot's ports, and the Web API client factory."""

import logging
from collections.abc import Callable, Collection, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.directory import UserProfile
from bot.messenger import METADATA_EVENT, SendError

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


# Errors after which sending again can never work (https://api.slack.com/methods/chat.postMessage)
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "account_inactive",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_disabled",
        "cannot_dm_bot",
        "invalid_auth",
        "token_revoked",
        "missing_scope",
    }
)
HISTORY_LOOKBACK = 200  # messages; a DM with the bot holds only refbot's own messages
DM_CACHE_SIZE = 50_000


def dispatch_client(token: str | None, base_url: str) -> WebClient:
    """A client with no automatic retries: the dispatcher decides, so a timed-out post is
    checked against history instead of being blindly re-sent."""
    return WebClient(token=token, base_url=base_url, timeout=10, retry_handlers=[])


class SlackMessenger:
    """The dispatcher's Messenger on the Slack Web API."""

    def __init__(self, client_for: Callable[[str], WebClient]) -> None:
        self.client_for = client_for
        self._dm_channels: dict[tuple[str, str], str] = {}  # a bot's DM with a user never changes

    def channel_for(self, team_id: str, recipient: str) -> str:
        if recipient[:1] not in ("U", "W"):
            return recipient  # a channel
        # "U1,U2": a group DM (conversations.open with several users gives the same one back).
        key = (team_id, recipient)
        if key not in self._dm_channels:
            answer = self._call("conversations.open", team_id, users=recipient)
            if len(self._dm_channels) >= DM_CACHE_SIZE:
                self._dm_channels.clear()
            self._dm_channels[key] = answer["channel"]["id"]
        return self._dm_channels[key]

    def post(
        self, team_id: str, channel: str, message: dict[str, Any], delivery_ids: Sequence[int]
    ) -> str:
        metadata = {
            "event_type": METADATA_EVENT,
            "event_payload": {"delivery_ids": ",".join(str(i) for i in delivery_ids)},
        }
        answer = self._call(
            "chat.postMessage",
            team_id,
            uncertain=True,
            channel=channel,
            metadata=metadata,
            **message,
        )
        return str(answer["ts"])

    def update(self, team_id: str, channel: str, ts: str, message: dict[str, Any]) -> None:
        self._call("chat.update", team_id, channel=channel, ts=ts, **message)

    def delivered(
        self, team_id: str, channel: str, delivery_ids: Collection[int]
    ) -> dict[int, str]:
        wanted = {str(i) for i in delivery_ids}
        answer = self._call(
            "conversations.history",
            team_id,
            channel=channel,
            limit=HISTORY_LOOKBACK,
            include_all_metadata=True,
        )
        found: dict[int, str] = {}
        for item in answer.get("messages", []):
            metadata = item.get("metadata") or {}
            if metadata.get("event_type") != METADATA_EVENT:
                continue
            ids = str(metadata.get("event_payload", {}).get("delivery_ids", "")).split(",")
            found.update({int(i): item["ts"] for i in ids if i in wanted})
        return found

    def _call(self, method: str, team_id: str, *, uncertain: bool = False, **args: Any) -> Any:
        try:
            return self.client_for(team_id).api_call(method, json=args)
        except SlackApiError as error:
            response = error.response
            code = str(response.get("error") or "")
            if response.status_code == 429:
                retry_after = float(response.headers.get("Retry-After", 1))
                raise SendError("rate_limited", "rate limited", retry_after) from None
            if response.status_code >= 500:
                kind = "uncertain" if uncertain else "transient"
                raise SendError(kind, f"Slack answered {response.status_code}") from None
            if code in PERMANENT_ERRORS:
                raise SendError("permanent", code) from None
            raise SendError("permanent", code or f"HTTP {response.status_code}") from None
        except OSError as error:  # refused, reset, timed out: the post may have gone through
            kind = "uncertain" if uncertain else "transient"
            raise SendError(kind, type(error).__name__) from None
