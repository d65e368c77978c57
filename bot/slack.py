"""slack_sdk adapters behind refbot's ports, and the Web API client factory."""

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store import InstallationStore

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


class NotInstalled(Exception):
    """The workspace has no bot token: never installed, uninstalled, or its token revoked."""


CLIENT_TTL_SECONDS = 60.0  # how long a replica may use a token after another one deleted it


class TeamClients:
    """The Web API client of a workspace: the one bot token (single-workspace mode), or the
    token its OAuth installation holds, looked up at most once a minute per team."""

    def __init__(
        self,
        make: Callable[[str | None], WebClient],
        *,
        token: str | None = None,
        installations: InstallationStore | None = None,
    ) -> None:
        self._make = make
        self._installations = installations
        self._single = None if installations else make(token)
        self._cache: dict[str, tuple[WebClient, float]] = {}
        self._lock = threading.Lock()

    def __call__(self, team_id: str) -> WebClient:
        if self._single is not None:
            return self._single
        assert self._installations is not None
        with self._lock:
            cached = self._cache.get(team_id)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        bot = self._installations.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise NotInstalled(team_id)
        client = self._make(bot.bot_token)
        with self._lock:
            self._cache[team_id] = (client, time.monotonic() + CLIENT_TTL_SECONDS)
        return client

    def forget(self, team_id: str) -> None:
        with self._lock:
            self._cache.pop(team_id, None)


class InstalledBotAuthorize(Authorize):
    """Bolt's authorization in OAuth mode, from the stored installation alone. Bolt's own
    InstallationStoreAuthorize calls auth.test first: a Slack call before the ack."""

    def __init__(self, installations: InstallationStore) -> None:
        self.installations = installations

    def __call__(
        self,
        *,
        context: Any,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: Any,
    ) -> AuthorizeResult | None:
        bot = self.installations.find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None or not bot.bot_token:
            return None  # Bolt answers with its "please reinstall" message
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )


class SlackDirectory:
    """The people directory, read from users.info."""

    def __init__(self, client_for: Callable[[str], WebClient]) -> None:
        self.client_for = client_for

    def user_profile(self, team_id: str, user_id: str) -> UserProfile | None:
        try:
            client = self.client_for(team_id)
            user = client.users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as error:
            log.warning("users.info failed user=%s error=%s", user_id, error.response.get("error"))
            return None
        except NotInstalled:
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
        "not_installed",
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
        except NotInstalled:
            raise SendError("permanent", "not_installed") from None
        except OSError as error:  # refused, reset, timed out: the post may have gone through
            kind = "uncertain" if uncertain else "transient"
            raise SendError(kind, type(error).__name__) from None
