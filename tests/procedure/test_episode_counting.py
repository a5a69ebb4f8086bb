"""R28, R31: which episodes count towards the Stage One and Stage Two triggers
(docs/rules-extra.md, "Counting episodes"): an episode that is or ever was missing counts
once; away from placement alone does not; found not to have been missing does not."""

import datetime as dt

from engine import episodes
from engine.commands.episode_changes import ChangeCategory
from engine.executor import run
from tests.conftest import london

H = dt.timedelta(hours=1)
STARTS = (london(2026, 1, 5, 18), london(2026, 1, 20, 18), london(2026, 2, 10, 18),
          london(2026, 2, 24, 18), london(2026, 3, 10, 18))


def _at(proc, child, start, **overrides):
    return proc.episode_at(child, start, **overrides)


def test_r28_away_episodes_alone_do_not_count_towards_stage_one(proc):
    child = proc.child()
    for start in STARTS[:3]:
        _at(proc, child, start, category="A")
    assert proc.child_cases(child, "stage_one") == []
    _at(proc, child, STARTS[3])
    _at(proc, child, STARTS[4])
    # two missing episodes and three away: still not three missing episodes
    assert proc.child_cases(child, "stage_one") == []


def test_r28_away_changed_to_missing_counts_once_from_its_start(proc):
    child = proc.child()
    _at(proc, child, STARTS[0])
    _at(proc, child, STARTS[1])
    away = _at(proc, child, STARTS[2], category="A")
    assert proc.child_cases(child, "stage_one") == []
    proc.clock.advance(hours=3)
    proc.session.rollback()
    run(proc.session, ChangeCategory(away, "M", proc.clock.now() - H,
                                     "No longer at the friend's address"),
        proc.actors["police"])
    [case] = proc.child_cases(child, "stage_one")
    # anchored on the episode's own start (10 February), not on the time it changed
    meeting = proc.case_items(case.id)["stage_one_meeting"]
    assert meeting.role == "team_manager"
    # 10 working days after Tuesday 10 February
    assert meeting.due_at == london(2026, 2, 24, 23, 59) + dt.timedelta(seconds=59)
    # one episode, counted once: a fourth counts as the fourth
    fourth = _at(proc, child, STARTS[3])
    assert len(proc.child_cases(child, "stage_one")) == 1
    assert proc.episode(fourth).category == "M"


def test_r28_found_not_to_have_been_missing_does_not_count(proc):
    child = proc.child()
    for start in STARTS[:2]:
        episode = _at(proc, child, start)
        proc.found(episode, found_at=proc.clock.now(), not_missing=True)
    _at(proc, child, STARTS[2])
    assert proc.child_cases(child, "stage_one") == []
    _at(proc, child, STARTS[3])
    assert proc.child_cases(child, "stage_one") == []
    last = _at(proc, child, STARTS[4])
    [case] = proc.child_cases(child, "stage_one")
    assert episodes.meeting_episodes(proc.session, case.id)[-1] == last


def test_r31_away_and_not_missing_episodes_do_not_make_five(proc):
    child = proc.child()
    away = _at(proc, child, STARTS[0], category="A")
    assert proc.episode(away).category == "A"
    episode = _at(proc, child, STARTS[1])
    proc.found(episode, found_at=proc.clock.now(), not_missing=True)
    for start in STARTS[2:]:
        _at(proc, child, start)
    assert proc.child_cases(child, "stage_two") == []
    # the fifth missing episode in 90 days of the first missing one opens Stage Two
    _at(proc, child, STARTS[4] + dt.timedelta(days=5))
    _at(proc, child, STARTS[4] + dt.timedelta(days=10))
    assert len(proc.child_cases(child, "stage_two")) == 1
