"""R1-R13: the report diagram (report.bpmn) driven through the engine."""

import datetime as dt

import pytest
from sqlalchemy import select

from engine.models import RiskAssessment
from tests.conftest import london

H = dt.timedelta(hours=1)


def test_r1_category_missing_and_away_start_an_episode(proc):
    missing = proc.report(proc.child(), category="M")
    away = proc.report(proc.child(), category="A")
    assert (proc.episode(missing).category, proc.episode(away).category) == ("M", "A")
    assert "grade_risk" in proc.items(away)
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
    proc.clock.advance(hours=3)
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
    from engine.errors import InvalidInput

    with pytest.raises(InvalidInput):
        proc.complete(episode, "regrade_risk", risk_grade="low")
    proc.complete(episode, "regrade_risk", risk_grade="high")
    assert "high_risk_oversight" in proc.items(episode)
    assert proc.episode(episode).risk_grade == "high"


def test_r7_notifications_for_the_social_worker(proc):
    child = proc.child()
    episode = proc.report(child)
    proc.complete(episode, "grade_risk")
    item = proc.items(episode)["notifications"]
    assert item.role == "social_worker"
    assert item.assignee_id == proc.user_ids["social_worker"]


def test_r8_mach_reviews_every_report(proc):
    child = proc.child(social_worker=False)
    episode = proc.report(child)
    proc.complete(episode, "grade_risk")
    assert proc.items(episode)["mach_review"].role == "mach"


def test_r9_metco_only_on_extra_vulnerabilities(proc):
    child = proc.child()
    quiet = proc.report(child)
    proc.complete(quiet, "grade_risk")
    proc.complete(quiet, "mach_review", extra_vulnerabilities=False)
    assert "metco_review" not in proc.items(quiet)
    proc.clock.advance(minutes=1)  # a second episode, not the first one saved twice
    flagged = proc.report(child)
    proc.complete(flagged, "grade_risk")
    proc.complete(flagged, "mach_review", extra_vulnerabilities=True,
                  vulnerability_details="Learning needs")
    assert proc.items(flagged)["metco_review"].role == "metco"


def test_r10_out_of_hours_goes_to_edt(proc):
    child = proc.child()
    office = proc.report(child)  # Monday 09:00
    proc.complete(office, "grade_risk")
    assert "edt_share" not in proc.items(office)
    proc.set(london(2026, 3, 2, 21, 0))
    night = proc.report(child)
    proc.complete(night, "grade_risk")
    assert proc.items(night)["edt_share"].role == "edt"


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


def test_r5_grade_change_records_why_from_the_review(proc):
    """R5: every change is recorded with who and why; the why of a review is its reason."""
    episode = proc.report(proc.child())
    proc.complete(episode, "grade_risk", risk_grade="medium", risk_reason="First episode")
    proc.complete(episode, "review_risk", risk_grade="high",
                  risk_change_reason="Seen with older males")
    history = proc.session.scalars(select(RiskAssessment).where(
        RiskAssessment.episode_id == episode).order_by(RiskAssessment.id)).all()
    assert [(r.grade, r.reason) for r in history] == [
        ("medium", "First episode"), ("high", "Seen with older males")]
