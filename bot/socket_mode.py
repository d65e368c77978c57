"""Socket Mode (`refbot run`): the same Bolt app as HTTP mode, over Slack's WebSocket.

https://api.slack.com/apis/connections/socket
"""

import logging

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError

from bot.app import Runtime
from bot.errors import ConfigError

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


def connect(
    runtime: Runtime, app_token: str, *, ping_interval: float = PING_SECONDS
) -> SocketModeHandler:
    """Open the Socket Mode connection for runtime's Bolt app; `close()` the handler to stop.

    The WebSocket URL comes from apps.connections.open through `runtime.bolt.client`, so it
    honours SLACK_API_URL. Raises ConfigError when Slack refuses the app token.
    """
    handler = SocketModeHandler(
        runtime.bolt,
        app_token,
        logger=log,
        auto_reconnect_enabled=True,  # a closed socket or a `disconnect`: fetch a new URL
        ping_interval=ping_interval,
        receive_buffer_size=RECEIVE_BUFFER_BYTES,
    )
    try:
        handler.connect()
    except BaseException as error:
        handler.close()  # its reader, monitor and worker threads started with it
        code = error.response.get("error") if isinstance(error, SlackApiError) else None
        if code in _TOKEN_ERRORS:
            raise ConfigError(f"SLACK_APP_TOKEN: Slack refused it ({code})") from None
        raise
    return handler
