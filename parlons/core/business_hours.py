"""Business-hours arithmetic for service standards (SLA) and reports.

Targets such as "first response within 4 business hours" are counted only while the office is open: by default
Monday to Friday, 9:00 to 17:00 in Eastern time (America/Toronto), minus the holidays the administrators list
(``parlons.sla.models.Holiday``). A ticket that arrives Friday at 16:00 with a 2-hour target is due Monday at
10:00.

Opening hours are *wall-clock* times in the calendar's time zone, so a day that changes to or from daylight time
still opens at 9:00 and closes at 17:00 local time. All arithmetic is done on UTC instants (subtracting two
aware datetimes that share a tzinfo object would silently use wall-clock time and be wrong across DST), and
results are returned in UTC.

``BusinessCalendar.always()`` has the same interface and counts calendar time (24/7, no holidays), for
policies in calendar hours. ``BusinessCalendar.current()`` reads the configured hours and holidays.

    cal = BusinessCalendar.current()
    cal.is_open(now)
    cal.elapsed(ticket.created_at, now)        # business time between two instants -> timedelta
    cal.add(ticket.created_at, timedelta(hours=4))   # due time -> datetime (UTC)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_TIME_ZONE = "America/Toronto"
# weekday (Monday = 0) -> list of (opens, closes) in minutes after local midnight; 1440 = midnight next day.
DEFAULT_HOURS: dict[int, tuple[tuple[int, int], ...]] = dict.fromkeys(range(5), ((9 * 60, 17 * 60),))
MINUTES_PER_DAY = 24 * 60
# add() gives up after this many days without any opening (e.g. every weekday closed): a clear error, no hang.
_MAX_SEARCH_DAYS = 3 * 366


def parse_hhmm(value: str) -> int:
    """ "09:30" -> 570 minutes; "24:00" is allowed as the end of a day."""
    hours, _, minutes = value.strip().partition(":")
    total = int(hours) * 60 + int(minutes or 0)
    if not 0 <= total <= MINUTES_PER_DAY or not 0 <= int(minutes or 0) < 60:
        raise ValueError(f"not a time of day: {value!r}")
    return total


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _normalise_hours(
    hours: Mapping[int, Sequence[tuple[int, int]]],
) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Validate and sort each weekday's intervals; merge overlaps. Returns a 7-tuple indexed by weekday."""
    week: list[tuple[tuple[int, int], ...]] = []
    for weekday in range(7):
        spans = sorted((int(a), int(b)) for a, b in hours.get(weekday, ()) or ())
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            if not 0 <= start < end <= MINUTES_PER_DAY:
                raise ValueError(f"bad opening hours on weekday {weekday}: {start}-{end}")
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        week.append(tuple(merged))
    return tuple(week)


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours per weekday in one time zone, minus holidays; or always open (calendar hours)."""

    time_zone: str = DEFAULT_TIME_ZONE
    hours: tuple[tuple[tuple[int, int], ...], ...] = field(
        default_factory=lambda: _normalise_hours(DEFAULT_HOURS)
    )
    holidays: frozenset[date] = frozenset()
    always_open: bool = False

    # --- construction ---------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        *,
        time_zone: str = DEFAULT_TIME_ZONE,
        hours: Mapping[int, Sequence[tuple[int, int]]] | None = None,
        holidays: Iterable[date] = (),
    ) -> BusinessCalendar:
        ZoneInfo(time_zone)  # fail early on an unknown zone
        return cls(
            time_zone=time_zone,
            hours=_normalise_hours(DEFAULT_HOURS if hours is None else hours),
            holidays=frozenset(holidays),
        )

    @classmethod
    def always(cls) -> BusinessCalendar:
        """Calendar hours: open around the clock, every day, holidays included."""
        return cls(time_zone="UTC", hours=_normalise_hours({}), always_open=True)

    @classmethod
    def current(cls) -> BusinessCalendar:
        """The configured business calendar (opening hours and holidays from the ``sla`` app)."""
        try:
            from parlons.sla.models import BusinessHours, Holiday
        except ImportError:  # the sla app is not installed: defaults
            return cls.build()
        config = BusinessHours.objects.order_by("pk").first()
        holidays = Holiday.objects.values_list("date", flat=True)
        if config is None:
            return cls.build(holidays=holidays)
        return cls.build(time_zone=config.time_zone, hours=config.weekly_hours(), holidays=holidays)

    # --- queries --------------------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return _zone(self.time_zone)

    def _aware(self, at: datetime) -> datetime:
        """Naive datetimes are read as local time in the calendar's zone; everything else goes to UTC."""
        if at.tzinfo is None or at.utcoffset() is None:
            at = at.replace(tzinfo=self.tz)
        return at.astimezone(UTC)

    def day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of one local date, as UTC instants (empty on holidays and closed days)."""
        if self.always_open:
            start = datetime.combine(day, time(), tzinfo=UTC)
            return [(start, start + timedelta(days=1))]
        if day in self.holidays:
            return []
        return list(_local_intervals(self.time_zone, day, self.hours[day.weekday()]))

    def is_open(self, at: datetime) -> bool:
        if self.always_open:
            return True
        at = self._aware(at)
        local_day = at.astimezone(self.tz).date()
        return any(start <= at < end for start, end in self.day_intervals(local_day))

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants (zero if ``end`` is not after ``start``)."""
        start, end = self._aware(start), self._aware(end)
        if end <= start:
            return timedelta(0)
        if self.always_open:
            return end - start
        tz = self.tz
        day = start.astimezone(tz).date() - timedelta(days=1)  # an interval may start the local day before
        last = end.astimezone(tz).date()
        total = timedelta(0)
        while day <= last:
            for open_at, close_at in self.day_intervals(day):
                lo, hi = max(open_at, start), min(close_at, end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def add(self, start: datetime, delta: timedelta) -> datetime:
        """The instant when ``delta`` of business time has passed after ``start`` (a due time), in UTC.

        A target that ends exactly at closing time is due at closing time, not the next opening.
        """
        start = self._aware(start)
        if delta <= timedelta(0):
            return start
        if self.always_open:
            return start + delta
        remaining = delta
        tz = self.tz
        day = start.astimezone(tz).date() - timedelta(days=1)
        for _ in range(_MAX_SEARCH_DAYS + 2):
            for open_at, close_at in self.day_intervals(day):
                lo = max(open_at, start)
                if close_at <= lo:
                    continue
                available = close_at - lo
                if remaining <= available:
                    return lo + remaining
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("the business calendar has no opening hours in the next three years")

    def next_open(self, at: datetime) -> datetime:
        """``at`` if open, else the next opening instant (UTC)."""
        at = self._aware(at)
        if self.is_open(at):
            return at
        return self.add(at, timedelta(microseconds=1)) - timedelta(microseconds=1)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=4096)
def _local_intervals(
    time_zone: str, day: date, spans: tuple[tuple[int, int], ...]
) -> tuple[tuple[datetime, datetime], ...]:
    """Wall-clock spans of a local date -> UTC instants (cached: reports compute many elapsed times)."""
    tz = _zone(time_zone)
    midnight = datetime.combine(day, time())
    out = []
    for start_min, end_min in spans:
        open_at = (midnight + timedelta(minutes=start_min)).replace(tzinfo=tz).astimezone(UTC)
        close_at = (midnight + timedelta(minutes=end_min)).replace(tzinfo=tz).astimezone(UTC)
        if close_at > open_at:
            out.append((open_at, close_at))
    return tuple(out)
