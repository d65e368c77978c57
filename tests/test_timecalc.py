"""bot.timecalc: worked examples around DST and odd offsets, then properties over many dates."""

import calendar
import time as host_clock
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.timecalc import (
    LATE_AFTER,
    add_business_days,
    add_months,
    describe_lateness,
    in_business_days,
    in_months,
    local_date,
    local_instant,
    on_date,
    zone,
)

NINE = time(9)
MICROSECOND = timedelta(microseconds=1)
FRIDAY = date(2026, 11, 6)

ZONES = [
    "America/New_York",
    "Europe/Paris",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # DST shifts by 30 minutes
    "Asia/Kolkata",
    "Asia/Kathmandu",  # +05:45
    "America/Sao_Paulo",
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/St_Johns",  # -03:30; moved its transitions from 00:01 to 02:00 in 2011
    "Africa/Casablanca",  # DST suspended for Ramadan, negative DST since 2018
    "UTC",
]

fast = settings(deadline=None)
zone_names = st.sampled_from(ZONES)
# Callers pass names (from Slack profiles) or ZoneInfo objects; both must behave the same.
tz_likes = zone_names.flatmap(lambda name: st.sampled_from([name, ZoneInfo(name)]))
dates = st.dates(date(1990, 1, 1), date(2060, 12, 31))
# The zone `now` happens to carry must not matter, only the instant.
nows = st.datetimes(
    datetime(1990, 1, 1),
    datetime(2060, 12, 31),
    timezones=st.sampled_from([UTC, ZoneInfo("Asia/Tokyo"), ZoneInfo("America/Los_Angeles")]),
)
# Plain UTC where the test compares instants: == between datetimes in different zones is
# always False when either one's offset depends on fold (PEP 495).
instants = st.datetimes(datetime(1990, 1, 1), datetime(2060, 12, 31), timezones=st.just(UTC))


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _exists(wall: datetime, tz: ZoneInfo) -> bool:
    """Whether a clock in `tz` ever reads the naive `wall` (false inside a spring-forward gap)."""
    return any(
        wall.replace(tzinfo=tz, fold=fold).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        == wall
        for fold in (0, 1)
    )


def assert_first_instant_at(result: datetime, day: date, at: time, tz: ZoneInfo) -> None:
    """`result` is aware UTC and the earliest instant at which the clock in `tz` reads day+at."""
    target = datetime.combine(day, at)
    assert result.tzinfo is UTC
    local = result.astimezone(tz)
    assert local.replace(tzinfo=None) >= target
    # One tick earlier the clock had not reached it yet: nothing earlier qualifies...
    assert (result - MICROSECOND).astimezone(tz).replace(tzinfo=None) < target
    # ...which leaves a fall-back overlap, where the first occurrence must win.
    assert local.fold == 0
    if _exists(target, tz):
        assert local.replace(tzinfo=None) == target


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def days_in_month(index: int) -> int:
    year, month0 = divmod(index, 12)
    return calendar.monthrange(year, month0 + 1)[1]


def business_days_by_stepping(day: date, days: int) -> date:
    """The obvious definition, one day at a time, to check the closed form against."""
    while days:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


@cache
def transitions(tz: str, year: int) -> list[datetime]:
    """The UTC instants in `year` at which `tz` changes its offset, to the second."""
    zone_ = ZoneInfo(tz)
    days = [datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=n) for n in range(367)]
    found = []
    for lo, hi in pairwise(days):
        if lo.astimezone(zone_).utcoffset() == hi.astimezone(zone_).utcoffset():
            continue
        before = lo.astimezone(zone_).utcoffset()
        while hi - lo > timedelta(seconds=1):
            mid = lo + (hi - lo) / 2
            if mid.astimezone(zone_).utcoffset() == before:
                lo = mid
            else:
                hi = mid
        found.append(hi)
    return found


@st.composite
def walls_near_transitions(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and a local wall time close to one of its offset changes (if it has any)."""
    tz = draw(zone_names)
    year = draw(st.integers(1990, 2060))
    candidates = transitions(tz, year)
    if not candidates:  # zones without DST that year
        return tz, draw(st.datetimes(datetime(year, 1, 1), datetime(year, 12, 31)))
    instant = draw(st.sampled_from(candidates))
    # The wall clock just before the change: gaps and overlaps start here and last up to an hour.
    edge = (instant - MICROSECOND).astimezone(ZoneInfo(tz)).replace(tzinfo=None) + MICROSECOND
    nearby = st.one_of(
        st.integers(-4, 6).map(lambda quarters: timedelta(minutes=15 * quarters)),
        st.timedeltas(timedelta(hours=-1), timedelta(hours=2)),
    )
    return tz, edge + draw(nearby)


@pytest.fixture
def host_in_tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server's own zone (what `astimezone()` with no argument uses) is not UTC."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    host_clock.tzset()
    yield
    monkeypatch.undo()
    host_clock.tzset()


# --- add_months -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2027, 3, 31), -1, date(2027, 2, 28)),
        (date(2028, 3, 31), -1, date(2028, 2, 29)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 5, 15), 6, date(2026, 11, 15)),
        (date(2026, 5, 15), 0, date(2026, 5, 15)),
        (date(2026, 5, 31), -240, date(2006, 5, 31)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@fast
@given(day=dates, months=st.integers(-240, 240))
def test_add_months_moves_the_month_and_clamps_the_day(day: date, months: int) -> None:
    result = add_months(day, months)
    assert month_index(result) == month_index(day) + months
    assert result.day == min(day.day, days_in_month(month_index(result)))


@fast
@given(day=dates, a=st.integers(-240, 240), b=st.integers(-240, 240))
def test_add_months_composes(day: date, a: int, b: int) -> None:
    result = add_months(add_months(day, a), b)
    assert month_index(result) == month_index(day) + a + b
    # Clamping only ever shortens the day, once per step.
    start = month_index(day)
    assert result.day == min(day.day, days_in_month(start + a), days_in_month(start + a + b))


@fast
@given(day=dates.filter(lambda d: d.day <= 28), months=st.integers(-240, 240))
def test_add_months_is_reversible_when_no_clamping_happens(day: date, months: int) -> None:
    assert add_months(add_months(day, months), -months) == day


# --- add_business_days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "days", "expected"),
    [
        (FRIDAY, 1, date(2026, 11, 9)),  # Monday
        (FRIDAY, 3, date(2026, 11, 11)),  # Wednesday
        (FRIDAY, 5, date(2026, 11, 13)),  # next Friday
        (date(2026, 11, 7), 1, date(2026, 11, 9)),  # Saturday -> Monday
        (date(2026, 11, 8), 1, date(2026, 11, 9)),  # Sunday -> Monday
        (date(2026, 11, 8), 5, date(2026, 11, 13)),  # Sunday -> Friday
        (date(2026, 11, 2), 5, date(2026, 11, 9)),  # Monday -> Monday
        (date(2026, 11, 5), 2, date(2026, 11, 9)),  # Thursday -> Monday
        (date(2026, 11, 4), 10, date(2026, 11, 18)),  # Wednesday -> Wednesday, two weeks on
        (date(2026, 11, 7), 0, date(2026, 11, 7)),  # zero days is the day itself, even Saturday
    ],
)
def test_add_business_days(day: date, days: int, expected: date) -> None:
    assert add_business_days(day, days) == expected


def test_add_business_days_rejects_negative() -> None:
    with pytest.raises(ValueError, match="days must be >= 0"):
        add_business_days(FRIDAY, -1)


@fast
@given(day=dates, days=st.integers(0, 400))
def test_add_business_days_matches_stepping(day: date, days: int) -> None:
    assert add_business_days(day, days) == business_days_by_stepping(day, days)


@fast
@given(day=dates, days=st.integers(1, 400))
def test_add_business_days_lands_on_a_weekday_after_days_minus_one_others(
    day: date, days: int
) -> None:
    result = add_business_days(day, days)
    assert result > day
    assert result.weekday() < 5
    between = (day + timedelta(days=n) for n in range(1, (result - day).days))
    assert sum(d.weekday() < 5 for d in between) == days - 1


# --- local_instant and friends: examples ------------------------------------------------------


def test_in_six_months_in_paris_crosses_into_winter_time() -> None:
    now = datetime(2026, 5, 15, 10, tzinfo=UTC)  # CEST, UTC+2
    assert in_months(now, 6, "Europe/Paris") == datetime(2026, 11, 15, 8, tzinfo=UTC)  # CET


def test_spring_forward_gap_moves_to_the_end_of_the_gap() -> None:
    # 02:00-03:00 does not exist in New York on 14 March 2027: 02:30 becomes 03:00 EDT.
    result = local_instant(date(2027, 3, 14), "America/New_York", time(2, 30))
    assert result == datetime(2027, 3, 14, 7, tzinfo=UTC)


def test_the_first_skipped_wall_time_is_the_transition_itself_in_utc(host_in_tokyo: None) -> None:
    # New York's clocks jump from 01:59:59.999999 EST to 03:00 EDT on 14 March 2027: 02:00 sharp,
    # the gap's very start, is that instant, in UTC even on a server whose own zone is not.
    result = local_instant(date(2027, 3, 14), "America/New_York", time(2))
    assert result.isoformat() == "2027-03-14T07:00:00+00:00"
    assert_first_instant_at(result, date(2027, 3, 14), time(2), ZoneInfo("America/New_York"))


def test_fall_back_overlap_takes_the_first_occurrence() -> None:
    # 01:30 happens twice in New York on 1 November 2026; the first is still EDT (UTC-4).
    result = local_instant(date(2026, 11, 1), "America/New_York", time(1, 30))
    assert result == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_lord_howe_half_hour_gap_and_overlap() -> None:
    # 4 October 2026 02:00 +10:30 -> 02:30 +11; 5 April 2026 02:00 +11 -> 01:30 +10:30.
    gap = local_instant(date(2026, 10, 4), "Australia/Lord_Howe", time(2, 15))
    assert gap == datetime(2026, 10, 3, 15, 30, tzinfo=UTC)  # 02:30 +11
    overlap = local_instant(date(2026, 4, 5), "Australia/Lord_Howe", time(1, 45))
    assert overlap == datetime(2026, 4, 4, 14, 45, tzinfo=UTC)  # first 01:45, at +11


def test_sydney_six_months_from_summer_is_winter_and_the_day_before_in_utc() -> None:
    now = datetime(2026, 1, 15, tzinfo=UTC)  # 11:00 AEDT (UTC+11)
    assert in_months(now, 6, "Australia/Sydney") == datetime(2026, 7, 14, 23, tzinfo=UTC)  # AEST


def test_months_count_from_the_recipients_date_not_utcs() -> None:
    now = datetime(2026, 5, 15, 23, 30, tzinfo=UTC)  # already 16 May in Sydney
    assert in_months(now, 1, "Australia/Sydney") == datetime(2026, 6, 15, 23, tzinfo=UTC)
    assert in_months(now, 1, "America/New_York") == datetime(2026, 6, 15, 13, tzinfo=UTC)


def test_business_days_across_sydneys_spring_forward() -> None:
    now = datetime(2026, 10, 2, tzinfo=UTC)  # Friday 10:00 AEST; DST starts on Sunday the 4th
    assert in_business_days(now, 1, "Australia/Sydney") == datetime(2026, 10, 4, 22, tzinfo=UTC)


def test_business_days_use_the_given_time() -> None:
    now = datetime(2026, 11, 6, 12, tzinfo=UTC)  # Friday
    result = in_business_days(now, 3, ZoneInfo("Europe/London"), time(14, 30))
    assert result == datetime(2026, 11, 11, 14, 30, tzinfo=UTC)


def test_a_picked_date_at_a_given_time_of_day() -> None:
    # "On 2 November at 14:30" in Paris (CET, UTC+1) is 13:30 UTC, not the default 09:00.
    result = on_date(date(2026, 11, 2), "Europe/Paris", time(14, 30))
    assert result == datetime(2026, 11, 2, 13, 30, tzinfo=UTC)


def test_kathmandu_quarter_hour_offset() -> None:
    assert on_date(date(2026, 6, 1), "Asia/Kathmandu") == datetime(2026, 6, 1, 3, 15, tzinfo=UTC)


def test_chatham_and_st_johns_odd_offsets() -> None:
    # Chatham is +13:45 in its January summer; St John's is -02:30 in its July summer.
    assert on_date(date(2027, 1, 10), "Pacific/Chatham") == datetime(2027, 1, 9, 19, 15, tzinfo=UTC)
    assert on_date(date(2026, 7, 1), "America/St_Johns") == datetime(2026, 7, 1, 11, 30, tzinfo=UTC)


def test_a_whole_skipped_day_moves_to_the_next_midnight() -> None:
    # Samoa skipped 30 December 2011 when it crossed the date line (-10 -> +14).
    result = on_date(date(2011, 12, 30), "Pacific/Apia")
    assert result == datetime(2011, 12, 30, 10, tzinfo=UTC)  # 31 December 00:00 +14


def test_local_date() -> None:
    instant = datetime(2026, 5, 15, 23, 30, tzinfo=UTC)
    assert local_date(instant, "Asia/Kolkata") == date(2026, 5, 16)
    assert local_date(instant, ZoneInfo("America/New_York")) == date(2026, 5, 15)


@pytest.mark.parametrize(
    ("delay", "expected"),
    [
        (-timedelta(hours=2), None),  # not due yet
        (timedelta(0), None),
        (LATE_AFTER - MICROSECOND, None),
        (LATE_AFTER, LATE_AFTER),
        (timedelta(days=3), timedelta(days=3)),
    ],
)
def test_describe_lateness(delay: timedelta, expected: timedelta | None) -> None:
    due = datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert describe_lateness(due, due + delay) == expected


def test_describe_lateness_compares_instants_across_zones() -> None:
    due = datetime(2026, 11, 2, 9, tzinfo=UTC)
    now = datetime(2026, 11, 2, 12, tzinfo=ZoneInfo("Europe/Paris"))  # 11:00 UTC
    assert describe_lateness(due, now) == timedelta(hours=2)


@pytest.mark.parametrize("name", [None, "", "Not/AZone", "utc", "../etc/passwd", "zone.tab"])
def test_zone_falls_back_for_missing_or_unknown_names(name: str | None) -> None:
    assert zone(name, "Europe/Paris") == ZoneInfo("Europe/Paris")


def test_zone_uses_a_known_name() -> None:
    assert zone("Asia/Kathmandu", "Europe/Paris") == ZoneInfo("Asia/Kathmandu")


def test_zone_with_a_bad_fallback_fails_loudly() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        zone(None, "Not/AZone")


NAIVE = datetime(2026, 11, 2, 9)
AWARE = NAIVE.replace(tzinfo=UTC)


class _NoOffset(tzinfo):
    """A tzinfo that knows no offset: such a datetime is naive by Python's own definition."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None


@pytest.mark.parametrize(
    ("call", "args", "says"),
    [
        (local_date, (NAIVE, "UTC"), "instant must be timezone-aware"),
        (local_date, (NAIVE.replace(tzinfo=_NoOffset()), "UTC"), "instant must be timezone-aware"),
        (in_months, (NAIVE, 6, "UTC"), "now must be timezone-aware"),
        (in_business_days, (NAIVE, 3, "UTC"), "now must be timezone-aware"),
        (describe_lateness, (NAIVE, AWARE), "due must be timezone-aware"),
        (describe_lateness, (AWARE, NAIVE), "now must be timezone-aware"),
        # A datetime where a date is expected would silently keep its time of day.
        (add_months, (NAIVE, 1), "date"),
        (add_business_days, (AWARE, 1), "date"),
        (local_instant, (NAIVE, "UTC"), "date"),
        (on_date, (AWARE, "UTC"), "date"),
        (local_instant, (date(2026, 11, 2), "UTC", time(9, tzinfo=UTC)), "at must be a naive"),
    ],
)
def test_rejects_naive_datetimes_and_datetimes_for_dates_naming_the_culprit(
    call: Callable[..., Any], args: tuple[Any, ...], says: str
) -> None:
    # The programmer who passed it reads which argument was wrong.
    with pytest.raises(ValueError, match=says):
        call(*args)


# --- local_instant and friends: properties ----------------------------------------------------


@fast
@given(now=nows, months=st.integers(-240, 240), tz=tz_likes)
def test_in_months_is_nine_local_on_the_recipients_date_months_later(
    now: datetime, months: int, tz: str | ZoneInfo
) -> None:
    expected_day = add_months(now.astimezone(_zone(tz)).date(), months)
    assert_first_instant_at(in_months(now, months, tz), expected_day, NINE, _zone(tz))


@fast
@given(now=nows, days=st.integers(0, 400), tz=tz_likes)
def test_in_business_days_is_nine_local_on_the_recipients_date_days_later(
    now: datetime, days: int, tz: str | ZoneInfo
) -> None:
    expected_day = add_business_days(now.astimezone(_zone(tz)).date(), days)
    assert_first_instant_at(in_business_days(now, days, tz), expected_day, NINE, _zone(tz))


@fast
@given(tz_wall=walls_near_transitions())
def test_local_instant_near_transitions_is_the_first_instant_at_that_wall_time(
    tz_wall: tuple[str, datetime],
) -> None:
    tz, wall = tz_wall
    result = local_instant(wall.date(), tz, wall.time())
    assert_first_instant_at(result, wall.date(), wall.time(), ZoneInfo(tz))


@fast
@given(instant=instants, tz=tz_likes)
def test_local_instant_round_trips_a_first_occurrence(
    instant: datetime, tz: str | ZoneInfo
) -> None:
    local = instant.astimezone(_zone(tz))
    result = local_instant(local_date(instant, tz), tz, local.time())
    if local.fold == 0:
        assert result == instant
    else:  # the second pass through an overlap maps back to the first
        assert result < instant
        assert result.astimezone(_zone(tz)).replace(tzinfo=None) == local.replace(tzinfo=None)
