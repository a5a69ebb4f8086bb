"""The deadline builder's words and expressions, both ways, and the text people see
derived from the timer (issue 12)."""

from pathlib import Path

import pytest
from lxml import etree

from engine import deadline_words as dw
from engine.calendar import WorkingCalendar
from engine.scripting import diagram_helpers

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("amount", "unit", "anchor", "expression", "words"), [
    (72, "hours", "found_at", "sg_hours_after(found_at, 72)",
     "72 hours after the child was found"),
    (1, "hours", "reported_at", "sg_hours_after(reported_at, 1)", "1 hour after the report"),
    ("0.5", "hours", "risk_assessed_at", "sg_hours_after(risk_assessed_at, 0.5)",
     "30 minutes after the risk was graded"),
    (7, "days", "last_seen_at", "sg_days_after(last_seen_at, 7)",
     "7 days after the child was last seen"),
    (10, "working_days", "last_episode_start", "sg_working_days_after(last_episode_start, 10)",
     "10 working days after the latest episode started"),
    (1, "working_days", "sg_now()", "sg_working_days_after(sg_now(), 1)",
     "1 working day after the work was given"),
])
def test_r22_builder_writes_the_expression_and_reads_it_back(amount, unit, anchor,
                                                             expression, words):
    built = dw.build(amount, unit, anchor)
    assert built.expression == expression
    assert built.words == words
    assert dw.parse_expression(expression) == built
    assert dw.describe(expression) == words


def test_builder_expressions_run_in_the_engine_with_the_working_calendar():
    """What the builder writes is what engine/scripting evaluates: 2 working days after a
    Friday is the end of Tuesday (London), 72 hours is 72 elapsed hours."""
    helpers = diagram_helpers(WorkingCalendar())
    scope = {**helpers, "found_at": "2026-03-06T10:00:00+00:00",
             "last_episode_start": "2026-03-06T10:00:00+00:00"}
    assert eval(dw.build(72, "hours", "found_at").expression, scope) \
        == "2026-03-09T10:00:00+00:00"
    assert eval(dw.build(2, "working_days", "last_episode_start").expression, scope) \
        == "2026-03-10T23:59:59+00:00"


@pytest.mark.parametrize("expression", [
    "plans_due_at", "sg_hours_after(reported_at, 0.25 if risk else 1)",
    "sg_hours_after(unknown_at, 2)", "sg_hours_after(found_at)", '"PT2H"', "sg_hours_after(",
    "sg_working_days_after(found_at, 1.5)", "sg_hours_after(found_at, True)",
])
def test_expressions_the_builder_does_not_write_are_not_described(expression):
    assert dw.parse_expression(expression) is None
    assert dw.describe(expression) is None


@pytest.mark.parametrize(("typed", "expression"), [
    ("72 hours after found", "sg_hours_after(found_at, 72)"),
    ("72h after the child was found", "sg_hours_after(found_at, 72)"),
    ("Within 48 hours of the report (R15)", "sg_hours_after(reported_at, 48)"),
    ("48 hrs after last seen", "sg_hours_after(last_seen_at, 48)"),
    ("2 working days from the latest episode", "sg_working_days_after(last_episode_start, 2)"),
    ("30 mins after the high grade", "sg_hours_after(risk_assessed_at, 0.5)"),
    ("a week after last seen", "sg_days_after(last_seen_at, 7)"),
    ("seven days after last seen", "sg_days_after(last_seen_at, 7)"),
    ("72 hours after the child is found", "sg_hours_after(found_at, 72)"),
    ("72 hours after the child returns home", "sg_hours_after(found_at, 72)"),
    ("48 hours after the child was reported missing", "sg_hours_after(reported_at, 48)"),
    ("10 working days after the start of the most recent episode",
     "sg_working_days_after(last_episode_start, 10)"),
    ("72 hours after police protection began", "sg_hours_after(police_protection_from, 72)"),
    ("2 working days after the review meeting date", "sg_working_days_after(review_due_at, 2)"),
])
def test_typed_deadlines_are_understood(typed, expression):
    assert dw.understand(typed).expression == expression


def test_72_hours_alone_counts_from_the_timers_own_case_time_or_asks_for_one():
    assert dw.understand("72 hours", "found_at").expression == "sg_hours_after(found_at, 72)"
    with pytest.raises(dw.NotUnderstood) as asked:
        dw.understand("72 hours")
    assert "Say what the 72 hours count from, like '72 hours after found'" in str(asked.value)
    assert "'the latest episode's start'" in str(asked.value)


@pytest.mark.parametrize(("typed", "suggestion"), [
    ("", "Type a deadline like '72 hours after found'"),
    ("after found", "Start with how long"),
    ("72 hours after foudn", "Did you mean '72 hours after found'?"),
    ("72 hours after lunch", "'lunch' is not a case time"),
    ("2 months after found", "say days instead"),
    ("1.5 working days after found", "Working days are whole days"),
    ("0 hours after found", "more than 0"),
    ("1.5 days after found", "1.5 days is 36 hours"),
])
def test_what_is_not_understood_gets_a_suggestion(typed, suggestion):
    with pytest.raises(dw.NotUnderstood) as refused:
        dw.understand(typed)
    assert suggestion in str(refused.value)


def test_r22_a_name_saying_72_hours_contradicts_a_48_hour_timer():
    deadline = dw.parse_expression("sg_hours_after(found_at, 48)")
    assert dw.contradicts("72 hours after found", deadline)
    assert not dw.contradicts("48 hours after found", deadline)
    assert not dw.contradicts("Return home interview due", deadline)  # no time named
    assert not dw.contradicts("Immediate: within 30 minutes (R5)",
                              dw.parse_expression("sg_hours_after(risk_assessed_at, 0.5)"))


def test_shipped_diagrams_have_no_timer_name_contradicting_its_timer():
    found = []
    for path in sorted((ROOT / "processes").glob("*.bpmn")):
        found += dw.check_names(etree.parse(str(path)).getroot(), path.name)
    assert [p.located() for p in found] == []
    assert len([1 for path in (ROOT / "processes").glob("*.bpmn")
                for _ in dw.timer_deadlines(etree.parse(str(path)).getroot())]) >= 15


def test_r22_check_refuses_a_task_deadline_saying_72_when_its_timer_says_48():
    xml = (ROOT / "processes" / "interview.bpmn").read_bytes().replace(
        b"sg_hours_after(found_at, 72)", b"sg_hours_after(found_at, 48)", 1)
    problems = dw.check_names(etree.fromstring(xml), "interview.bpmn")
    assert {p.element for p in problems} == {"rhi_due", "rhi"}
    assert any("set to 48 hours after the child was found" in p.message for p in problems)


def test_r36_a_day_is_24_hours_but_not_a_working_day_or_two_days():
    """R36's re-checks are named "A day after the chase" on a 24-hour timer: the same
    time, so Check lets it be; two days or a working day would not be."""
    day = dw.Deadline(24, "hours", "sg_now()")
    assert not dw.contradicts("A day after the chase", day)
    assert dw.contradicts("Two days after the chase", day)
    assert dw.contradicts("A working day after the chase", day)
    assert not dw.contradicts("48 hours later", dw.Deadline(
        2, "days", "reported_at"))
