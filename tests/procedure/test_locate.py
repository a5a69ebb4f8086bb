"""R14-R19: the locate diagram (locate.bpmn), running beside report while the child is missing."""

import datetime as dt

from tests.conftest import london


def test_r14_action_plan_at_once_then_daily_contact_and_iro(proc):
    episode = proc.report(proc.child())
    items = proc.items(episode)
    assert items["action_plan"].role == "social_worker"
    assert items["iro_contact"].role == "iro"
    assert items["iro_contact"].assignee_id == proc.user_ids["iro"]
    proc.complete(episode, "action_plan")
    assert proc.items(episode)["daily_contact"].role == "social_worker"
    proc.complete(episode, "daily_contact")
    assert "daily_contact" not in proc.items(episode)
    proc.advance(days=1, seconds=1)
    assert "daily_contact" in proc.items(episode)


def test_r15_strategy_meeting_24_hours_after_report_and_not_before(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child())
    proc.set(reported + dt.timedelta(hours=24))
    assert "strategy_meeting" not in proc.items(episode)
    proc.advance(seconds=1)
    meeting = proc.items(episode)["strategy_meeting"]
    assert meeting.role == "social_worker"
    assert meeting.due_at == reported + dt.timedelta(hours=48)


def test_r15_strategy_meeting_overdue_escalates_to_team_manager(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child())
    proc.set(reported + dt.timedelta(hours=24, seconds=1))
    proc.set(reported + dt.timedelta(hours=48, seconds=1))
    items = proc.items(episode)
    assert items["strategy_meeting_overdue"].role == "team_manager"
    assert "strategy_meeting" in items


def test_r16_need_to_know_due_48_hours_after_last_seen_not_report(proc):
    reported = proc.clock.now()
    last_seen = reported - dt.timedelta(hours=6)
    episode = proc.report(proc.child(), last_seen_at=last_seen.isoformat())
    item = proc.items(episode)["need_to_know_report"]
    assert item.role == "team_manager"
    assert item.due_at == last_seen + dt.timedelta(hours=48)
    assert item.due_at != reported + dt.timedelta(hours=48)
    proc.set(last_seen + dt.timedelta(hours=48, seconds=1))
    items = proc.items(episode)
    assert items["need_to_know_overdue"].role == "service_manager"
    assert "need_to_know_report" in items


def test_r17_lead_member_within_7_days_of_last_seen(proc):
    last_seen = london(2026, 3, 1, 20, 0)
    episode = proc.report(proc.child(), last_seen_at=last_seen.isoformat())
    proc.complete(episode, "need_to_know_report")
    item = proc.items(episode)["notify_lead_member"]
    assert item.role == "service_manager"
    assert item.due_at == last_seen + dt.timedelta(days=7)
    proc.set(last_seen + dt.timedelta(days=7, seconds=1))
    items = proc.items(episode)
    assert items["lead_member_overdue"].role == "service_manager"
    assert "notify_lead_member" in items


def test_r18_legal_routes_recorded(proc):
    import pytest

    from engine.errors import InvalidInput

    episode = proc.report(proc.child())
    assert proc.items(episode)["legal_routes"].role == "social_worker"
    with pytest.raises(InvalidInput):
        proc.complete(episode, "legal_routes", cawn_considered=True,
                      cawn_agreed_with_team_manager=False, cawn_team_manager="TM")
    proc.complete(episode, "legal_routes")
    assert "legal_routes" in proc.items(episode, state="completed")


def test_r19_liaison_while_missing(proc):
    episode = proc.report(proc.child(placed="out_of_area"))
    assert proc.items(episode)["liaison"].role == "social_worker"
    proc.complete(episode, "liaison")
    assert "liaison" in proc.items(episode, state="completed")


def test_r14_found_cancels_locate_work(proc):
    episode = proc.report(proc.child())
    proc.advance(hours=1)
    proc.found(episode)
    items = proc.items(episode)
    assert set(items) == {"record_found"}
    assert "action_plan" in proc.items(episode, state="cancelled")
