"""Business hours for the business-hours variants of the metrics.

The calendar comes from ``parlons.core.business_hours`` (the SLA area). While that module is not installed the
business-hours figures stay empty (null) and reports say so rather than showing calendar time under the wrong
name."""

from __future__ import annotations

from datetime import datetime


def current_calendar():
    try:
        from parlons.core.business_hours import BusinessCalendar
    except ImportError:
        return None
    try:
        return BusinessCalendar.current()
    except Exception:  # no calendar configured yet: no business-hours figures
        return None


def business_seconds(calendar, start: datetime | None, end: datetime | None) -> int | None:
    if calendar is None or start is None or end is None:
        return None
    if end <= start:
        return 0
    return int(calendar.elapsed(start, end).total_seconds())
