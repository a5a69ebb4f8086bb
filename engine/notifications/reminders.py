"""When a deadline's reminder falls due.

A deadline is a boundary timer on the task it bounds (docs/conventions.md). Its reminder
goes to whoever holds that task at `due - lead`:

- the lead is the timer element's `reminderBefore` property (an ISO 8601 duration such
  as `PT12H`), when the diagram gives one;
- otherwise a quarter of the time the task was given (from when the timer was armed to
  when it is due), at most 24 hours: 30 minutes before a 2-hour deadline, 18 hours
  before a 72-hour one, a day before a 7-day one.

A deadline already past when it is armed gets no reminder (its escalation comes at once).
"""

from __future__ import annotations

import datetime as dt

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

PROPERTY = "reminderBefore"
DEFAULT_SHARE = 4
DEFAULT_MOST = dt.timedelta(hours=24)


def reminder_at(timer_task, due: dt.datetime, armed: dt.datetime) -> dt.datetime | None:
    if due <= armed:
        return None
    lead = lead_from_property(timer_task.task_spec, due)
    if lead is None:
        lead = min((due - armed) / DEFAULT_SHARE, DEFAULT_MOST)
    return due - lead


def lead_from_property(task_spec, due: dt.datetime) -> dt.timedelta | None:
    value = task_spec.extensions.get("properties", {}).get(PROPERTY)
    if not value:
        return None
    try:
        return parse_lead(value, due)
    except ValueError:
        return None  # `safeguard check` reports it; a running case falls back to the default


def parse_lead(value: str, due: dt.datetime) -> dt.timedelta:
    """An ISO 8601 duration counted back from `due`. Raises ValueError naming the value."""
    try:
        parsed = TimerEventDefinition.parse_iso_duration(value.strip())
        lead = TimerEventDefinition.get_timedelta_from_end(parsed, due)
    except Exception as exc:
        raise ValueError(f"{PROPERTY} '{value}' is not an ISO 8601 duration such as PT12H")\
            from exc
    if lead <= dt.timedelta(0):
        raise ValueError(f"{PROPERTY} '{value}' must be longer than zero")
    return lead
