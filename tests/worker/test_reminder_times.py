"""When a deadline's reminder falls due, and what `safeguard check` says of a bad
`reminderBefore` property."""

import datetime as dt
from pathlib import Path

import pytest

from engine import specs
from engine.errors import DiagramProblems
from engine.notifications import reminders

H = dt.timedelta(hours=1)
ARMED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DIAGRAM = (Path(__file__).resolve().parent / "diagrams" / "deadline.bpmn").read_text()


class Spec:
    def __init__(self, properties=None):
        self.extensions = {"properties": properties or {}}


class Task:
    def __init__(self, properties=None):
        self.task_spec = Spec(properties)


@pytest.mark.parametrize(("hours", "lead"), [
    (2, dt.timedelta(minutes=30)), (24, 6 * H), (48, 12 * H), (72, 18 * H),
    (7 * 24, 24 * H)])
def test_default_lead_is_a_quarter_of_the_time_given_at_most_a_day(hours, lead):
    due = ARMED + hours * H
    assert reminders.reminder_at(Task(), due, ARMED) == due - lead


def test_the_timer_property_sets_the_lead():
    due = ARMED + 72 * H
    assert reminders.reminder_at(Task({"reminderBefore": "P1DT6H"}), due, ARMED) == due - 30 * H
    # a lead longer than the time given: the reminder is due at once
    assert reminders.reminder_at(Task({"reminderBefore": "P5D"}), due, ARMED) < ARMED


def test_no_reminder_for_a_deadline_past_when_armed():
    assert reminders.reminder_at(Task(), ARMED - H, ARMED) is None
    assert reminders.reminder_at(Task(), ARMED, ARMED) is None


def test_a_bad_property_falls_back_to_the_default_in_a_running_case():
    due = ARMED + 2 * H
    assert reminders.reminder_at(Task({"reminderBefore": "soon"}), due, ARMED) == due - H / 2


@pytest.mark.parametrize("value", ["soon", "PT0H", "1 hour"])
def test_check_names_a_bad_reminder_property(value):
    xml = DIAGRAM.replace('value="PT1H"', f'value="{value}"')
    with pytest.raises(DiagramProblems) as raised:
        specs.parse_bundle({"deadline.bpmn": xml.encode()})
    [problem] = raised.value.problems
    assert problem.element == "do_it_due"
    assert problem.file == "deadline.bpmn"
    assert problem.line == xml.splitlines().index(next(
        line for line in xml.splitlines() if 'id="do_it_due"' in line)) + 1
    assert f"reminderBefore '{value}'" in problem.message
