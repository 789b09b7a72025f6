"""Business-hours arithmetic (OPS-7, OPS-8): hand-computed cases across nights, weekends, holidays and DST, and
properties that hold for any instants. Pure arithmetic: no database, no frozen clock."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parlons.core.business_hours import BusinessCalendar, parse_hhmm

TORONTO = ZoneInfo("America/Toronto")
H = timedelta(hours=1)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=TORONTO)


CAL = BusinessCalendar.build()  # Monday–Friday 9:00–17:00 Toronto, no holidays
XMAS = BusinessCalendar.build(holidays=[date(2026, 12, 25), date(2026, 12, 28)])


# --- hand-computed cases ------------------------------------------------------------------------------
def test_add_within_the_day_req_ops7():
    assert CAL.add(local(2026, 11, 17, 10, 0), 2 * H) == local(2026, 11, 17, 12, 0)


def test_add_across_the_night_req_ops7():
    # Tuesday 16:30 + 1 h = 30 min on Tuesday + 30 min on Wednesday morning.
    assert CAL.add(local(2026, 11, 17, 16, 30), H) == local(2026, 11, 18, 9, 30)


def test_add_across_the_weekend_req_ops7():
    # Friday 16:00 + 2 h: one hour on Friday, one on Monday.
    assert CAL.add(local(2026, 11, 20, 16, 0), 2 * H) == local(2026, 11, 23, 10, 0)
    # Arriving on Saturday: the clock starts on Monday at 9:00.
    assert CAL.add(local(2026, 11, 21, 12, 0), 4 * H) == local(2026, 11, 23, 13, 0)


def test_add_ending_exactly_at_closing_time_req_ops7():
    assert CAL.add(local(2026, 11, 17, 9, 0), 8 * H) == local(2026, 11, 17, 17, 0)


def test_add_across_holidays_req_ops7():
    # Thursday 24 Dec 16:00 + 2 h; Friday 25 and Monday 28 are holidays -> Tuesday 29 at 10:00.
    assert XMAS.add(local(2026, 12, 24, 16, 0), 2 * H) == local(2026, 12, 29, 10, 0)
    assert XMAS.elapsed(local(2026, 12, 24, 16, 0), local(2026, 12, 29, 10, 0)) == 2 * H


def test_add_across_the_autumn_dst_change_req_ops7():
    # DST ends Sunday 1 Nov 2026. Friday 30 Oct 16:00 EDT (20:00 UTC) + 2 h = Monday 2 Nov 10:00 EST (15:00 UTC).
    due = CAL.add(local(2026, 10, 30, 16, 0), 2 * H)
    assert due == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    assert due.astimezone(TORONTO).hour == 10
    assert CAL.elapsed(local(2026, 10, 30, 16, 0), due) == 2 * H


def test_add_across_the_spring_dst_change_req_ops7():
    # DST starts Sunday 8 Mar 2026. Friday 6 Mar 16:00 EST (21:00 UTC) + 2 h = Monday 9 Mar 10:00 EDT (14:00 UTC).
    due = CAL.add(local(2026, 3, 6, 16, 0), 2 * H)
    assert due == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)


def test_a_24_hour_day_on_the_dst_change_lasts_23_hours_req_ops7():
    # Open around the clock every day: the spring-forward Sunday has only 23 hours, the autumn one 25.
    cal = BusinessCalendar.build(hours={d: [(0, 1440)] for d in range(7)})
    assert cal.elapsed(local(2026, 3, 8), local(2026, 3, 9)) == 23 * H
    assert cal.elapsed(local(2026, 11, 1), local(2026, 11, 2)) == 25 * H


def test_elapsed_counts_only_opening_hours_req_ops8():
    assert CAL.elapsed(local(2026, 11, 16, 8, 0), local(2026, 11, 16, 18, 0)) == 8 * H
    # A whole week (Monday 00:00 to Monday 00:00) is 5 × 8 hours.
    assert CAL.elapsed(local(2026, 11, 16), local(2026, 11, 23)) == 40 * H
    # A weekend alone is nothing.
    assert CAL.elapsed(local(2026, 11, 21, 0, 0), local(2026, 11, 23, 9, 0)) == timedelta(0)
    # End before start: zero, never negative.
    assert CAL.elapsed(local(2026, 11, 17, 12), local(2026, 11, 17, 10)) == timedelta(0)


def test_is_open_req_ops7():
    assert CAL.is_open(local(2026, 11, 16, 9, 0))
    assert CAL.is_open(local(2026, 11, 16, 16, 59))
    assert not CAL.is_open(local(2026, 11, 16, 17, 0))
    assert not CAL.is_open(local(2026, 11, 16, 8, 59))
    assert not CAL.is_open(local(2026, 11, 21, 12, 0))  # Saturday
    assert not XMAS.is_open(local(2026, 12, 25, 12, 0))  # holiday
    # 14:30 UTC on 16 Nov is 9:30 in Toronto: open; the same UTC time on a Sunday is not.
    assert CAL.is_open(datetime(2026, 11, 16, 14, 30, tzinfo=UTC))


def test_next_open_req_ops7():
    assert CAL.next_open(local(2026, 11, 20, 18, 0)) == local(2026, 11, 23, 9, 0)
    assert CAL.next_open(local(2026, 11, 20, 10, 0)) == local(2026, 11, 20, 10, 0)


def test_calendar_hours_variant_req_ops7():
    cal = BusinessCalendar.always()
    start = local(2026, 11, 20, 16, 0)
    assert cal.add(start, 2 * H) == local(2026, 11, 20, 18, 0)
    assert cal.elapsed(start, local(2026, 11, 23, 10, 0)) == 66 * H
    assert cal.is_open(local(2026, 12, 25, 3, 0))
    # Across the autumn change a calendar day lasts 25 hours of real time.
    assert cal.elapsed(local(2026, 11, 1), local(2026, 11, 2)) == 25 * H


def test_results_are_utc_and_naive_input_is_local_req_ops7():
    due = CAL.add(datetime(2026, 11, 20, 16, 0), 2 * H)  # naive = Toronto wall clock
    assert due.tzinfo == UTC
    assert due == local(2026, 11, 23, 10, 0)


def test_split_days_and_custom_zone_req_ops7():
    cal = BusinessCalendar.build(
        time_zone="America/Vancouver", hours={0: [(8 * 60, 12 * 60), (13 * 60, 16 * 60)]}
    )
    van = ZoneInfo("America/Vancouver")
    start = datetime(2026, 11, 16, 11, 0, tzinfo=van)
    assert cal.add(start, 2 * H) == datetime(2026, 11, 16, 14, 0, tzinfo=van)  # lunch hour skipped
    assert cal.add(start, 5 * H) == datetime(2026, 11, 23, 9, 0, tzinfo=van)  # next Monday


def test_bad_configuration_is_refused_req_ops7():
    with pytest.raises(ValueError):
        BusinessCalendar.build(hours={0: [(600, 500)]})
    with pytest.raises(ValueError):
        parse_hhmm("25:00")
    closed = BusinessCalendar.build(hours={})
    with pytest.raises(ValueError):
        closed.add(local(2026, 11, 16, 9), H)


# --- properties -----------------------------------------------------------------------------------
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
spans = st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=40))
calendars = st.sampled_from([CAL, XMAS, BusinessCalendar.always()])


@settings(max_examples=150, deadline=None, database=None)
@given(cal=calendars, start=instants, delta=spans)
def test_add_then_elapsed_round_trips_and_is_earliest_req_ops7(cal, start, delta):
    due = cal.add(start, delta)
    assert due >= start
    assert cal.elapsed(start, due) == delta
    # The earliest such instant: one second earlier, the target is not yet reached.
    assert cal.elapsed(start, due - timedelta(seconds=1)) < delta


@settings(max_examples=150, deadline=None, database=None)
@given(cal=calendars, a=instants, b=instants, c=instants)
def test_elapsed_is_additive_and_bounded_req_ops8(cal, a, b, c):
    a, b, c = sorted([a, b, c])
    assert cal.elapsed(a, c) == cal.elapsed(a, b) + cal.elapsed(b, c)
    assert timedelta(0) <= cal.elapsed(a, c) <= c - a
    # At most 8 business hours in any (local) day; with no holidays, a full week always holds 40 hours.
    if cal is CAL:
        week_later = (a.astimezone(TORONTO).replace(tzinfo=None) + timedelta(days=7)).replace(tzinfo=TORONTO)
        assert CAL.elapsed(a, week_later) == 40 * H


@settings(max_examples=150, deadline=None, database=None)
@given(cal=calendars, at=instants)
def test_is_open_agrees_with_elapsed_req_ops7(cal, at):
    assert cal.is_open(at) == (cal.elapsed(at, at + timedelta(microseconds=1)) > timedelta(0))
