"""R28, R31: the repeat-episode rule is data (processes/triggers.dmn) that process owners
edit and publish; its cells are checked against the sandbox; working days (R28) are
counted like a person would, day by day."""

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import calendar, specs
from engine.commands import PublishProcesses
from engine.errors import DiagramProblems
from engine.executor import SYSTEM, run
from tests.conftest import PROCESSES, london

TABLE = (PROCESSES / "triggers.dmn").read_text()


def bundle(table: str) -> dict[str, bytes]:
    files = specs.read_directory(PROCESSES)
    files["triggers.dmn"] = table.encode()
    return files


def test_r28_thresholds_and_window_are_cells_process_owners_publish(proc):
    """Lower the Stage One threshold from 3 to 2 in the table: the edited table is
    published as a new version of repeat_triggers and the next count uses it."""
    count = "sum(1 for days in ? if days &lt;= 90)"
    edited = TABLE.replace(f"3 &lt;= {count}", f"2 &lt;= {count}").replace(
        f"{count} &lt; 3", f"{count} &lt; 2")
    assert edited != TABLE
    created = run(proc.session, PublishProcesses(bundle(edited), "threshold 2"), SYSTEM)
    assert [(v.process_id, v.version) for v in created] == [("repeat_triggers", 2)]
    child = proc.child()
    proc.clock.set(london(2026, 2, 1, 12))
    proc.episode_at(child, london(2026, 2, 1, 12))
    assert proc.child_cases(child, "stage_one") == []
    proc.episode_at(child, london(2026, 2, 20, 12))
    assert len(proc.child_cases(child, "stage_one")) == 1


def test_r28_a_process_owner_publishes_the_edited_table_from_a_draft(proc):
    """The modeller's path: the table's draft is published with the newest diagrams, the
    diagram that reads it gets a new version, and the table keeps a version of its own."""
    from engine.commands.process_drafts import PublishProcessDraft, SaveProcessDraft
    from engine.models import DecisionTableVersion
    from engine.versions import latest_tables

    assert latest_tables(proc.session)["triggers.dmn"].version == 1  # from the repository
    count = "sum(1 for days in ? if days &lt;= 90)"
    edited = TABLE.replace(f"3 &lt;= {count}", f"2 &lt;= {count}").replace(
        f"{count} &lt; 3", f"{count} &lt; 2")
    run(proc.session, SaveProcessDraft("triggers.dmn", edited.encode()), SYSTEM)
    created = run(proc.session, PublishProcessDraft("triggers.dmn", "threshold 2"), SYSTEM)
    assert [(v.process_id, v.version) for v in created] == [("repeat_triggers", 2)]
    proc.session.rollback()
    table = latest_tables(proc.session)["triggers.dmn"]
    assert (table.version, table.xml, table.note) == (2, edited.encode(), "threshold 2")
    assert proc.session.query(DecisionTableVersion).count() == 2
    child = proc.child()
    proc.clock.set(london(2026, 2, 1, 12))
    proc.episode_at(child, london(2026, 2, 1, 12))
    proc.episode_at(child, london(2026, 2, 20, 12))
    assert len(proc.child_cases(child, "stage_one")) == 1  # two episodes are now enough


def test_r28_window_edited_to_30_days(proc):
    edited = TABLE.replace("days &lt;= 90", "days &lt;= 30")
    run(proc.session, PublishProcesses(bundle(edited), "window 30"), SYSTEM)
    child = proc.child()
    proc.clock.set(london(2026, 1, 1, 12))
    for day in (0, 24, 39):  # only two within 30 days of the latest
        proc.episode_at(child, london(2026, 1, 1, 12) + dt.timedelta(days=day))
    assert proc.child_cases(child, "stage_one") == []
    proc.episode_at(child, london(2026, 2, 12, 12))  # three within 30 days now
    assert len(proc.child_cases(child, "stage_one")) == 1


@pytest.mark.parametrize("cell, message", [
    ("[12..17]", "not a valid Python expression"),
    ("__import__('os')", "not allowed"),
])
def test_r28_a_decision_cell_that_cannot_run_is_refused_naming_the_rule(cell, message):
    broken = TABLE.replace("<inputEntry id=\"rule_stage_one_in1\"><text>False</text>",
                           f"<inputEntry id=\"rule_stage_one_in1\"><text>{cell}</text>")
    assert broken != TABLE
    with pytest.raises(DiagramProblems) as problems:
        specs.parse_bundle(bundle(broken))
    [problem] = problems.value.problems
    assert problem.file == "triggers.dmn"
    assert problem.element == "rule_stage_one_in1"
    assert problem.line == broken.splitlines().index(next(
        line for line in broken.splitlines() if "rule_stage_one_in1" in line)) + 1
    assert message in str(problem)


def day_by_day(start: dt.date, n: int, extra: frozenset) -> dt.date:
    """A plain count: step one day at a time, counting weekdays that are not holidays."""
    day, counted = start, 0
    while counted < n:
        day += dt.timedelta(days=1)
        if day.weekday() >= 5:
            continue
        if day in calendar.bank_holidays(day.year) or day in extra:
            continue
        counted += 1
    return day


@settings(max_examples=300, deadline=None)
@given(start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)),
       n=st.integers(min_value=0, max_value=40),
       extra=st.frozensets(st.dates(min_value=dt.date(2020, 1, 1),
                                    max_value=dt.date(2031, 3, 31)), max_size=5))
def test_r28_add_working_days_matches_a_day_by_day_count(start, n, extra):
    assert calendar.add_working_days(start, n, extra) == day_by_day(start, n, extra)


def test_r28_working_days_worked_example():
    assert calendar.add_working_days(dt.date(2025, 12, 19), 10) == dt.date(2026, 1, 7)


def test_r28_the_dmn_file_is_published_with_the_bundle():
    parsed = specs.parse_bundle(specs.read_directory(Path(PROCESSES)))
    assert "repeat_triggers" in parsed
    plain = specs.parse_bundle(bundle(TABLE.replace("days &lt;= 90", "days &lt;= 91")))
    assert plain["repeat_triggers"].sha256 != parsed["repeat_triggers"].sha256
    assert plain["stage_one"].sha256 == parsed["stage_one"].sha256
