"""The only place that reads the time.

Everything else asks `clock.now()`. Tests install a `FakeClock` and move it instead of
sleeping. SpiffWorkflow computes timer due times with `datetime.now()` inside its timer
module; `install()` makes that module ask our clock too.
"""

from __future__ import annotations

import datetime as _dt
import threading
from zoneinfo import ZoneInfo

UTC = _dt.UTC
LONDON = ZoneInfo("Europe/London")


class SystemClock:
    def now(self) -> _dt.datetime:
        return _dt.datetime.now(UTC)

    def monotonic(self) -> float:
        import time

        return time.monotonic()


class FakeClock:
    """A clock that moves only when told to. Thread-safe, so a test can move it while a
    server thread reads it."""

    def __init__(self, start: _dt.datetime):
        self._lock = threading.Lock()
        self._now = _require_aware(start).astimezone(UTC)

    def now(self) -> _dt.datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        return self.now().timestamp()

    def set(self, when: _dt.datetime) -> None:
        with self._lock:
            self._now = _require_aware(when).astimezone(UTC)

    def advance(self, delta: _dt.timedelta | None = None, **kwargs) -> _dt.datetime:
        delta = delta if delta is not None else _dt.timedelta(**kwargs)
        with self._lock:
            self._now += delta
            return self._now


def _require_aware(when: _dt.datetime) -> _dt.datetime:
    if when.tzinfo is None:
        raise ValueError("the clock only takes time-zone-aware datetimes")
    return when


_current: SystemClock | FakeClock = SystemClock()


def current():
    return _current


def set_clock(clock) -> None:
    global _current
    _current = clock


def now() -> _dt.datetime:
    """Now, in UTC."""
    return _current.now()


def elapsed() -> float:
    """Seconds on a monotonic clock that no test fakes: for budgets on real work (a
    script's time limit), never for what the procedure's deadlines read."""
    import time

    return time.monotonic()


def london(when: _dt.datetime) -> _dt.datetime:
    return when.astimezone(LONDON)


def given(value) -> _dt.datetime:
    """A time a person or a system gave (ISO 8601 text or a datetime), in UTC; without an
    offset it is London time, as people type it. ValueError if it is not a real time,
    including one that is only out of range once in UTC (year 1 at +01:00)."""
    when = value if isinstance(value, _dt.datetime) else _dt.datetime.fromisoformat(str(value))
    if when.tzinfo is None:
        when = when.replace(tzinfo=LONDON)
    try:
        return when.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value} is out of range") from None


class _ClockDatetime(_dt.datetime):
    """Stands in for `datetime` inside SpiffWorkflow's timer module."""

    @classmethod
    def now(cls, tz=None):
        moment = _current.now()
        if tz is not None:
            return moment.astimezone(tz)
        return moment.astimezone(LONDON).replace(tzinfo=None)


def install() -> None:
    """Make SpiffWorkflow's timers read our clock. Idempotent; call once at start-up."""
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _ClockDatetime
