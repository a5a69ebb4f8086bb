"""Due times that had no escalation (audit11 gaps, item 5): late work goes to the
responsible manager, and the work itself stays open (docs/conventions.md, "Deadlines")."""

import datetime as dt

from tests.procedure.test_interview import found_episode

MIN = dt.timedelta(minutes=1)


def test_r35_r49_health_not_told_in_time_goes_to_the_team_manager(proc):
    high = proc.report(proc.child())
    proc.complete(high, "grade_risk", risk_grade="high")
    proc.advance(hours=1)
    proc.found(high)
    due = proc.items(high)["tell_health"].due_at
    assert due is not None
    proc.set(due)
    assert "tell_health_overdue" not in proc.items(high)
    proc.set(due + MIN)
    items = proc.items(high)
    assert items["tell_health_overdue"].role == "team_manager"
    assert "tell_health" in items
    proc.complete(high, "tell_health_overdue", escalation_action="chased")
    proc.advance(hours=24, seconds=1)
    assert proc.items(high)["tell_health_overdue_check"].role == "team_manager"


def test_r35_police_trigger_plan_not_updated_in_time_goes_to_the_police_supervisor(proc):
    episode = found_episode(proc)
    due = proc.items(episode)["update_trigger_plan"].due_at
    assert due is not None
    proc.set(due)
    assert "trigger_plan_overdue" not in proc.items(episode)
    proc.set(due + MIN)
    items = proc.items(episode)
    assert items["trigger_plan_overdue"].role == "police_supervisor"
    assert "update_trigger_plan" in items
