"""slack_sdk adapters behind refbot's ports, and the Web API client factory."""

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
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
from slack_sdk.web import SlackResponse

from bot.directory import UserProfile
from bot.errors import RefbotError
from bot.messenger import METADATA_EVENT, SendError

log = logging.getLogger("refbot.slack")
# slack_sdk logs each failed request at error level, and its retry handlers more lines: a
# client whose caller says in one line of its own what went wrong logs here, to no one.
QUIET = logging.getLogger("refbot.slack.quiet")
QUIET.setLevel(logging.CRITICAL)
QUIET.propagate = False


def web_client(token: str | None, base_url: str, *, quiet: bool = False) -> WebClient:
    """A WebClient that rides out a 429 (honouring Retry-After) and a dropped connection."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=10,
        logger=QUIET if quiet else None,
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


MAX_RETRY_SECONDS = 60.0  # between two tries to learn the bot's identity, Slack down
# How long a request waits for the bot's identity before it is answered "try again": well
# inside Slack's 3 s, whatever Slack's API is doing meanwhile.
WAIT_IN_ACK_SECONDS = 2.0
# A request that finds the identity unknown asks for an early try, at most once a second: a
# stream of requests against a Slack that refuses connections is no stream of calls.
EARLY_TRY_SECONDS = 1.0


class IdentityUnknown(RefbotError):
    """Slack has not said who the bot is (yet): the request is answered "try again"."""

    template = "common/slack_busy"


class TokenRefused(RefbotError):
    """Slack refused the bot token: nothing works until an admin sets a valid one."""

    template = "common/token_refused"


class SingleBotAuthorize(Authorize):
    """Bolt's authorization in single-workspace mode (one bot token), from one auth.test made
    as the process starts serving (`start`), off any request. Bolt's own SingleTeamAuthorization
    makes that call in the ack of the first request of each process, and every request that
    arrives meanwhile makes it too: Slack's latency, and its bad days, in a 3 s answer.

    Only the background thread ever calls Slack. A request that comes before the answer waits
    for it (at most `wait_in_ack`), cutting the thread's backoff short, and is then answered
    "try again" (IdentityUnknown) rather than held past Slack's 3 s."""

    def __init__(
        self,
        client: WebClient,
        *,
        retry_seconds: float = 5.0,
        wait_in_ack: float = WAIT_IN_ACK_SECONDS,
        early_try: float = EARLY_TRY_SECONDS,
    ) -> None:
        self.client = client
        self._retry_seconds, self._wait_in_ack = retry_seconds, wait_in_ack
        self._early_try = min(early_try, retry_seconds)
        self._identity: SlackResponse | None = None  # auth.test's answer, once Slack gave one
        self._refused: str | None = None  # Slack's error code, when it refused the token
        self._settled = threading.Event()  # identity known, or the token refused
        self._hurry = threading.Event()  # a request is waiting: try again sooner
        self._stopping = threading.Event()
        self._starting = threading.Lock()
        self._learning = threading.Thread(target=self._learn, name="refbot-identity", daemon=True)

    def start(self) -> None:
        """Learn who the bot is in the background, asking again until Slack answers (once,
        however many callers say the process will answer Slack)."""
        with self._starting:
            if self._learning.ident is None:  # never started
                self._learning.start()

    def stop(self) -> None:
        self._stopping.set()
        self._hurry.set()

    def known(self) -> bool:
        """Whether Slack has said who the bot is."""
        return self._identity is not None

    def _learn(self) -> None:
        wait = self._retry_seconds
        while not self._stopping.is_set():
            self._hurry.clear()  # this try serves whoever was waiting
            try:
                self._identity = self.client.auth_test()
                self._settled.set()
                return
            except SlackApiError as error:
                code = error.response.get("error") or error.response.status_code
                if code in UNAUTHORIZED_ERRORS:  # asking again won't do
                    log.error("SLACK_BOT_TOKEN: Slack refused it (%s)", code)
                    self._refused = str(code)
                    self._settled.set()
                    return
                self._retrying(f"Slack answered {code}", wait)
            except Exception as error:  # Slack down, slow, cut off mid-answer: a later try may do
                self._retrying(unreachable_reason(error), wait)
            # The backoff, cut short (never below `early_try`) by a request that waits.
            if not self._stopping.wait(self._early_try):
                self._hurry.wait(wait - self._early_try)
            wait = min(wait * 2, MAX_RETRY_SECONDS)

    def _retrying(self, reason: str, wait: float) -> None:
        log.warning(
            "cannot learn the bot's identity from Slack at %s (%s): trying again in %g s",
            self.client.base_url,
            reason,
            wait,
        )

    def __call__(self, *, user_id: str | None, **_: Any) -> AuthorizeResult:
        if (identity := self._identity) is None:
            self._hurry.set()
            self._settled.wait(self._wait_in_ack)
            if self._refused is not None:
                raise TokenRefused(self._refused)
            if (identity := self._identity) is None:
                raise IdentityUnknown()
        return AuthorizeResult(
            enterprise_id=identity.get("enterprise_id"),
            team_id=identity.get("team_id"),
            bot_id=identity.get("bot_id"),
            bot_user_id=identity.get("user_id"),
            bot_token=self.client.token,
            bot_scopes=identity.headers.get("x-oauth-scopes"),
            user_id=user_id,
        )


def unreachable_reason(error: Exception) -> str:
    """What went wrong, in a few words: "Connection refused", "timed out"..."""
    cause = getattr(error, "reason", error)  # URLError wraps the socket's own error
    if isinstance(cause, OSError):
        return cause.strerror or str(cause) or type(cause).__name__
    return str(cause) or type(error).__name__


# users.info's answers that mean Slack does not know the user (not that it could not say).
UNKNOWN_USER_ERRORS = frozenset({"user_not_found", "user_not_visible"})


class SlackDirectory:
    """The people directory, read from users.info."""

    def __init__(self, client_for: Callable[[str], WebClient]) -> None:
        self.client_for = client_for

    def user_profile(self, team_id: str, user_id: str) -> UserProfile | None:
        """None only when Slack says it does not know the user. Any other failure (a transient
        error, a rate limit, no working token) raises: an empty answer would be stored as the
        fresh profile, and the person would lose their language and time zone for a day."""
        try:
            client = self.client_for(team_id)
            user = client.users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as error:
            code = error.response.get("error")
            log.warning("users.info failed user=%s error=%s", user_id, code)
            if code in UNKNOWN_USER_ERRORS:
                return None
            raise
        return UserProfile(
            user_id=user_id,
            name=user.get("real_name") or user.get("name") or user_id,
            locale=user.get("locale"),
            tz=user.get("tz"),
            deleted=bool(user.get("deleted")),
            email=(user.get("profile") or {}).get("email"),
        )

    def user_id_for_email(self, team_id: str, email: str) -> str | None:
        """The Slack user with this email (users.lookupByEmail, users:read.email): an ATS's
        hiring managers and recruiters become refbot's by it. None when Slack knows nobody;
        raises when Slack could not say."""
        try:
            user = self.client_for(team_id).users_lookupByEmail(email=email)["user"]
        except SlackApiError as error:
            if error.response.get("error") in ("users_not_found", *UNKNOWN_USER_ERRORS):
                return None
            raise
        return None if user.get("deleted") or user.get("is_bot") else str(user["id"])


# Slack's error codes, by what they mean for a delivery. Sources: the "Errors" tables of
# https://api.slack.com/methods/chat.postMessage#errors and of conversations.open,
# conversations.history and chat.update (same page layout). Any code not listed is unknown: it
# is retried a few times and then fails with the code (bot.dispatcher), never silently.

# Sending again can never work: the delivery fails at once and admins are told why.
PERMANENT_ERRORS = frozenset(
    {
        # the person or the conversation
        "user_not_found",
        "user_not_visible",
        "user_disabled",
        "cannot_dm_bot",
        "invalid_user_combination",
        "users_list_not_supplied",
        "not_enough_users",
        "too_many_users",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "messages_tab_disabled",
        "method_not_supported_for_channel_type",
        "no_permission",  # "make sure your app is a member of the conversation"
        "access_denied",
        "team_access_not_granted",
        "ekm_access_denied",
        "enterprise_is_restricted",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "restricted_action_thread_locked",
        "cannot_reply_to_message",
        "slack_connect_file_link_sharing_blocked",
        "slack_connect_canvas_sharing_blocked",
        "slack_connect_lists_sharing_blocked",
        # the message itself: the same message would be refused again
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_blocks_format",
        "too_many_attachments",
        "too_many_contact_cards",
        "attachment_payload_limit_exceeded",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "metadata_must_be_sent_from_app",
        "duplicate_channel_not_found",
        "duplicate_message_not_found",
        "as_user_not_supported",
        "cant_update_message",
        "edit_window_closed",
        "message_not_found",
        # the request: refbot's bug, not Slack's mood
        "invalid_arguments",
        "invalid_arg_name",
        "invalid_array_arg",
        "invalid_charset",
        "invalid_form_data",
        "invalid_post_type",
        "missing_post_type",
        "invalid_json",
        "json_not_object",
        "method_deprecated",
        "deprecated_endpoint",
        "not_allowed_token_type",
        "two_factor_setup_required",
    }
)
# Slack's side, for a while: retried with backoff.
TRANSIENT_ERRORS = frozenset(
    {
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",  # "intermittently unavailable until the transition is complete"
        "org_login_required",  # an Enterprise migration in progress
        "message_limit_exceeded",  # a free workspace's usage limit, lifted with time
    }
)
# "It's possible some aspect of the operation succeeded before the error was raised": a post
# that ends with one of these is looked for in history before it is sent again.
MAYBE_DONE_ERRORS = frozenset({"internal_error", "fatal_error"})
RATE_LIMITED_ERRORS = frozenset({"ratelimited", "rate_limited"})
# The workspace's token does not work (revoked, uninstalled, an install without a scope we now
# need): nothing is wrong with the message, which waits for a token that works. For a bot token,
# account_inactive means the token's workspace or bot user is deleted, not the recipient.
UNAUTHORIZED_ERRORS = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "not_installed",
        "missing_scope",
        "accesslimited",  # the token may not be used from this network (IP allowlist)
    }
)
DEFAULT_RETRY_AFTER = 30.0  # seconds, when a rate limit comes without Retry-After
HISTORY_PAGE = 200  # messages per conversations.history page (Slack allows up to 999)
HISTORY_PAGES = 25  # a lookup stops after this many pages (5000 messages) and says so
# Slack's clock and ours may disagree a little: history is read from a bit before the earliest
# moment the delivery could have been posted.
HISTORY_SKEW = timedelta(minutes=10)
DM_CACHE_SIZE = 50_000


def dispatch_client(token: str | None, base_url: str) -> WebClient:
    """A client with no automatic retries: the dispatcher decides, so a timed-out post is
    checked against history instead of being blindly re-sent."""
    return WebClient(token=token, base_url=base_url, timeout=10, retry_handlers=[])


def classify(code: str, *, uncertain: bool = False) -> SendError:
    """The SendError for an `ok: false` answer with error `code` (any HTTP status)."""
    if code in RATE_LIMITED_ERRORS:
        return SendError("rate_limited", code, DEFAULT_RETRY_AFTER)
    if code in UNAUTHORIZED_ERRORS:
        return SendError("unauthorized", code)
    if code in PERMANENT_ERRORS:
        return SendError("permanent", code)
    if code in TRANSIENT_ERRORS:
        maybe_done = uncertain and code in MAYBE_DONE_ERRORS
        return SendError("uncertain" if maybe_done else "transient", code)
    return SendError("unknown", code or "no error code")


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
        self, team_id: str, channel: str, delivery_ids: Collection[int], *, since: datetime
    ) -> dict[int, str]:
        """Page back through the conversation to `since` (a busy channel holds more than one
        page between the post and now). Needs the history scope of the conversation's type:
        im:history, mpim:history, groups:history or channels:history."""
        wanted = {str(i) for i in delivery_ids}
        found: dict[int, str] = {}
        cursor = ""
        oldest = f"{(since - HISTORY_SKEW).timestamp():.6f}"
        for _ in range(HISTORY_PAGES):
            try:
                answer = self._call(
                    "conversations.history",
                    team_id,
                    channel=channel,
                    oldest=oldest,
                    limit=HISTORY_PAGE,
                    include_all_metadata=True,
                    **({"cursor": cursor} if cursor else {}),
                )
            except SendError as error:
                if error.reason == "missing_scope":  # the install predates the history scopes:
                    raise SendError("transient", error.reason) from None  # not the token's fault
                raise
            for item in answer.get("messages", []):
                metadata = item.get("metadata") or {}
                if metadata.get("event_type") != METADATA_EVENT:
                    continue
                ids = str(metadata.get("event_payload", {}).get("delivery_ids", "")).split(",")
                found.update({int(i): item["ts"] for i in ids if i in wanted})
            cursor = (answer.get("response_metadata") or {}).get("next_cursor") or ""
            if wanted <= {str(i) for i in found} or not answer.get("has_more") or not cursor:
                return found
        # Not knowing is not "not there": the caller retries rather than posts again.
        raise SendError("transient", f"more than {HISTORY_PAGES} pages of history")

    def call(self, method: str, team_id: str, **args: Any) -> Any:
        """Any other method (views.update), classified like a post that cannot be doubled."""
        return self._call(method, team_id, **args)

    def form_call(self, method: str, team_id: str, *, uncertain: bool = False, **args: Any) -> Any:
        """A method that takes form fields, not JSON (the files API), classified like a post."""
        return self._call(method, team_id, uncertain=uncertain, _form=True, **args)

    def _call(
        self,
        method: str,
        team_id: str,
        *,
        uncertain: bool = False,
        _form: bool = False,
        **args: Any,
    ) -> Any:
        try:
            client = self.client_for(team_id)
            return (
                client.api_call(method, params=args)
                if _form
                else client.api_call(method, json=args)
            )
        except SlackApiError as error:
            response = error.response
            code = str(response.get("error") or "") if isinstance(response.data, dict) else ""
            if response.status_code == 429 or code in RATE_LIMITED_ERRORS:
                wait = _retry_after(response.headers)
                raise SendError("rate_limited", code or "ratelimited", wait) from None
            if response.status_code >= 500:
                kind = "uncertain" if uncertain else "transient"
                raise SendError(kind, code or f"Slack answered {response.status_code}") from None
            raise classify(code, uncertain=uncertain) from None
        except NotInstalled:
            raise SendError("unauthorized", "not_installed") from None
        except OSError as error:  # refused, reset, timed out: the post may have gone through
            kind = "uncertain" if uncertain else "transient"
            raise SendError(kind, type(error).__name__) from None


def _retry_after(headers: Any) -> float:
    """Slack's Retry-After in seconds (any header case; a list of values or one)."""
    for name, value in dict(headers or {}).items():
        if str(name).lower() == "retry-after":
            first = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(float(first), 1.0)
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER
