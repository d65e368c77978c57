"""Domain services: plain values in, frozen dataclasses out; they never see Slack payloads."""

from dataclasses import dataclass
from typing import Any, Self

from bot.services.home import Home
from bot.services.members import Members


@dataclass(frozen=True)
class Services:
    members: Members
    home: Home

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        # Bolt deep-copies the request context for lazy listeners; the services (and the engine
        # and connection pool behind them) are shared, thread-safe singletons.
        return self
