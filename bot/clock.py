"""The one source of "now" in refbot.

Everything asks this module (or receives `now` as a constructor argument) instead of calling
`datetime.now()` or SQL `now()`, so tests move time with time-machine instead of sleeping.
"""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)
