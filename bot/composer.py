"""What a delivery says, decided at send time from current state (DESIGN.md section 6.2).

Each feature registers a composer for its kinds; a composer returns None when the message no
longer applies (the row is then cancelled instead of sent).
"""

from collections.abc import Callable
from typing import TypeVar

from bot import rendering
from bot.outbox import Due
from bot.rendering.blocks import Message
from storage.types import DeliveryKind

Compose = Callable[[Due, str], Message | None]
T = TypeVar("T")


def composed(content: Callable[[Due], T | None], render: Callable[[str, T], Message]) -> Compose:
    """A composer from a service query (None: nothing to say any more) and a renderer."""

    def compose(due: Due, locale: str) -> Message | None:
        found = content(due)
        return None if found is None else render(locale, found)

    return compose


class Composer:
    def __init__(self) -> None:
        self._by_kind: dict[DeliveryKind, Compose] = {DeliveryKind.NOTICE: self._notice}
        self._notices: dict[str, Compose] = {}

    def register(self, kind: DeliveryKind, compose: Compose) -> None:
        self._by_kind[kind] = compose

    def register_notice(self, render: str, compose: Compose) -> None:
        """Notices whose payload says {"render": render} (cards, status updates) use this."""
        self._notices[render] = compose

    def _notice(self, due: Due, locale: str) -> Message | None:
        render = due.payload.get("render")
        if render is not None:
            return self._notices[render](due, locale)
        return rendering.notice(locale, due.payload["template"], due.payload.get("context", {}))

    def compose(self, due: Due, locale: str) -> Message | None:
        """The message for `due` in `locale`, or None when it no longer applies."""
        compose = self._by_kind.get(due.kind)
        if compose is None:
            raise LookupError(f"no composer for delivery kind {due.kind}")
        return compose(due, locale)
