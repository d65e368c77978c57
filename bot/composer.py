"""What a delivery says, decided at send time from current state (DESIGN.md section 6.2).

Each feature registers a composer for its kinds; a composer returns None when the message no
longer applies (the row is then cancelled instead of sent).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot import rendering
from bot.rendering.blocks import Message
from storage.types import DeliveryKind


@dataclass(frozen=True)
class Due:
    """A claimed delivery, as plain values."""

    id: int
    team_id: str
    kind: DeliveryKind
    subject: str
    recipient: str
    due_at: datetime
    payload: dict[str, Any]
    attempts: int
    uncertain: bool  # an earlier send may have reached Slack: look before sending again
    late_by: timedelta | None = None


Compose = Callable[[Due, str], Message | None]
T = TypeVar("T")


def composed(content: Callable[[Due], T | None], render: Callable[[str, T], Message]) -> Compose:
    """A composer from a service query (None: nothing to say any more) and a renderer."""

    def compose(due: Due, locale: str) -> Message | None:
        found = content(due)
        return None if found is None else render(locale, found)

    return compose


def compose_notice(due: Due, locale: str) -> Message:
    return rendering.notice(locale, due.payload["template"], due.payload.get("context", {}))


class Composer:
    def __init__(self) -> None:
        self._by_kind: dict[DeliveryKind, Compose] = {DeliveryKind.NOTICE: compose_notice}

    def register(self, kind: DeliveryKind, compose: Compose) -> None:
        self._by_kind[kind] = compose

    def compose(self, due: Due, locale: str) -> Message | None:
        """The message for `due` in `locale`, or None when it no longer applies."""
        compose = self._by_kind.get(due.kind)
        if compose is None:
            raise LookupError(f"no composer for delivery kind {due.kind}")
        return compose(due, locale)
