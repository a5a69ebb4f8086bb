"""Due times that had no escalation (audit11 gaps, item 5): late work goes to the
responsible manager, and the work itself stays open (docs/conventions.md, "Deadlines")."""

import datetime as dt

import pytest

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


ROUTE = "subject_to_restriction"
H = dt.timedelta(hours=1)


@pytest.mark.parametrize("task,role,manager", [
    ("notify_home_office_missing", "social_worker", "team_manager"),
    ("pnc_circulation", "police", "police_supervisor")])
def test_r40_told_and_circulated_when_the_child_goes_missing_or_escalated(proc, task, role,
                                                                         manager):
    episode = proc.report(proc.child(flags={"subject_to_restriction": True}))
    reported = proc.episode(episode).reported_at
    item = proc.items(episode, process=ROUTE)[task]
    assert (item.role, item.due_at) == (role, reported + H)
    proc.set(reported + H)
    assert f"{task}_overdue" not in proc.items(episode, process=ROUTE)
    proc.set(reported + H + MIN)
    items = proc.items(episode, process=ROUTE)
    assert items[f"{task}_overdue"].role == manager
    assert task in items


def test_r42_home_office_found_not_told_in_time_goes_to_the_team_manager(proc):
    episode = proc.report(proc.child(flags={"subject_to_restriction": True}))
    proc.clock.advance(hours=3)
    found_at = proc.clock.now()
    proc.found(episode, found_at=found_at, found_by="home_office", actor="home_office")
    assert proc.items(episode, process=ROUTE)["home_office_found"].due_at == found_at + H
    proc.set(found_at + H + MIN)
    items = proc.items(episode, process=ROUTE)
    assert items["home_office_found_overdue"].role == "team_manager"
    assert "home_office_found" in items


def test_r11_host_authority_not_notified_by_the_next_working_day_goes_to_the_team_manager(
        proc):
    episode = proc.report(proc.child(placed="out_of_area"))
    proc.complete(episode, "grade_risk")
    item = proc.items(episode)["notify_host_authority"]
    reported = proc.episode(episode).reported_at
    assert item.role == "social_worker"
    assert reported < item.due_at <= reported + dt.timedelta(days=4)
    proc.set(item.due_at + MIN)
    items = proc.items(episode)
    assert items["notify_host_authority_overdue"].role == "team_manager"
    assert "notify_host_authority" in items
