"""R1 the away-from-placement route, R5 a child found before grading is still graded,
R21 no police prevention interview for an away episode."""

import datetime as dt

from sqlalchemy import select

from engine.commands.episode_changes import ChangeCategory
from engine.executor import run
from engine.models import RiskAssessment

H = dt.timedelta(hours=1)
POLICE_WORK = {"grade_risk", "action_plan", "strategy_meeting", "need_to_know_report"}


def test_r1_away_episode_is_located_by_the_social_worker_not_the_police(proc):
    episode = proc.report(proc.child(), category="A")
    items = proc.items(episode)
    assert items["away_check"].role == "social_worker"
    assert not POLICE_WORK & set(items)
    assert "mach_review" in items  # R8: every child report is still reviewed in the MACH
    proc.complete(episode, "away_check")  # no significant risk
    assert not POLICE_WORK & set(proc.items(episode))
    assert "away_check" not in proc.items(episode)
    proc.advance(hours=24, seconds=1)  # checked again each day while away
    assert proc.items(episode)["away_check"].role == "social_worker"
    assert not POLICE_WORK & set(proc.items(episode))


def test_r1_away_with_a_significant_risk_brings_in_the_police(proc):
    episode = proc.report(proc.child(), category="A")
    proc.complete(episode, "away_check", away_significant_risk=True,
                  away_wellbeing_confirmed=False)
    items = proc.items(episode)
    assert items["grade_risk"].role == "police"
    assert "away_check" not in items


def test_r1_r3_away_reported_with_serious_harm_goes_to_the_police_at_once(proc):
    episode = proc.report(proc.child(), category="A", risk_of_serious_harm=True)
    items = proc.items(episode)
    assert "grade_risk" in items and "away_check" not in items


def _change_to_missing(proc, episode):
    proc.session.rollback()
    run(proc.session, ChangeCategory(episode, "M", proc.clock.now() - H,
                                     "Not at the friend's house any more"),
        proc.actors["police"])
    return proc.clock.now()


def test_r1_away_changed_to_missing_takes_the_police_route_at_once(proc):
    episode = proc.report(proc.child(), category="A")
    proc.complete(episode, "away_check")
    proc.clock.advance(hours=2)
    changed = _change_to_missing(proc, episode)
    items = proc.items(episode)
    # graded as for a new report: due an hour after the police learn of it, not after
    # the first report (which would make it overdue at once)
    assert items["grade_risk"].role == "police"
    assert items["grade_risk"].due_at == changed + H
    assert items["action_plan"].due_at == changed + H
    assert "away_check" not in items
    proc.advance(minutes=59)
    assert "grading_overdue" not in proc.items(episode)


def test_r1_away_changed_to_missing_while_the_check_is_open_stops_the_check(proc):
    episode = proc.report(proc.child(), category="A")
    proc.clock.advance(minutes=30)
    changed = _change_to_missing(proc, episode)
    items = proc.items(episode)
    assert items["grade_risk"].role == "police"
    assert items["grade_risk"].due_at == changed + H
    assert "action_plan" in items
    assert "away_check" not in items


def test_r1_missing_changed_to_away_and_back_keeps_one_police_route(proc):
    episode = proc.report(proc.child())
    proc.complete(episode, "grade_risk", risk_grade="medium")
    reported_due = proc.items(episode, state="completed")["grade_risk"].due_at
    proc.clock.advance(hours=1)
    proc.session.rollback()
    run(proc.session, ChangeCategory(episode, "A", proc.clock.now(), "Seen at a friend's"),
        proc.actors["police"])
    proc.clock.advance(hours=1)
    _change_to_missing(proc, episode)  # nothing waits for it: no error, no second grading
    items = proc.items(episode)
    assert "grade_risk" not in items and "away_check" not in items
    assert reported_due is not None


def test_r21_no_police_prevention_interview_for_an_away_episode(proc):
    away = proc.report(proc.child(), category="A")
    proc.advance(hours=2)
    proc.found(away)
    proc.complete(away, "record_found")
    items = proc.items(away)
    assert "prevention_interview" not in items
    assert "grade_found" not in items  # R5: the carer route is not police-graded
    assert "rhi" in items
    missing = proc.report(proc.child(), category="M")
    proc.complete(missing, "grade_risk")
    proc.advance(hours=2)
    proc.found(missing)
    proc.complete(missing, "record_found")
    assert proc.items(missing)["prevention_interview"].role == "police"


def test_r5_child_found_before_grading_is_still_graded(proc):
    episode = proc.report(proc.child())
    proc.advance(minutes=40)
    assert "grade_risk" in proc.items(episode)
    proc.found(episode)
    items = proc.items(episode)
    assert "grade_risk" not in items  # the search work stops ...
    assert items["grade_found"].role == "police"  # ... the grading does not
    proc.complete(episode, "grade_found", risk_grade="low",
                  risk_grade_reason="At a friend's house within the hour")
    ep = proc.episode(episode)
    assert ep.risk_grade == "low"
    [assessment] = proc.session.scalars(select(RiskAssessment).where(
        RiskAssessment.episode_id == episode)).all()
    assert (assessment.grade, assessment.assessed_by) == ("low", "Police Person")
    assert "At a friend's house" in assessment.reason


def test_r5_found_before_grading_with_ce_risk_is_graded_high(proc):
    episode = proc.report(proc.child(flags={"ce_risk": True}))
    proc.advance(minutes=10)
    proc.found(episode)
    proc.complete(episode, "grade_found", risk_grade="low")
    assert proc.episode(episode).risk_grade == "high"


def test_r5_graded_before_found_is_not_graded_again(proc):
    episode = proc.report(proc.child())
    proc.complete(episode, "grade_risk", risk_grade="medium")
    proc.advance(hours=3)
    proc.found(episode)
    assert "grade_found" not in proc.items(episode)


def test_r5_r26_the_report_is_not_finalised_before_the_late_grading(proc):
    episode = proc.report(proc.child())
    proc.advance(minutes=30)
    proc.found(episode)
    for _ in range(40):
        items = proc.items(episode)
        rest = [k for k in items if k != "grade_found"]
        if not rest:
            break
        proc.complete(episode, rest[0])
    assert set(proc.items(episode)) == {"grade_found"}
    assert proc.episode(episode).status == "open"
    proc.complete(episode, "grade_found")
    assert "finalise_report" in proc.items(episode)


def test_r35_r49_graded_high_after_found_tells_health(proc):
    episode = proc.report(proc.child(flags={"ce_risk": True}))
    proc.advance(minutes=10)
    proc.found(episode)
    assert "tell_health" not in proc.items(episode)  # not known to be high at found
    proc.complete(episode, "grade_found", risk_grade="medium")  # CE keeps it high
    assert proc.items(episode)["tell_health_found"].role == "social_worker"


def test_r35_graded_medium_after_found_does_not_tell_health(proc):
    episode = proc.report(proc.child())
    proc.advance(minutes=10)
    proc.found(episode)
    proc.complete(episode, "grade_found", risk_grade="medium")
    assert "tell_health_found" not in proc.items(episode)
