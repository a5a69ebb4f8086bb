"""R31-R36: Stage Two (stage_two.bpmn) and escalation beyond it (escalation.bpmn)."""

import datetime as dt

import pytest

from engine import episodes
from engine.commands import RequestStageTwo
from engine.errors import InvalidInput
from engine.executor import run
from engine.models import Case
from tests.conftest import london

START = london(2026, 1, 5, 18)


def episodes_every_week(proc, child, count, start=START):
    if proc.clock.now() > start:
        proc.clock.set(start)
    return [proc.episode_at(child, start + dt.timedelta(days=7 * n)) for n in range(count)]


def stage_two_case(proc, child):
    [case] = proc.child_cases(child, "stage_two")
    return case


def test_r31_fifth_episode_in_90_days_opens_stage_two(proc):
    child = proc.child()
    ids = episodes_every_week(proc, child, 4)
    assert proc.child_cases(child, "stage_two") == []
    [stage_one] = proc.child_cases(child, "stage_one")
    fifth = proc.episode_at(child, START + dt.timedelta(days=28))
    case = stage_two_case(proc, child)
    assert episodes.meeting_episodes(proc.session, case.id) == [fifth]
    assert episodes.meeting_episodes(proc.session, stage_one.id) == ids[2:4]
    items = proc.case_items(case.id)
    assert items["convene_stage_two"].role == "service_manager"  # R32
    assert items["metco_stage_two"].role == "metco"  # R9


def test_r31_request_from_an_agency_for_ongoing_complex_risk(proc):
    child = proc.child()
    proc.report(child)
    case = run(proc.session, RequestStageTwo(child, "Exploitation concerns across agencies"),
               proc.actors["police"])
    items = proc.case_items(case.id)
    assert set(items) == {"review_stage_two_request"}
    assert items["review_stage_two_request"].role == "service_manager"
    proc.complete_in(case.id, "review_stage_two_request", request_accepted=True)
    assert "convene_stage_two" in proc.case_items(case.id)


def test_r31_r33_request_for_a_child_with_no_episodes_goes_to_the_service_manager(proc):
    """R33: no bare refusal: the Service Manager decides, and a refusal goes to the
    partnership's escalation policy."""
    child = proc.child()
    case = run(proc.session, RequestStageTwo(child, "Worried"), proc.actors["health"])
    assert proc.case_items(case.id)["review_stage_two_request"].role == "service_manager"
    proc.complete_in(case.id, "review_stage_two_request", request_accepted=False,
                     request_decision_reason="No episodes recorded yet.")
    assert set(proc.case_items(case.id)) == {"refused_request_escalation"}


def test_r32_stage_two_meeting_chair_review_and_recurring_reviews(proc):
    child = proc.child()
    episodes_every_week(proc, child, 5)
    case = stage_two_case(proc, child)
    proc.complete_in(case.id, "convene_stage_two", stage_two_chair="iro")
    assert proc.case_items(case.id)["stage_two_meeting"].role == "iro"
    with pytest.raises(InvalidInput) as wrong_chair:
        proc.complete_in(case.id, "stage_two_meeting", chair_role="team_manager")
    assert "chair_role" in wrong_chair.value.errors
    held = proc.clock.now()
    proc.complete_in(case.id, "stage_two_meeting", meeting_held_at=held.isoformat(),
                     review_interval_days=28, invitees=["child", "team_manager", "iro"])
    proc.complete_in(case.id, "stage_two_safety_plan")
    assert "stage_two_review" not in proc.case_items(case.id)
    proc.set(held + dt.timedelta(days=28, seconds=1))
    proc.complete_in(case.id, "stage_two_review", continue_reviews=True,
                     reviewed_at=proc.clock.now().isoformat())
    proc.advance(days=28, seconds=1)
    proc.complete_in(case.id, "stage_two_review", continue_reviews=False)
    proc.complete_in(case.id, "metco_stage_two")
    proc.session.rollback()
    assert proc.session.get(Case, case.id).status == "completed"


def test_r32_a_service_manager_chairing_gets_the_stage_two_meeting_not_the_iro(proc):
    child = proc.child()
    episodes_every_week(proc, child, 5)
    case = stage_two_case(proc, child)
    assert "stage_two_meeting" not in proc.case_items(case.id)
    with pytest.raises(InvalidInput) as no_chair:
        proc.complete_in(case.id, "convene_stage_two", stage_two_chair="team_manager")
    assert "stage_two_chair" in no_chair.value.errors
    proc.complete_in(case.id, "convene_stage_two", stage_two_chair="service_manager")
    items = proc.case_items(case.id)
    assert "stage_two_meeting" not in items
    assert items["stage_two_meeting_service_manager"].role == "service_manager"
    proc.complete_in(case.id, "stage_two_meeting_service_manager",
                     chair_role="service_manager")
    assert proc.case_items(case.id)["stage_two_safety_plan"].role == "social_worker"


def test_r33_refused_stage_two_request_goes_to_the_escalation_policy(proc):
    child = proc.child()
    proc.report(child)
    case = run(proc.session, RequestStageTwo(child, "Ongoing risk"), proc.actors["iro"])
    proc.complete_in(case.id, "review_stage_two_request", request_accepted=False,
                     request_decision_reason="Stage One plan has not been tried yet.")
    items = proc.case_items(case.id)
    assert set(items) == {"refused_request_escalation"}
    assert items["refused_request_escalation"].form_key == "partnership_escalation"


def test_r34_episode_after_stage_two_starts_escalation_and_later_ones_join_it(proc):
    child = proc.child()
    episodes_every_week(proc, child, 5)
    sixth = proc.episode_at(child, START + dt.timedelta(days=35))
    [case] = proc.child_cases(child, "escalation")
    assert proc.case_items(case.id)["service_manager_consider"].role == "service_manager"
    seventh = proc.episode_at(child, START + dt.timedelta(days=42))
    assert len(proc.child_cases(child, "escalation")) == 1
    assert episodes.meeting_episodes(proc.session, case.id) == [sixth, seventh]
    assert len(proc.child_cases(child, "stage_two")) == 1


def start_escalation(proc):
    child = proc.child()
    episodes_every_week(proc, child, 6)
    [case] = proc.child_cases(child, "escalation")
    proc.complete_in(case.id, "service_manager_consider", review_interval_days=14)
    return case


def test_r34_stage_two_reviews_recur_until_a_recorded_decision_ends_them(proc):
    case = start_escalation(proc)
    for _ in range(2):
        assert "escalation_review" not in proc.case_items(case.id)
        proc.advance(days=14, seconds=1)
        proc.complete_in(case.id, "escalation_review", episodes_reduced=False,
                         end_escalation=False, end_rationale=None)
    with pytest.raises(InvalidInput) as no_reason:
        proc.advance(days=14, seconds=1)
        proc.complete_in(case.id, "escalation_review", end_escalation=True,
                         end_rationale=None)
    assert "end_rationale" in no_reason.value.errors
    proc.complete_in(case.id, "escalation_review")
    proc.complete_in(case.id, "plans_updated")
    for _ in range(2):  # R34: each "not reduced" review escalated up the hierarchy
        proc.complete_in(case.id, "hierarchy_escalation")
    proc.session.rollback()
    assert proc.session.get(Case, case.id).status == "completed"


def test_r35_iro_told_and_plans_updated(proc):
    case = start_escalation(proc)
    item = proc.case_items(case.id)["plans_updated"]
    assert item.role == "iro"
    with pytest.raises(InvalidInput):
        proc.complete_in(case.id, "plans_updated", trigger_plan_updated=False)
    proc.complete_in(case.id, "plans_updated")


def test_r36_disagreement_goes_to_line_management_then_the_partnership(proc):
    case = start_escalation(proc)
    proc.advance(days=14, seconds=1)
    proc.complete_in(case.id, "escalation_review", disagreement=True, end_escalation=False,
                     end_rationale=None)
    assert proc.case_items(case.id)["line_management"].role == "team_manager"
    proc.complete_in(case.id, "line_management", resolved=False)
    assert proc.case_items(case.id)["escalation_policy"].form_key == "partnership_escalation"
    proc.complete_in(case.id, "escalation_policy")
    assert "escalation_review" not in proc.case_items(case.id)
    proc.advance(days=14, seconds=1)
    assert "escalation_review" in proc.case_items(case.id)
