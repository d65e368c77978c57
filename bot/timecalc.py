"""When reminders fall due: calendar arithmetic in the recipient's time zone, DST-safe.

Pure functions: nothing here reads the clock or does I/O; "now" is always an argument (see
`bot.clock`). Instants going in must be timezone-aware and instants coming out are aware UTC,
which is what the database stores and the dispatcher compares.
"""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TzLike = str | ZoneInfo
"""A time zone as callers hold it: an IANA name (e.g. from Slack's `users.info`) or a ZoneInfo."""

DEFAULT_AT = time(9)
"""Reminders are delivered at the start of the recipient's working day."""

LATE_AFTER = timedelta(hours=1)
"""A delivery this much past due is shown as late; a sweep interval's delay is not worth noting."""

_STEP = timedelta(microseconds=1)  # datetime's resolution, so the gap search is exact


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months (may be negative), clamped to the month's last day."""
    _require_date(day)
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_business_days(day: date, days: int) -> date:
    """The `days`-th Monday-Friday after `day` (no holidays); 0 returns `day` itself."""
    _require_date(day)
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    if days == 0:
        return day
    # Counting starts on the day after `day`, so a weekend start counts exactly like the Friday
    # before it: Friday, Saturday and Sunday + 1 are all Monday.
    if day.weekday() > 4:
        day -= timedelta(days=day.weekday() - 4)
    weeks, rest = divmod(days, 5)
    result = day + timedelta(days=7 * weeks + rest)
    if day.weekday() + rest > 4:  # the remainder crosses a weekend
        result += timedelta(days=2)
    return result


def local_instant(day: date, tz: TzLike, at: time = DEFAULT_AT) -> datetime:
    """The aware UTC instant of wall time `at` on local date `day` in `tz` (gap-safe, see below).

    A wall time skipped by a spring-forward gap becomes the first instant after the gap (02:30
    on the US spring-forward day is 03:00); an ambiguous one in a fall-back overlap becomes its
    first occurrence.
    """
    _require_date(day)
    if at.tzinfo is not None:
        raise ValueError("at must be a naive wall-clock time; the zone is given by tz")
    zone_ = _as_zone(tz)
    wall = datetime.combine(day, at).replace(fold=0)  # fold=0: the first of two occurrences
    instant = wall.replace(tzinfo=zone_).astimezone(UTC)
    if _wall(instant, zone_) == wall:
        return instant
    return _end_of_gap(wall, zone_)


def local_date(instant: datetime, tz: TzLike) -> date:
    """The date it is in `tz` at the aware `instant`."""
    _require_aware(instant, "instant")
    return instant.astimezone(_as_zone(tz)).date()


def in_months(now: datetime, months: int, tz: TzLike, at: time = DEFAULT_AT) -> datetime:
    """`at` (local) on the recipient's today + `months` calendar months, as aware UTC."""
    _require_aware(now, "now")
    zone_ = _as_zone(tz)
    return local_instant(add_months(local_date(now, zone_), months), zone_, at)


def in_business_days(now: datetime, days: int, tz: TzLike, at: time = DEFAULT_AT) -> datetime:
    """`at` (local) on the recipient's today + `days` business days, as aware UTC."""
    _require_aware(now, "now")
    zone_ = _as_zone(tz)
    return local_instant(add_business_days(local_date(now, zone_), days), zone_, at)


def on_date(day: date, tz: TzLike, at: time = DEFAULT_AT) -> datetime:
    """`at` (local) on a date the user picked, as aware UTC; same rules as `local_instant`."""
    return local_instant(day, tz, at)


def describe_lateness(due: datetime, now: datetime) -> timedelta | None:
    """How late a delivery due at `due` is at `now`, or None if less than `LATE_AFTER`."""
    _require_aware(due, "due")
    _require_aware(now, "now")
    delay = now - due
    return delay if delay >= LATE_AFTER else None


def zone(name: str | None, fallback: str) -> ZoneInfo:
    """ZoneInfo(name), or ZoneInfo(fallback) when name is missing, empty or not a known zone."""
    if name:
        try:
            return ZoneInfo(name)
        # Names come from Slack profiles and admins: unknown keys raise ZoneInfoNotFoundError,
        # malformed ones ValueError, and a key naming a non-zone file can raise either.
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    return ZoneInfo(fallback)


def _end_of_gap(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first instant whose local wall time is >= `wall`, a time skipped by a transition."""
    # zoneinfo reads a skipped wall time with the offset from before the transition for fold=0,
    # which lands after the gap, and the offset from after it for fold=1, which lands before the
    # gap; the transition lies in between, so bisect for it.
    lo = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    hi = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if not _wall(lo, tz) < wall <= _wall(hi, tz):
        raise AssertionError(f"no transition brackets {wall} in {tz}")  # broken zone data
    while hi - lo > _STEP:
        mid = lo + (hi - lo) / 2
        if _wall(mid, tz) >= wall:
            hi = mid
        else:
            lo = mid
    return hi


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive local wall time in `tz` at the aware `instant`."""
    return instant.astimezone(tz).replace(tzinfo=None)


def _as_zone(tz: TzLike) -> ZoneInfo:
    """`tz` as a ZoneInfo; unknown names raise ZoneInfoNotFoundError (`zone` falls back)."""
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _require_aware(value: datetime, name: str) -> None:
    """Raise ValueError unless `value` is a timezone-aware datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def _require_date(day: date) -> None:
    """Raise ValueError for a datetime where a calendar date is expected."""
    # datetime subclasses date, so it would slip through and keep its (possibly naive) time.
    if isinstance(day, datetime):
        raise ValueError(f"expected a date, got datetime {day!r}; convert with local_date()")
