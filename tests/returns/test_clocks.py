"""Statutory clocks on the projections (R45): each timer row and the work item it bounds
carry the `clock` property of the diagram's boundary timer, so "met, late, missed, open"
per clock is a query."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import Timer
from tests.conftest import london
from tests.procedure.conftest import proc  # noqa: F401


def test_r45_timer_and_work_item_rows_carry_the_statutory_clock(proc, session):  # noqa: F811
    proc.set(london(2026, 3, 2, 21, 0))
    episode = proc.report(proc.child())
    proc.complete(episode, "grade_risk", risk_grade="low", carer_actions_suitable=True,
                  carer_actions="Carer rings friends")
    review = proc.items(episode)["low_risk_review"]
    assert review.clock == "low_risk_review"
    timer = session.scalar(select(Timer).where(Timer.case_id == review.case_id,
                                               Timer.element_id == "low_risk_review_due"))
    assert timer.clock == "low_risk_review" and timer.bounds_task_id == review.task_id
    proc.advance(hours=3)
    escalation = proc.items(episode)["low_risk_review_overdue"]
    assert escalation.clock is None  # the escalation is not itself a statutory deadline
    assert proc.items(episode)["low_risk_review"].clock == "low_risk_review"


def test_r45_r46_rules_command_shows_the_modules_and_tests():
    from click.testing import CliRunner

    from web.cli import main

    output = CliRunner().invoke(main, ["rules", "--all"]).output
    lines = output.splitlines()
    r45 = next(n for n, line in enumerate(lines) if line.startswith("R45 "))
    r46 = next(n for n, line in enumerate(lines) if line.startswith("R46 "))
    assert "engine/dashboard.py" in lines[r45] and "test_r45_" in lines[r45 + 1]
    assert "engine/returns/ssda903.py" in lines[r46] and "test_r46_" in lines[r46 + 1]
