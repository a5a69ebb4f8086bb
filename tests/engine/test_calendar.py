from datetime import UTC, date, datetime, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.calendar import WorkingCalendar, add_working_days


def test_r28_tenth_working_day_after_friday_19_december_2025():
    # 25 and 26 December and 1 January are bank holidays; the Friday itself never counts.
    calendar = WorkingCalendar()
    due = calendar.add_working_days(date(2025, 12, 19), 10)

    assert due == date(2026, 1, 7)
    assert due.strftime("%A") == "Wednesday"
    assert calendar.end_of_working_day(due) == datetime(2026, 1, 7, 23, 59, 59, tzinfo=UTC)


def test_r28_from_a_datetime_uses_its_london_date():
    # 23:30 UTC on 18 December is still the 18th in London in winter...
    assert add_working_days(datetime(2025, 12, 18, 23, 30, tzinfo=UTC), 10) == date(2026, 1, 6)
    # ...but 23:30 UTC on 30 June is 00:30 on 1 July in London in summer.
    assert add_working_days(datetime(2026, 6, 30, 23, 30, tzinfo=UTC), 1) == date(2026, 7, 2)


def test_easter_good_friday_and_easter_monday_are_not_working_days():
    # Good Friday 3 April 2026, Easter Monday 6 April 2026.
    calendar = WorkingCalendar()

    assert not calendar.is_working_day(date(2026, 4, 3))
    assert not calendar.is_working_day(date(2026, 4, 6))
    assert calendar.add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)


@pytest.mark.parametrize("start", [date(2026, 1, 10), date(2026, 1, 11)], ids=["sat", "sun"])
def test_weekend_start_counts_from_monday(start):
    assert add_working_days(start, 1) == date(2026, 1, 12)
    assert add_working_days(start, 5) == date(2026, 1, 16)


def test_extra_holiday_added_by_an_administrator_shifts_the_deadline():
    calendar = WorkingCalendar(extra_holidays=[date(2026, 1, 2)])

    assert not calendar.is_working_day(date(2026, 1, 2))
    assert calendar.add_working_days(date(2025, 12, 19), 10) == date(2026, 1, 8)
    assert add_working_days(date(2025, 12, 19), 10, [date(2026, 1, 2)]) == date(2026, 1, 8)


def test_zero_working_days_is_the_start_date_and_negative_is_refused():
    assert add_working_days(date(2026, 1, 10), 0) == date(2026, 1, 10)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 10), -1)


def test_end_of_working_day_in_summer_is_2259_utc():
    end = WorkingCalendar().end_of_working_day(date(2026, 6, 2))

    assert end == datetime(2026, 6, 2, 22, 59, 59, tzinfo=UTC)
    assert end.utcoffset() == timedelta(0)


BANK_HOLIDAYS = set(holidays.country_holidays("GB", subdiv="ENG", years=range(2019, 2033)))


def count_day_by_day(start: date, n: int, extra: set[date]) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in BANK_HOLIDAYS and day not in extra:
            n -= 1
    return day


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    n=st.integers(min_value=0, max_value=40),
    extra_offsets=st.sets(st.integers(min_value=-5, max_value=70), max_size=4),
)
def test_add_working_days_matches_a_day_by_day_count(start, n, extra_offsets):
    extra = {start + timedelta(days=offset) for offset in extra_offsets}

    result = WorkingCalendar(extra).add_working_days(start, n)

    assert result == count_day_by_day(start, n, extra)
    assert n == 0 or WorkingCalendar(extra).is_working_day(result)
