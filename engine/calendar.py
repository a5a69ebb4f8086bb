"""Working days in England and Wales.

A working day is Monday to Friday, not an England and Wales bank holiday (from the
`holidays` package), and not a day an administrator has added (a one-off closure, or a
bank holiday announced after the package was released). Deadlines such as "a Stage One
meeting within 10 working days" (R28) count these days in London, whatever the server's
time zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from .clock import LONDON, UTC

END_OF_DAY = time(23, 59, 59)


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in `year`.

    Cached per year: building a year's holidays costs about a millisecond, and deadlines
    are computed on every timer and every page that shows one.
    """
    # England and Wales share their bank holidays; Scotland and Northern Ireland differ.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def london_date(when: date | datetime) -> date:
    """The date in London at `when`. A naive datetime is read as UTC, like everywhere
    else in the engine; a plain date is already a London date."""
    if not isinstance(when, datetime):
        return when
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(LONDON).date()


class WorkingCalendar:
    def __init__(self, extra_holidays: Iterable[date] = ()):
        self.extra_holidays = frozenset(extra_holidays)

    def is_working_day(self, day: date) -> bool:
        day = london_date(day)
        return (
            day.weekday() < 5
            and day not in bank_holidays(day.year)
            and day not in self.extra_holidays
        )

    def add_working_days(self, start: date | datetime, n: int) -> date:
        """The nth working day after `start`'s date; `start` itself never counts, so
        n=1 on a Friday is the next Monday (if that is not a holiday) and n=0 is
        `start`'s own date."""
        if n < 0:
            raise ValueError("n must be zero or more")
        day = london_date(start)
        while n > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def end_of_working_day(self, day: date) -> datetime:
        """23:59:59 in London on `day`, as an aware UTC datetime (so 22:59:59 UTC in
        summer)."""
        return datetime.combine(london_date(day), END_OF_DAY, tzinfo=LONDON).astimezone(UTC)


def add_working_days(start: date | datetime, n: int,
                     extra_holidays: Iterable[date] = ()) -> date:
    return WorkingCalendar(extra_holidays).add_working_days(start, n)
