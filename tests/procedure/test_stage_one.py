"""R28-R30: repeat episodes counted per child through triggers.dmn, and the Stage One
meeting (stage_one.bpmn)."""

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from engine import episodes
from engine.commands import ReportEpisode
from engine.errors import InvalidInput
from engine.executor import run
from engine.models import Case, Episode, MeetingEpisode
from tests.conftest import london
from tests.procedure.conftest import example

# Three episodes in 90 days, the latest on Friday 19 December 2025 (R28's worked example).
WORKED = (london(2025, 10, 20, 18), london(2025, 11, 28, 21), london(2025, 12, 19, 16))


def three_episodes(proc, child, starts=WORKED):
    """Report the episodes as they happen (the clock moves to each one)."""
    if proc.clock.now() > starts[0]:
        proc.clock.set(starts[0])
    return [proc.episode_at(child, start) for start in starts]


def test_r28_worked_example_friday_19_december_2025_meeting_due_7_january_2026(proc):
    """The 10 working days skip Christmas Day, Boxing Day and New Year's Day."""
    child = proc.child()
    three_episodes(proc, child)
    [case] = proc.child_cases(child, "stage_one")
    meeting = proc.case_items(case.id)["stage_one_meeting"]
    assert meeting.role == "team_manager"
    assert meeting.due_at == london(2026, 1, 7, 23, 59) + dt.timedelta(seconds=59)


def test_r28_two_episodes_start_nothing(proc):
    child = proc.child()
    three_episodes(proc, child, WORKED[1:])
    assert proc.child_cases(child, "stage_one") == []


def test_r28_bank_holiday_period_easter_2026(proc):
    """Latest episode Thursday 2 April 2026: Good Friday and Easter Monday are not working
    days, so the meeting is due by the end of Monday 20 April (BST)."""
    child = proc.child()
    three_episodes(proc, child, (london(2026, 3, 1, 12), london(2026, 3, 20, 12),
                                 london(2026, 4, 2, 12)))
    [case] = proc.child_cases(child, "stage_one")
    due = proc.case_items(case.id)["stage_one_meeting"].due_at
    assert due == dt.datetime(2026, 4, 20, 22, 59, 59, tzinfo=dt.UTC)


def test_r28_window_boundary_exactly_90_days_counts(proc):
    child = proc.child()
    latest = london(2026, 1, 30, 10)
    three_episodes(proc, child, (latest - dt.timedelta(days=90), latest - dt.timedelta(days=5),
                                 latest))
    assert len(proc.child_cases(child, "stage_one")) == 1


def test_r28_window_boundary_one_minute_over_90_days_does_not_count(proc):
    child = proc.child()
    latest = london(2026, 1, 30, 10)
    three_episodes(proc, child, (latest - dt.timedelta(days=90, minutes=1),
                                 latest - dt.timedelta(days=5), latest))
    assert proc.child_cases(child, "stage_one") == []


def test_r28_fourth_episode_joins_the_open_stage_one_case(proc):
    child = proc.child()
    first_three = three_episodes(proc, child)
    [case] = proc.child_cases(child, "stage_one")
    fourth = proc.episode_at(child, london(2025, 12, 27, 20))
    assert [c.id for c in proc.child_cases(child, "stage_one")] == [case.id]
    assert episodes.meeting_episodes(proc.session, case.id) == [first_three[2], fourth]
    assert proc.child_cases(child, "stage_two") == []


def test_r28_older_episode_entered_late_recounts_from_the_latest(proc):
    """Two episodes on record; a third, older one is entered weeks later. The window and
    the deadline are anchored on the latest episode, not on the one entered last."""
    child = proc.child()
    three_episodes(proc, child, WORKED[1:])
    proc.clock.set(london(2025, 12, 22, 9))
    late = proc.episode_at(child, london(2025, 10, 20, 18))
    [case] = proc.child_cases(child, "stage_one")
    assert proc.case_items(case.id)["stage_one_meeting"].due_at.date() == dt.date(2026, 1, 7)
    assert episodes.meeting_episodes(proc.session, case.id) == [late]


def test_r28_older_episode_entered_late_outside_the_window_starts_nothing(proc):
    child = proc.child()
    proc.episode_at(child, london(2025, 11, 28, 21))
    proc.episode_at(child, london(2025, 12, 19, 16))
    proc.episode_at(child, london(2025, 9, 1, 18))  # 109 days before the latest
    assert proc.child_cases(child, "stage_one") == []


def test_r28_same_episode_saved_twice_starts_nothing_twice(proc):
    child = proc.child()
    ids = three_episodes(proc, child)
    again = proc.episode_at(child, WORKED[2])
    assert again == ids[2]
    proc.session.rollback()
    assert proc.session.scalar(select(Episode.id).where(Episode.child_id == child)
                               .order_by(Episode.id.desc())) == ids[2]
    assert len(proc.child_cases(child, "stage_one")) == 1
    assert len(proc.session.scalars(select(Case).where(
        Case.episode_id == ids[2], Case.process_id == "episode")).all()) == 1
    assert len(proc.session.scalars(select(MeetingEpisode)).all()) == 1


def test_r28_hub_referral_only_when_none_yet(proc):
    child = proc.child()
    three_episodes(proc, child)
    [case] = proc.child_cases(child, "stage_one")
    assert proc.case_items(case.id)["hub_referral"].role == "social_worker"
    referred = proc.child(flags={"safeguarding_hub_referral": True})
    three_episodes(proc, referred, [t + dt.timedelta(hours=1) for t in WORKED])
    [other] = proc.child_cases(referred, "stage_one")
    assert "hub_referral" not in proc.case_items(other.id)


def test_r28_overdue_stage_one_meeting_escalates_to_service_manager(proc):
    child = proc.child()
    three_episodes(proc, child)
    [case] = proc.child_cases(child, "stage_one")
    proc.set(london(2026, 1, 7, 23, 59))
    assert "stage_one_overdue" not in proc.case_items(case.id)
    proc.set(london(2026, 1, 8, 0, 1))
    items = proc.case_items(case.id)
    assert items["stage_one_overdue"].role == "service_manager"
    assert "stage_one_meeting" in items


def test_r9_metco_told_when_the_stage_one_trigger_is_met(proc):
    child = proc.child()
    three_episodes(proc, child)
    [case] = proc.child_cases(child, "stage_one")
    assert proc.case_items(case.id)["metco_stage_one"].role == "metco"


def test_r29_under_12_team_manager_decides_and_no_meeting_needs_a_rationale(proc):
    child = proc.child(date_of_birth=dt.date(2016, 1, 1))
    proc.report(child)
    [case] = proc.child_cases(child, "stage_one")
    items = proc.case_items(case.id)
    assert set(items) == {"consider_stage_one"}
    assert items["consider_stage_one"].role == "team_manager"
    with pytest.raises(InvalidInput) as refused:
        proc.complete_in(case.id, "consider_stage_one", stage_one_needed=False)
    assert "no_meeting_rationale" in refused.value.errors
    proc.complete_in(case.id, "consider_stage_one", stage_one_needed=False,
                     no_meeting_rationale="Lost track of time at a friend's; no other risk.")
    proc.session.rollback()
    assert proc.session.get(Case, case.id).status == "completed"


def test_r29_team_manager_can_decide_a_meeting_is_needed(proc):
    child = proc.child(flags={"ce_risk": True})
    proc.report(child)
    [case] = proc.child_cases(child, "stage_one")
    proc.complete_in(case.id, "consider_stage_one", stage_one_needed=True)
    assert {"stage_one_meeting", "metco_stage_one", "hub_referral"} <= set(
        proc.case_items(case.id))


def test_r29_no_judgement_factor_no_decision(proc):
    child = proc.child()  # 14, no flags
    proc.report(child)
    assert proc.child_cases(child, "stage_one") == []


def test_r29_missing_over_24_hours_asks_the_team_manager_when_found(proc):
    child = proc.child()
    episode = proc.report(child)
    proc.found(episode, found_at=proc.clock.now())  # back within the hour
    assert proc.child_cases(child, "stage_one") == []
    proc.clock.advance(days=3)
    long = proc.report(child)
    proc.clock.advance(hours=25)
    proc.found(long)
    [case] = proc.child_cases(child, "stage_one")
    assert "consider_stage_one" in proc.case_items(case.id)


def test_r30_stage_one_meeting_chair_invitees_risk_plans_and_the_childs_voice(proc):
    child = proc.child()
    three_episodes(proc, child)
    [case] = proc.child_cases(child, "stage_one")
    with pytest.raises(InvalidInput) as wrong_chair:
        proc.complete_in(case.id, "stage_one_meeting", chair_role="police")
    assert "chair_role" in wrong_chair.value.errors
    with pytest.raises(InvalidInput):
        proc.complete_in(case.id, "stage_one_meeting", invitees=[])
    proc.complete_in(case.id, "stage_one_meeting", chair_role="advanced_practitioner")
    plan = proc.case_items(case.id)["safety_plan"]
    assert plan.role == "social_worker"
    with pytest.raises(InvalidInput) as no_voice:
        proc.complete_in(case.id, "safety_plan", child_voice="")
    assert "child_voice" in no_voice.value.errors
    proc.complete_in(case.id, "safety_plan")
    proc.complete_in(case.id, "metco_stage_one")
    proc.complete_in(case.id, "hub_referral")
    proc.complete_in(case.id, "placement_review")  # R51
    proc.session.rollback()
    assert proc.session.get(Case, case.id).status == "completed"


def test_r28_no_second_hub_referral_after_one_in_an_earlier_stage_one(proc):
    child = proc.child()
    three_episodes(proc, child)
    [first] = proc.child_cases(child, "stage_one")
    for element in ("stage_one_meeting", "safety_plan", "metco_stage_one", "hub_referral",
                    "placement_review"):
        proc.complete_in(first.id, element)
    proc.episode_at(child, london(2025, 12, 30, 20))  # the first case is closed: a new one
    second = proc.child_cases(child, "stage_one")[-1]
    assert second.id != first.id
    assert "stage_one_meeting" in proc.case_items(second.id)
    assert "hub_referral" not in proc.case_items(second.id)


def test_r29_a_third_episode_makes_the_meeting_mandatory_despite_an_open_judgement(proc):
    """Under 12: the first two episodes ask the team manager (one case); the third meets the
    R28 count, which the team manager cannot decline, so it opens a Stage One meeting."""
    child = proc.child(date_of_birth=dt.date(2016, 1, 1))
    first, second, third = three_episodes(proc, child)
    judgement, mandatory = proc.child_cases(child, "stage_one")
    assert episodes.meeting_episodes(proc.session, judgement.id) == [first, second]
    assert set(proc.case_items(judgement.id)) == {"consider_stage_one"}
    assert episodes.meeting_episodes(proc.session, mandatory.id) == [third]
    assert "stage_one_meeting" in proc.case_items(mandatory.id)
    assert "consider_stage_one" not in proc.case_items(mandatory.id)
    fourth = proc.episode_at(child, london(2025, 12, 27, 20))
    assert episodes.meeting_episodes(proc.session, mandatory.id) == [third, fourth]


def test_r28_the_same_episode_saved_twice_at_the_same_moment_starts_nothing_twice(
        proc, sessions):
    """Two requests with one report race (a double click): the child is locked while
    the first is counted, so the second finds its episode and starts nothing."""
    child = proc.child()
    three_episodes(proc, child, WORKED[:2])
    last_seen = WORKED[2]
    proc.clock.set(last_seen + dt.timedelta(minutes=30))
    data = example("missing_report", last_seen_at=last_seen.isoformat(),
                   reported_at=(last_seen + dt.timedelta(minutes=30)).isoformat(),
                   checks_deadline=(last_seen + dt.timedelta(hours=2)).isoformat())
    barrier = threading.Barrier(2)
    results = []

    def report():
        with sessions() as own:
            barrier.wait()
            results.append(run(own, ReportEpisode(child, data), proc.actors["police"]).id)

    threads = [threading.Thread(target=report) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 2 and results[0] == results[1]
    assert len(proc.child_cases(child, "stage_one")) == 1
    assert len(proc.child_cases(child, "episode")) == 3
    assert len(proc.child_cases(child, "episode_risks")) == 3
