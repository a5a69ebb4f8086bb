"""R36: every answer to a missed deadline leads somewhere. Done late ends it; chased or
given to someone else is checked again a day later; escalated goes through line
management (the police inspector for police work, the service manager for the council's),
then the partnership's escalation policy."""

import datetime as dt

import pytest

H = dt.timedelta(hours=1)


def overdue_grading(proc):
    """An ungraded report, an hour and a second later: the police supervisor's item."""
    reported = proc.clock.now()
    episode = proc.report(proc.child())
    proc.set(reported + H + dt.timedelta(seconds=1))
    assert proc.items(episode)["grading_overdue"].role == "police_supervisor"
    return episode


def test_r36_police_escalation_goes_to_police_line_management_then_the_partnership(proc):
    episode = overdue_grading(proc)
    proc.complete(episode, "grading_overdue", escalation_action="escalated",
                  escalation_notes="No grade after an hour; taken to the inspector")
    items = proc.items(episode)
    assert "grading_overdue" not in items
    # police work goes up the police line, not to the council's service manager
    assert items["late_police_line_management"].role == "police_inspector"
    assert "late_line_management" not in items
    proc.complete(episode, "late_police_line_management", late_resolved=False,
                  late_notes="Still no officer free")
    items = proc.items(episode)
    assert items["late_partnership"].role == "service_manager"
    assert items["late_partnership"].form_key == "partnership_escalation"
    proc.complete(episode, "late_partnership")
    assert not {"late_police_line_management", "late_partnership"} & set(proc.items(episode))


def test_r36_council_escalation_goes_to_the_service_manager_then_the_partnership(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child())
    proc.set(reported + H + dt.timedelta(seconds=1))  # R7: who is told, 1 hour
    assert proc.items(episode)["notifications_overdue"].role == "team_manager"
    proc.complete(episode, "notifications_overdue", escalation_action="escalated")
    items = proc.items(episode)
    assert items["late_line_management"].role == "service_manager"
    assert "late_police_line_management" not in items
    proc.complete(episode, "late_line_management", late_resolved=False)
    assert proc.items(episode)["late_partnership"].role == "service_manager"


def test_r36_escalated_and_resolved_by_line_management_ends_there(proc):
    episode = overdue_grading(proc)
    proc.complete(episode, "grading_overdue", escalation_action="escalated")
    proc.complete(episode, "late_police_line_management")  # late_resolved true
    assert not {"late_police_line_management", "late_partnership"} & set(proc.items(episode))


@pytest.mark.parametrize("answer", ["chased", "reallocated"])
def test_r36_chased_or_reallocated_is_checked_again_a_day_later(proc, answer):
    episode = overdue_grading(proc)
    proc.complete(episode, "grading_overdue", escalation_action=answer)
    answered = proc.clock.now()
    assert "grading_overdue_check" not in proc.items(episode)
    proc.set(answered + 24 * H - dt.timedelta(seconds=1))
    assert "grading_overdue_check" not in proc.items(episode)
    proc.set(answered + 24 * H + dt.timedelta(seconds=1))
    check = proc.items(episode)["grading_overdue_check"]
    assert check.role == "police_supervisor"
    # still not done: escalated from the check, the line management work follows
    proc.complete(episode, "grading_overdue_check", escalation_action="escalated")
    assert proc.items(episode)["late_police_line_management"].role == "police_inspector"


def test_r36_done_late_ends_the_escalation(proc):
    episode = overdue_grading(proc)
    proc.complete(episode, "grading_overdue", escalation_action="done_late")
    proc.advance(hours=25)
    items = proc.items(episode)
    assert not {"grading_overdue", "grading_overdue_check", "late_line_management",
                "late_police_line_management"} & set(items)
