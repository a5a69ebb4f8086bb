"""One episode per absence (R1, R2, R28, R31; DATA.md): a second report is refused, A
becomes M without a second case, "not missing" episodes and category changes do not count,
corrected times move the deadlines, and facts changed while a case runs are read by the
next decision."""

import datetime as dt

import pytest
from sqlalchemy import select

from engine.child_record import SetFlags
from engine.commands import ChangeCategory, CorrectEpisodeTimes
from engine.commands.report_episode import EpisodeAlreadyOpen
from engine.errors import InvalidInput
from engine.executor import run
from engine.models import Episode, EpisodeSegment, Timer
from tests.conftest import london


def test_r28_a_second_report_for_a_child_already_missing_is_refused(proc):
    child = proc.child()
    first = proc.report(child)
    proc.clock.advance(minutes=5)
    with pytest.raises(EpisodeAlreadyOpen) as caught:
        proc.report(child, keep_open=True,
                    last_seen_at=proc.clock.now().isoformat())
    assert caught.value.episode_id == first
    assert caught.value.case_id == proc.case(first).id
    assert "already reported missing" in str(caught.value)
    assert len(proc.child_cases(child, "episode")) == 1


def test_r1_away_from_placement_only_for_a_looked_after_child(proc):
    child = proc.child(legal_status="not_in_care", placed="-")
    with pytest.raises(InvalidInput) as caught:
        proc.report(child, category="A")
    assert "child in care" in caught.value.errors["category"][0]


def test_r2_a_child_who_turns_18_while_missing_stays_in_the_episode(proc):
    # 18 on Tuesday 3 March 2026; last seen on Monday 2 March at 08:30
    child = proc.child(date_of_birth=dt.date(2008, 3, 3))
    episode = proc.report(child)
    proc.advance(days=2)
    case = proc.case(episode)
    assert case.status == "running" and proc.items(episode)
    workflow_age = [w for w in proc.items(episode).values()]
    assert workflow_age  # the work goes on after the birthday
    born_earlier = proc.child(date_of_birth=dt.date(2008, 3, 1))
    with pytest.raises(InvalidInput) as caught:
        proc.report(born_earlier)
    assert "18 or over when last seen" in caught.value.errors["last_seen_at"][0]


def test_r1_away_changed_to_missing_keeps_one_case_and_counts_once_for_r28(proc):
    child = proc.child()
    proc.episode_at(child, london(2026, 1, 10, 18))
    proc.episode_at(child, london(2026, 2, 1, 18))
    proc.end_open_episode(child)
    away = proc.episode_at(child, london(2026, 3, 2, 8), category="A")
    # away alone does not count (docs/rules-extra.md, "Counting episodes")
    assert proc.child_cases(child, "stage_one") == []
    proc.clock.advance(hours=2)
    proc.session.rollback()
    run(proc.session, ChangeCategory(away, "M", proc.clock.now() - dt.timedelta(hours=1),
                                     "Not at the friend's house any more"),
        proc.actors["police"])
    assert proc.episode(away).category == "M"
    assert len(proc.child_cases(child, "episode")) == 3
    # become missing, it is the third missing episode: counted once, one meeting
    assert len(proc.child_cases(child, "stage_one")) == 1
    proc.session.rollback()
    segments = proc.session.scalars(select(EpisodeSegment).where(
        EpisodeSegment.episode_id == away).order_by(EpisodeSegment.id)).all()
    assert [(s.category, s.ends_at is None) for s in segments] == [("A", False), ("M", True)]
    assert segments[0].ends_at == segments[1].starts_at  # the 903 rows meet on one day
    # the case reads the new category at its next decision
    case, workflow = _loaded(proc, proc.case(away).id)
    assert {t.data.get("category") for t in _waiting(workflow)} == {"M"}


def test_r1_category_change_refused_on_a_closed_episode(proc):
    child = proc.child()
    episode = proc.report(child)
    proc.advance(hours=1)
    proc.found(episode)
    proc.session.rollback()
    with pytest.raises(InvalidInput) as caught:
        run(proc.session, ChangeCategory(episode, "A", None, "Late news"),
            proc.actors["police"])
    assert "found" in caught.value.errors["category"][0]


def test_r28_three_not_missing_episodes_open_no_stage_one(proc):
    child = proc.child()
    for start in (london(2026, 1, 10, 18), london(2026, 2, 1, 18), london(2026, 3, 1, 18)):
        episode = proc.episode_at(child, start)
        proc.found(episode, found_at=start + dt.timedelta(hours=1), not_missing=True)
    assert proc.child_cases(child, "stage_one") == []
    proc.session.rollback()
    assert all(e.not_missing for e in proc.session.scalars(select(Episode).where(
        Episode.child_id == child)))


def test_r6_corrected_report_time_moves_the_deadlines_anchored_on_it(proc):
    child = proc.child()
    episode = proc.report(child)
    case_id = proc.case(episode).id
    old = proc.episode(episode).reported_at
    before = _timer_dues(proc, case_id)
    assert old + dt.timedelta(hours=24) in before.values() or \
        old + dt.timedelta(hours=2) in before.values()
    proc.clock.advance(minutes=10)
    proc.session.rollback()
    run(proc.session, CorrectEpisodeTimes(
        episode, "The call came in earlier than typed",
        reported_at=(old - dt.timedelta(minutes=20)).isoformat()), proc.actors["mach"])
    after = _timer_dues(proc, case_id)
    anchored = {k for k, due in before.items() if due - old in (
        dt.timedelta(hours=2), dt.timedelta(hours=24), dt.timedelta(hours=48))}
    moved = {k for k in before if before[k] != after.get(k)}
    assert anchored & moved  # the deadlines counted from the report time moved with it
    for key in anchored & moved:
        assert before[key] - after[key] == dt.timedelta(minutes=20)
    assert proc.episode(episode).reported_at == old - dt.timedelta(minutes=20)


def test_r5_ce_flag_set_while_the_case_runs_is_used_by_the_next_grading(proc):
    child = proc.child()
    episode = proc.report(child)
    proc.session.rollback()
    run(proc.session, SetFlags(child, {"ce_risk": True, "ce_risk_level": "medium"},
                               "Intelligence from the MACH"), proc.actors["mach"])
    proc.complete(episode, "grade_risk")  # graded medium, not linked to CE
    assert proc.episode(episode).risk_grade == "high"


def _timer_dues(proc, case_id):
    proc.session.rollback()
    return {t.element_id: t.due_at for t in proc.session.scalars(select(Timer).where(
        Timer.case_id == case_id, Timer.state == "waiting"))}


def _loaded(proc, case_id):
    from engine import runtime

    proc.session.rollback()
    return runtime.load_case(proc.session, case_id)


def _waiting(workflow):
    from SpiffWorkflow.util.task import TaskState

    return [t for t in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
            if t.data]


def test_a_corrected_time_out_of_range_in_utc_is_refused_naming_the_field(proc):
    """As the API's report (found by the fuzz): year 1 at +01:00 is no real time in UTC."""
    episode = proc.report(proc.child())
    old = proc.episode(episode).reported_at
    proc.session.rollback()
    with pytest.raises(InvalidInput) as refused:
        run(proc.session, CorrectEpisodeTimes(episode, "Typed wrongly",
                                              reported_at="0001-01-01T00:00:00+01:00"),
            proc.actors["mach"])
    assert refused.value.errors == {"reported_at": ["Enter a real date and time"]}
    assert proc.episode(episode).reported_at == old
