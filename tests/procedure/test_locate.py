"""R14-R19: the locate diagram (locate.bpmn), running beside report while the child is missing."""

import datetime as dt

import pytest
from sqlalchemy import select

from engine.errors import InvalidInput
from engine.models import Timer
from tests.conftest import london

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
S = dt.timedelta(seconds=1)


def test_r14_action_plan_due_at_once_and_escalates(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child())
    items = proc.items(episode)
    assert items["action_plan"].role == "social_worker"
    assert items["action_plan"].due_at == reported + H
    proc.set(reported + H + S)
    items = proc.items(episode)
    assert items["action_plan_overdue"].role == "team_manager"
    assert "action_plan" in items


def test_r14_daily_contact_due_daily_from_the_report_not_from_completion(proc):
    reported = proc.clock.now()  # Monday 09:00
    episode = proc.report(proc.child())
    assert proc.items(episode)["daily_contact"].due_at == reported + D
    proc.set(reported + 20 * H)
    proc.complete(episode, "daily_contact")
    assert "daily_contact" not in proc.items(episode)  # day 2 starts 24 hours after the report
    proc.set(reported + D + S)
    assert proc.items(episode)["daily_contact"].due_at == reported + 2 * D
    # day 2 is done late, after its escalation: day 3 is still due 3 days after the report
    proc.set(reported + 2 * D + 6 * H)
    assert proc.items(episode)["daily_contact_overdue"].role == "team_manager"
    proc.complete(episode, "daily_contact")
    proc.fire()
    assert proc.items(episode)["daily_contact"].due_at == reported + 3 * D


def test_r14_iro_contact_attempts_repeat_while_missing(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child())
    item = proc.items(episode)["iro_contact"]
    assert (item.role, item.assignee_id, item.due_at) == ("iro", proc.user_ids["iro"],
                                                          reported + D)
    proc.complete(episode, "iro_contact")
    assert "iro_contact" not in proc.items(episode)
    proc.set(reported + D + S)
    again = proc.items(episode)["iro_contact"]
    assert again.due_at == reported + 2 * D and again.assignee_id == proc.user_ids["iro"]


def test_r15_strategy_meeting_24_hours_after_report_and_not_before(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child())
    proc.set(reported + dt.timedelta(hours=24))
    assert "strategy_meeting" not in proc.items(episode)
    proc.advance(seconds=1)
    items = proc.items(episode)
    meeting = items["strategy_meeting"]
    assert meeting.role == "social_worker"
    assert meeting.due_at == reported + dt.timedelta(hours=48)
    # R15: the police get the strategy meeting work too
    assert items["police_strategy_meeting"].role == "police"
    assert items["police_strategy_meeting"].due_at == reported + dt.timedelta(hours=48)
    assert "early_strategy_meeting" not in items


def test_r15_strategy_meeting_held_before_24_hours_is_recorded(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child())
    proc.complete(episode, "grade_risk", risk_grade="high")
    proc.set(reported + 3 * H)
    proc.complete(episode, "early_strategy_meeting")
    proc.set(reported + 48 * H + S)
    items = proc.items(episode)
    assert not {"strategy_meeting", "police_strategy_meeting", "strategy_meeting_overdue"} & set(
        items)
    done = proc.items(episode, state="completed")["early_strategy_meeting"]
    assert done.completed_at == reported + 3 * H


def test_r15_strategy_meeting_overdue_escalates_to_team_manager(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child())
    proc.set(reported + dt.timedelta(hours=24, seconds=1))
    proc.set(reported + dt.timedelta(hours=48, seconds=1))
    items = proc.items(episode)
    assert items["strategy_meeting_overdue"].role == "team_manager"
    assert items["police_strategy_meeting_overdue"].role == "police_supervisor"
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


def test_r17_lead_member_armed_from_last_seen_without_the_need_to_know_report(proc):
    last_seen = london(2026, 3, 1, 20, 0)
    episode = proc.report(proc.child(), last_seen_at=last_seen.isoformat())
    assert proc.items(episode)["notify_lead_member"].due_at == last_seen + 7 * D
    proc.set(last_seen + 7 * D + S)  # the need-to-know report was never sent
    items = proc.items(episode)
    assert {"need_to_know_report", "need_to_know_overdue", "notify_lead_member",
            "lead_member_overdue"} <= set(items)


def test_r18_legal_routes_recorded(proc):
    episode = proc.report(proc.child())
    assert proc.items(episode)["legal_routes"].role == "social_worker"
    with pytest.raises(InvalidInput):
        proc.complete(episode, "legal_routes", cawn_considered=True,
                      cawn_agreed_with_team_manager=False, cawn_team_manager="TM")
    proc.complete(episode, "legal_routes")
    assert "legal_routes" in proc.items(episode, state="completed")
    assert not {"police_protection_end", "epo_extension", "order_application"} & set(
        proc.items(episode))


def test_r18_police_protection_ends_72_hours_after_it_started(proc):
    episode = proc.report(proc.child())
    started = proc.clock.now() - 2 * H
    proc.complete(episode, "legal_routes", police_protection=True,
                  police_protection_from=started.isoformat(), police_protection_hours=72)
    item = proc.items(episode)["police_protection_end"]
    assert (item.role, item.due_at) == ("social_worker", started + 72 * H)
    proc.session.rollback()
    timer = proc.session.scalar(select(Timer).where(Timer.element_id == "police_protection_due"))
    assert timer.reminder_at == started + 60 * H  # a reminder 12 hours before it ends
    proc.set(started + 72 * H + S)
    assert proc.items(episode)["police_protection_overdue"].role == "team_manager"


def test_r18_epo_ends_at_8_days_and_extension_at_most_7_more(proc):
    episode = proc.report(proc.child())
    made = proc.clock.now()
    proc.complete(episode, "legal_routes", epo=True, epo_made_at=made.isoformat(), epo_days=8)
    item = proc.items(episode)["epo_extension"]
    assert item.due_at == made + 8 * D
    proc.session.rollback()
    timer = proc.session.scalar(select(Timer).where(Timer.element_id == "epo_due"))
    assert timer.reminder_at == made + 7 * D
    with pytest.raises(InvalidInput) as refused:
        proc.complete(episode, "epo_extension", extend_epo=True, epo_extension_days=8)
    assert "epo_extension_days" in refused.value.errors
    proc.complete(episode, "epo_extension", extend_epo=True, epo_extension_days=7)
    assert proc.items(episode)["epo_extension_end"].due_at == made + 15 * D


@pytest.mark.parametrize("legal_status,basis,needs_order", [
    ("s20", "care_order", True), ("s20", "interim_care_order", True),
    ("care_order", "care_order", False), ("interim_care_order", "interim_care_order", False)])
def test_r18_recovery_order_checked_against_the_childs_legal_status(proc, legal_status, basis,
                                                                     needs_order):
    episode = proc.report(proc.child(legal_status=legal_status))
    proc.complete(episode, "legal_routes", recovery_order=True, recovery_order_basis=basis)
    assert ("order_application" in proc.items(episode)) is needs_order


def test_r19_liaison_repeats_while_missing(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child(placed="out_of_area"))
    item = proc.items(episode)["liaison"]
    assert (item.role, item.due_at) == ("social_worker", reported + 2 * D)
    proc.complete(episode, "liaison")
    assert "liaison" not in proc.items(episode)
    proc.set(reported + 2 * D + S)
    assert proc.items(episode)["liaison"].due_at == reported + 4 * D


def test_r5_risk_review_at_a_daily_cadence_never_straight_after_completion(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child())
    proc.complete(episode, "grade_risk")
    assert "review_risk" not in proc.items(episode)
    proc.set(reported + 24 * H + S)
    item = proc.items(episode)["review_risk"]
    assert (item.role, item.due_at) == ("police", reported + 26 * H)
    proc.complete(episode, "review_risk")
    assert "review_risk" not in proc.items(episode)  # not a standing loop
    proc.set(reported + 48 * H + S)
    assert proc.items(episode)["review_risk"].due_at == reported + 50 * H
    proc.set(reported + 50 * H + S)
    assert proc.items(episode)["risk_review_overdue"].role == "police_supervisor"


def test_r14_found_cancels_locate_work(proc):
    episode = proc.report(proc.child())
    proc.advance(hours=1)
    proc.found(episode)
    items = proc.items(episode)
    # the search stops; the sharing of the report (R7-R13) does not
    assert set(items) == {"record_found", "prevention_interview", "rhi", "mach_review",
                          "notifications", "publicity_decision", "update_child_plan",
                          "update_trigger_plan",
                          "grade_found"}  # R5: found before graded, still graded
    assert "action_plan" in proc.items(episode, state="cancelled")
