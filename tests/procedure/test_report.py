"""R1-R13: the report diagram (report.bpmn) driven through the engine."""

import datetime as dt

import pytest
from sqlalchemy import select

from engine.errors import InvalidInput, NotPermitted
from engine.models import AuditEvent, Child, RiskAssessment
from tests.conftest import london

H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)


def test_r1_category_missing_and_away_start_an_episode(proc):
    missing = proc.report(proc.child(), category="M")
    away = proc.report(proc.child(), category="A")
    assert (proc.episode(missing).category, proc.episode(away).category) == ("M", "A")
    assert "grade_risk" in proc.items(missing)
    # R1: away from placement: the social worker locates the child; no police grading yet
    assert "away_check" in proc.items(away) and "grade_risk" not in proc.items(away)
    assert proc.case(missing).status == "running"


def test_r2_child_record_facts_reach_the_case(proc):
    child = proc.child(legal_status="s20", flags={"learning_needs": True}, placed="out_of_area")
    episode = proc.report(child)
    ep = proc.episode(episode)
    assert ep.child.legal_status == "s20" and ep.child.host_org_id == proc.other_org_id
    # our child placed out of area (R2 host authority) routes to R11, not R12
    proc.complete(episode, "grade_risk")
    items = proc.items(episode)
    assert "notify_host_authority" in items and "philomena_form" not in items


def test_r3_reasonable_checks_recorded_with_the_report(proc):
    child = proc.child()
    episode = proc.report(child)
    report = proc.episode(episode).report
    assert report["reasonable_checks"] and report["checks_deadline"]


def test_r4_minimum_report_is_stored(proc):
    child = proc.child()
    episode = proc.report(child, clothing="Red coat")
    report = proc.episode(episode).report
    for key in ("last_seen_at", "last_seen_where", "with_whom", "clothing", "description",
                "medical", "circumstances", "associates", "risk_assessment"):
        assert report[key]
    assert report["clothing"] == "Red coat"


def test_r5_ce_risk_forces_high_and_history_records_who(proc):
    child = proc.child(flags={"ce_risk": True})
    episode = proc.report(child)
    proc.complete(episode, "grade_risk", risk_grade="medium", ce_linked=False)
    items = proc.items(episode)
    assert items["high_risk_oversight"].role == "police_supervisor"
    assert "low_risk_review" not in items
    ep = proc.episode(episode)
    assert ep.risk_grade == "high"
    history = proc.session.scalars(select(RiskAssessment).where(
        RiskAssessment.episode_id == episode)).all()
    assert [(r.grade, r.assessed_by, r.assessed_by_id) for r in history] == [
        ("high", "Police Person", proc.user_ids["police"])]


def test_r5_grade_change_at_locate_review_is_recorded(proc):
    child = proc.child()
    episode = proc.report(child)
    proc.complete(episode, "grade_risk", risk_grade="medium")
    proc.advance(hours=24, seconds=1)  # the first daily review opens
    proc.complete(episode, "review_risk", risk_grade="high",
                  risk_change_reason="Seen with older males")
    items = proc.items(episode)
    assert items["locate_high_risk_oversight"].role == "police_supervisor"
    history = proc.session.scalars(select(RiskAssessment).where(
        RiskAssessment.episode_id == episode).order_by(RiskAssessment.id)).all()
    assert [r.grade for r in history] == ["medium", "high"]
    assert history[1].assessed_by == "Police Person"
    assert history[1].assessed_at == proc.clock.now()


def test_r6_low_risk_review_due_two_hours_after_report(proc):
    proc.set(london(2026, 3, 2, 21, 0))
    child = proc.child()
    episode = proc.report(child)
    proc.complete(episode, "grade_risk", risk_grade="low", carer_actions_suitable=True,
                  carer_actions="Carer rings friends")
    review = proc.items(episode)["low_risk_review"]
    assert review.role == "police"
    assert review.due_at == london(2026, 3, 2, 23, 0)
    proc.set(london(2026, 3, 2, 23, 0))
    assert "low_risk_review_overdue" not in proc.items(episode)
    proc.advance(minutes=1)
    items = proc.items(episode)
    assert items["low_risk_review_overdue"].role == "police_supervisor"
    assert "low_risk_review" in items


def test_r6_still_missing_at_review_is_regraded_not_low(proc):
    child = proc.child()
    episode = proc.report(child)
    proc.complete(episode, "grade_risk", risk_grade="low", carer_actions_suitable=True,
                  carer_actions="Carer rings friends")
    proc.complete(episode, "low_risk_review", child_still_missing=True)
    assert proc.items(episode)["regrade_risk"].role == "police"
    # the regrade form offers high or medium only
    with pytest.raises(InvalidInput):
        proc.complete(episode, "regrade_risk", risk_grade="low")
    proc.complete(episode, "regrade_risk", risk_grade="high")
    assert "high_risk_oversight" in proc.items(episode)
    assert proc.episode(episode).risk_grade == "high"


def test_r7_who_is_told_due_1_hour_after_the_report_then_the_team_manager(proc):
    reported = proc.clock.now()
    child = proc.child()
    episode = proc.report(child)
    # R7: the who-is-told record opens with the report, before any grading, due at once
    item = proc.items(episode)["notifications"]
    assert item.role == "social_worker"
    assert item.assignee_id == proc.user_ids["social_worker"]
    assert item.due_at == reported + H
    proc.set(reported + H)
    assert "notifications_overdue" not in proc.items(episode)
    proc.advance(seconds=1)
    items = proc.items(episode)
    assert items["notifications_overdue"].role == "team_manager"
    assert items["notifications_overdue"].missed_due_at == reported + H
    assert "notifications" in items  # the record itself stays to be made
    proc.complete(episode, "notifications")
    proc.complete(episode, "notifications_overdue", escalation_action="done_late")
    assert not {"notifications", "notifications_overdue"} & set(proc.items(episode))


def test_r7_the_social_worker_and_iro_are_told_in_the_app_without_child_data(proc):
    from engine.models import Notification

    child = proc.child()
    episode = proc.report(child)
    proc.session.rollback()
    case_id = proc.case(episode).id
    told = proc.session.scalars(select(Notification).where(
        Notification.case_id == case_id, Notification.kind == "episode")).all()
    assert sorted(n.user_id for n in told) == sorted(
        [proc.user_ids["social_worker"], proc.user_ids["iro"]])
    for note in told:
        assert "Alex" not in note.subject and "Example" not in note.subject
        assert note.email_state == "off"  # in the app only
        assert note.path == f"/cases/{case_id}"


@pytest.mark.parametrize("told,reason", [("police_told", "police_not_told_reason"),
                                         ("responsible_authority_told",
                                          "authority_not_told_reason"),
                                         ("parents_told", "parents_not_told_reason"),
                                         ("iro_told", "iro_not_told_reason")])
def test_r7_each_party_not_told_needs_a_reason(proc, told, reason):
    episode = proc.report(proc.child())
    with pytest.raises(InvalidInput) as refused:
        proc.complete(episode, "notifications", **{told: False})
    assert reason in refused.value.errors
    proc.complete(episode, "notifications", **{told: False, reason: "Not reachable yet"})
    done = proc.items(episode, state="completed")["notifications"]
    assert done.data[told] is False and done.data[reason] == "Not reachable yet"


def test_r8_mach_review_opens_with_the_report_before_grading(proc):
    child = proc.child(social_worker=False)
    episode = proc.report(child)
    items = proc.items(episode)
    assert "grade_risk" in items  # not graded yet, and still the MACH has the report
    assert items["mach_review"].role == "mach"


def test_r8_r7_child_found_after_40_minutes_still_gets_mach_review_and_who_is_told(proc):
    episode = proc.report(proc.child())
    proc.clock.advance(minutes=40)
    proc.found(episode)
    items = proc.items(episode)
    # the locate work and the grading stop ...
    assert not {"grade_risk", "action_plan", "need_to_know_report", "liaison"} & set(items)
    # ... the sharing does not
    assert {"mach_review", "notifications", "publicity_decision", "record_found"} <= set(items)
    proc.complete(episode, "mach_review")
    proc.complete(episode, "notifications")
    assert proc.items(episode, state="completed")["mach_review"].data["reviewing_officer"]


def test_r8_mach_review_only_by_a_police_officer_in_the_mach(proc):
    from engine.commands import ClaimWorkItem, CompleteWorkItem
    from engine.executor import Actor, run
    from engine.models import User, UserRole
    from tests.procedure.conftest import example

    reported = proc.clock.now()
    episode = proc.report(proc.child())
    item = proc.items(episode)["mach_review"]
    assert item.role == "mach" and item.due_at == london(2026, 3, 2, 17, 0)
    with pytest.raises(NotPermitted):
        proc.complete(episode, "mach_review", actor="social_worker")
    # a MACH colleague from the council (the hub is multi-agency) is not a police officer
    with proc.session.begin():
        council_mach = User(email="mach.council@example.org", name="Council MACH",
                            password_hash="x", organisation_id=proc.org_id,
                            roles=[UserRole(role="mach")])
        proc.session.add(council_mach)
    proc.session.rollback()
    council = Actor.for_user(proc.session.get(User, council_mach.id))
    for command in (ClaimWorkItem(item.id), CompleteWorkItem(item.id, example("mach_review"))):
        with pytest.raises(NotPermitted) as refused:
            run(proc.session, command, council)
        assert "police officer" in str(refused.value)
    with pytest.raises(InvalidInput) as refused:
        proc.complete(episode, "mach_review", reviewing_officer="")
    assert "reviewing_officer" in refused.value.errors
    proc.clock.set(reported + dt.timedelta(minutes=5))
    proc.complete(episode, "mach_review", actor="mach")
    done = proc.items(episode, state="completed")["mach_review"]
    assert done.completed_by_id == proc.user_ids["mach"]
    assert proc.actors["mach"].organisation_kind == "police"


def test_r9_metco_only_on_extra_vulnerabilities(proc):
    child = proc.child()
    quiet = proc.report(child)
    proc.complete(quiet, "mach_review", extra_vulnerabilities=False)
    assert "metco_review" not in proc.items(quiet)
    proc.clock.advance(minutes=1)  # a second episode, not the first one saved twice
    flagged = proc.report(child)
    proc.complete(flagged, "mach_review", extra_vulnerabilities=True,
                  vulnerability_details="Learning needs")
    assert proc.items(flagged)["metco_review"].role == "metco"


def test_r10_out_of_hours_report_goes_to_edt(proc):
    child = proc.child()
    office = proc.report(child)  # Monday 09:00
    proc.fire()
    assert "edt_share" not in proc.items(office)
    assert proc.items(office)["mach_review"].due_at == london(2026, 3, 2, 17, 0)
    proc.set(london(2026, 3, 2, 21, 0))
    night = proc.report(child)
    proc.advance(seconds=1)  # the worker's next pass
    assert proc.items(night)["edt_share"].role == "edt"


def test_r10_judged_when_sharing_is_due_1655_report_unshared_at_1700_goes_to_edt(proc):
    proc.set(london(2026, 3, 2, 16, 55))
    child = proc.child()
    late = proc.report(child)
    proc.clock.set(london(2026, 3, 2, 16, 56))
    shared = proc.report(proc.child())
    proc.complete(shared, "mach_review")  # shared in office hours
    proc.set(london(2026, 3, 2, 16, 59))
    assert "edt_share" not in proc.items(late)
    proc.set(london(2026, 3, 2, 17, 0) + dt.timedelta(seconds=1))
    assert proc.items(late)["edt_share"].role == "edt"
    assert "mach_review" in proc.items(late)  # the MACH still reviews it
    assert "edt_share" not in proc.items(shared)


def test_r3_r5_reporter_serious_harm_is_never_graded_low(proc):
    episode = proc.report(proc.child(), risk_of_serious_harm=True)
    proc.complete(episode, "grade_risk", risk_grade="low", carer_actions_suitable=True,
                  carer_actions="Carer rings friends")
    assert proc.episode(episode).risk_grade == "medium"
    assert "low_risk_review" not in proc.items(episode)


def test_r3_r5_reporter_ce_suspicion_forces_high_and_urgent_grading(proc):
    episode = proc.report(proc.child(), ce_risk_suspected=True)
    # R3: report to the police at once: the grading is due in 15 minutes
    assert proc.items(episode)["grade_risk"].due_at == proc.clock.now() + 15 * MIN
    proc.complete(episode, "grade_risk", risk_grade="low", carer_actions_suitable=True,
                  carer_actions="Carer rings friends")
    assert proc.episode(episode).risk_grade == "high"
    items = proc.items(episode)
    assert "low_risk_review" not in items
    assert items["high_risk_oversight"].role == "police_supervisor"


def test_r5_ungraded_report_escalates_to_police_supervisor_after_an_hour(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child())
    assert proc.items(episode)["grade_risk"].due_at == reported + H
    proc.set(reported + H)
    assert "grading_overdue" not in proc.items(episode)
    proc.advance(seconds=1)
    items = proc.items(episode)
    assert items["grading_overdue"].role == "police_supervisor"
    assert "grade_risk" in items  # the grading itself stays to be done


def test_r5_high_risk_oversight_has_an_immediate_deployment_deadline(proc):
    episode = proc.report(proc.child())
    proc.clock.advance(minutes=10)
    graded = proc.clock.now()
    proc.complete(episode, "grade_risk", risk_grade="high")
    assert proc.items(episode)["high_risk_oversight"].due_at == graded + 30 * MIN
    proc.set(graded + 30 * MIN + dt.timedelta(seconds=1))
    items = proc.items(episode)
    assert items["high_risk_deployment_overdue"].role == "police_supervisor"
    assert "high_risk_oversight" in items


def graded_home_and_placed(proc):
    """Our child placed in our area and another authority's child placed here."""
    home = proc.report(proc.child())
    proc.complete(home, "grade_risk")
    away = proc.report(proc.child(placed="placed_here"))
    proc.complete(away, "grade_risk")
    return proc.items(home), proc.items(away)


def test_r12_philomena_form_from_carer_when_placed_by_other_authority(proc):
    home, away = graded_home_and_placed(proc)
    assert "philomena_form" not in home
    assert away["philomena_form"].role == "carer"


def test_r13_flag_record_and_publicity_decision(proc):
    home, away = graded_home_and_placed(proc)
    assert "flag_child_record" not in home
    assert home["publicity_decision"].role == "police"
    assert away["flag_child_record"].role == "mach"


def test_r13_flag_is_written_on_the_childs_record(proc):
    child = proc.child(placed="placed_here")
    episode = proc.report(child)
    proc.complete(episode, "flag_child_record")
    proc.session.rollback()
    assert proc.session.get(Child, child).flags["notified_by_other_authority"] is True
    event = proc.session.scalar(select(AuditEvent).where(AuditEvent.action == "child.flag_set",
                                                         AuditEvent.child_id == child))
    assert event.actor == "Mach Person"
    assert event.detail["flag"] == "notified_by_other_authority" and event.detail["reason"]


def test_r5_grade_change_records_why_from_the_review(proc):
    """R5: every change is recorded with who and why; the why of a review is its reason."""
    episode = proc.report(proc.child())
    proc.complete(episode, "grade_risk", risk_grade="medium", risk_reason="First episode")
    proc.advance(hours=24, seconds=1)
    proc.complete(episode, "review_risk", risk_grade="high",
                  risk_change_reason="Seen with older males")
    history = proc.session.scalars(select(RiskAssessment).where(
        RiskAssessment.episode_id == episode).order_by(RiskAssessment.id)).all()
    assert [(r.grade, r.reason) for r in history] == [
        ("medium", "First episode"), ("high", "Seen with older males")]


def test_r6_r20_found_at_the_low_risk_review_moves_the_episode_to_the_return(proc):
    episode = proc.report(proc.child())
    proc.complete(episode, "grade_risk", risk_grade="low", carer_actions_suitable=True,
                  carer_actions="Carer rings friends")
    proc.clock.advance(hours=1)
    with pytest.raises(InvalidInput) as refused:
        proc.complete(episode, "low_risk_review", child_still_missing=False)
    assert {"review_found_at", "review_found_where", "review_found_by"} <= set(
        refused.value.errors)
    found_at = proc.clock.now() - 10 * MIN
    proc.complete(episode, "low_risk_review", child_still_missing=False,
                  review_found_at=found_at.isoformat(),
                  review_found_where="friend_or_relative", review_found_by="parent_or_carer")
    ep = proc.episode(episode)
    assert (ep.found_at, ep.found_by) == (found_at, "parent_or_carer")
    items = proc.items(episode)
    assert items["rhi"].due_at == found_at + 72 * H
    assert "action_plan" not in items and "mach_review" in items


def test_r8_not_open_child_multi_agency_discussion_decided_is_held(proc):
    episode = proc.report(proc.child(social_worker=False))
    proc.complete(episode, "mach_review", mach_open_to_social_worker="no",
                  shared_with_social_worker=None, multi_agency_discussion=True,
                  multi_agency_discussion_reason="Concerns from school")
    assert proc.items(episode)["multi_agency_discussion"].role == "mach"
    other = proc.report(proc.child(social_worker=False))
    proc.complete(other, "mach_review", mach_open_to_social_worker="no",
                  shared_with_social_worker=None, multi_agency_discussion=False,
                  multi_agency_discussion_reason="Known, low concern")
    assert "multi_agency_discussion" not in proc.items(other)
