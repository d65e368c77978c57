"""The port through which the dispatcher sends (Slack in production, see bot.slack)."""

from collections.abc import Collection, Sequence
from typing import Literal, Protocol

from bot.rendering.blocks import Message

METADATA_EVENT = "refbot_delivery"  # Slack message metadata event_type naming our deliveries


class SendError(Exception):
    """A send that did not go through, classified for the retry policy."""

    def __init__(
        self,
        kind: Literal["rate_limited", "transient", "uncertain", "permanent"],
        reason: str,
        retry_after: float = 0.0,
    ) -> None:
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
        self, team_id: str, channel: str, delivery_ids: Collection[int]
    ) -> dict[int, str]:
        """Which of these deliveries are already in the channel's recent history (id -> ts)."""
        ...
