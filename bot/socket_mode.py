"""Socket Mode (`refbot run`): the same Bolt app as HTTP mode, over Slack's WebSocket.

https://api.slack.com/apis/connections/socket
"""

import itertools
import logging
import threading

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import Runtime
from bot.errors import ConfigError
from bot.slack import QUIET, unreachable_reason

log = logging.getLogger("refbot.socket")

# The builtin client pings every PING_SECONDS and gives a connection up as stale after four
# unanswered intervals. Its session monitor runs on the same interval, and it is what reconnects
# after Slack closes the socket, so this is also the longest reconnect delay.
PING_SECONDS = 5.0
# Each recv() chunk of a frame costs the builtin parser one level of recursion: 64 KiB chunks
# keep a large view_submission (100 blocks plus state) far from Python's recursion limit.
RECEIVE_BUFFER_BYTES = 64 * 1024
# What apps.connections.open answers when the app-level token itself is wrong.
_TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked", "account_inactive"}
)
# Slack's own trouble, for a while (https://api.slack.com/methods/apps.connections.open#errors).
_SLACK_TROUBLE = frozenset({"internal_error", "fatal_error", "service_unavailable"})
# Pauses between attempts while Slack cannot be reached; the last one repeats. A supervisor
# restarting a process that exits at once would give up after a few tries (systemd's start
# limit), so `refbot run` waits here instead, as the connected client does after a drop.
RETRY_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
# apps.connections.open goes through a client of its own that says nothing and never retries,
# so that one attempt is one line (`connect_patiently`'s).


class SlackUnreachable(Exception):
    """Slack could not be reached (network, DNS, TLS, a timeout) or could not serve for now."""


def connect(
    runtime: Runtime, app_token: str, *, ping_interval: float = PING_SECONDS
) -> SocketModeHandler:
    """Open the Socket Mode connection for runtime's Bolt app; `close()` the handler to stop.

    The WebSocket URL comes from apps.connections.open at `runtime.bolt.client`'s base URL, so
    it honours SLACK_API_URL. Raises ConfigError when Slack refuses the app token, and
    SlackUnreachable when Slack cannot be reached.
    """
    runtime.answer_slack()  # the bot's identity, learnt off the requests (while this connects)
    template = runtime.bolt.client
    connections = WebClient(
        base_url=template.base_url,
        timeout=template.timeout,
        ssl=template.ssl,
        proxy=template.proxy,
        logger=QUIET,
    )
    handler = SocketModeHandler(
        runtime.bolt,
        app_token,
        logger=log,
        web_client=connections,
        auto_reconnect_enabled=True,  # a closed socket or a `disconnect`: fetch a new URL
        ping_interval=ping_interval,
        receive_buffer_size=RECEIVE_BUFFER_BYTES,
    )
    try:
        handler.connect()
    except BaseException as error:
        handler.close()  # its reader, monitor and worker threads started with it
        if isinstance(error, SlackApiError):
            code = error.response.get("error")
            if code in _TOKEN_ERRORS:
                raise ConfigError(f"SLACK_APP_TOKEN: Slack refused it ({code})") from None
            if code in _SLACK_TROUBLE or error.response.status_code >= 500:
                status = error.response.status_code
                raise SlackUnreachable(f"Slack answered {code or status}") from None
        elif isinstance(error, OSError):  # urllib's URLError, a timeout, a refused connection
            raise SlackUnreachable(unreachable_reason(error)) from None
        raise
    return handler


def connect_patiently(
    runtime: Runtime,
    app_token: str,
    *,
    stop: threading.Event,
    ping_interval: float = PING_SECONDS,
    pauses: tuple[float, ...] = RETRY_SECONDS,
) -> SocketModeHandler | None:
    """`connect`, trying again while Slack cannot be reached: one log line per failed attempt,
    then a pause (RETRY_SECONDS). None when `stop` is set before it could connect; a refused
    app token raises ConfigError at once (trying again would not help)."""
    url = runtime.bolt.client.base_url
    for attempt in itertools.count():
        try:
            return connect(runtime, app_token, ping_interval=ping_interval)
        except SlackUnreachable as error:
            pause = pauses[min(attempt, len(pauses) - 1)]
            log.warning("cannot reach Slack at %s (%s): trying again in %g s", url, error, pause)
            if stop.wait(pause):
                return None
    raise AssertionError("unreachable")  # itertools.count() never ends
