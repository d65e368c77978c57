"""The port through which the dispatcher sends (Slack in production, see bot.slack)."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Literal, Protocol

from bot.rendering.blocks import Message

METADATA_EVENT = "refbot_delivery"  # Slack message metadata event_type naming our deliveries

# How a failed send is retried (bot.dispatcher decides when):
# - rate_limited: after Retry-After, no attempt counted;
# - transient: Slack's side or the network failed before the message could go out: backoff;
# - uncertain: the message may have gone out (a timeout, a 5xx): look in history before again;
# - unauthorized: the workspace's token does not work (revoked, uninstalled): the message
#   waits, without counting attempts, until refbot has a token that works;
# - unknown: an error code refbot does not know: a few tries, then failed with the code;
# - unverified: an earlier send may have gone out and history could not tell: looked for again
#   with backoff, never failed (failing could lose the message, sending could double it);
# - permanent: sending again can never work (the person left, the channel is gone): failed.
SendErrorKind = Literal[
    "rate_limited", "transient", "uncertain", "unauthorized", "unknown", "unverified", "permanent"
]


class SendError(Exception):
    """A send that did not go through, classified for the retry policy."""

    def __init__(self, kind: SendErrorKind, reason: str, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.retry_after = retry_after


class Messenger(Protocol):
    """Where messages go (Slack in production; the port keeps the engine testable)."""

    def channel_for(self, team_id: str, recipient: str) -> str: ...

    def post(
        self, team_id: str, channel: str, message: Message, delivery_ids: Sequence[int]
    ) -> str:
        """Post and return the message ts; raise SendError."""
        ...

    def update(self, team_id: str, channel: str, ts: str, message: Message) -> None:
        """Replace a message refbot sent earlier (cards that follow the candidate's status)."""
        ...

    def delivered(
        self, team_id: str, channel: str, delivery_ids: Collection[int], *, since: datetime
    ) -> dict[int, str]:
        """Which of these deliveries are in the channel's history since `since` (id -> ts)."""
        ...
