"""Gaps found re-auditing issue 11 against the landed diagrams (docs/fidelity-recheck.md):
each test drives the engine with the fake clock and asserts roles, due times and the work
that exists or does not."""

import datetime as dt

from tests.conftest import london
from tests.procedure.test_interview import found_episode, to_rhi
from tests.procedure.test_stage_two import episodes_every_week, stage_two_case

D = dt.timedelta(days=1)
S = dt.timedelta(seconds=1)


def held_stage_two(proc):
    """A Stage Two meeting held now, chaired by the IRO, reviews every 28 days."""
    child = proc.child()
    episodes_every_week(proc, child, 5)
    case = stage_two_case(proc, child)
    proc.complete_in(case.id, "convene_stage_two", stage_two_chair="iro")
    held = proc.clock.now()
    proc.complete_in(case.id, "stage_two_meeting", meeting_held_at=held.isoformat(),
                     review_interval_days=28, invitees=["child", "team_manager", "iro"])
    proc.complete_in(case.id, "stage_two_safety_plan")
    return case, held


def test_r32_stage_two_review_is_due_two_working_days_after_its_date_and_escalates(proc):
    case, held = held_stage_two(proc)
    proc.set(held + 28 * D + S)
    review = proc.case_items(case.id)["stage_two_review"]
    # held Monday 2 February 2026 18:30: the review date is Monday 2 March, due by the end
    # of Wednesday 4 March
    assert held == london(2026, 2, 2, 18, 30)
    assert (review.role, review.due_at) == ("iro", london(2026, 3, 4, 23, 59) + 59 * S)
    proc.set(review.due_at + S)
    items = proc.case_items(case.id)
    assert items["stage_two_review_overdue"].role == "service_manager"
    assert "stage_two_review" in items  # the review itself stays to be done


def test_r32_a_review_recorded_with_a_past_date_does_not_reopen_at_once(proc):
    """The loop that never ends: the next review counts from the scheduled date, never
    from a typed date that could already have passed."""
    case, held = held_stage_two(proc)
    proc.set(held + 28 * D + S)
    proc.complete_in(case.id, "stage_two_review", continue_reviews=True,
                     reviewed_at=(proc.clock.now() - 60 * D).isoformat())
    proc.fire()
    assert "stage_two_review" not in proc.case_items(case.id)
    # 28 calendar days after the scheduled date (2 March): 30 March, 18:30 London time
    # (the clocks have gone forward meanwhile)
    proc.set(london(2026, 3, 30, 18, 30) - S)
    assert "stage_two_review" not in proc.case_items(case.id)
    proc.set(london(2026, 3, 30, 18, 30) + S)
    assert proc.case_items(case.id)["stage_two_review"].role == "iro"


def after_the_rhi(proc, child):
    episode = found_episode(proc, child=child)
    to_rhi(proc, episode)
    proc.complete(episode, "rhi")
    return proc.items(episode)


def test_r23_the_iro_is_told_for_a_child_in_care_or_on_a_cp_plan_and_only_then(proc):
    in_care = after_the_rhi(proc, proc.child(legal_status="care_order"))
    assert in_care["tell_iro"].role == "social_worker"
    assert in_care["tell_iro"].assignee_id == proc.user_ids["social_worker"]
    proc.clock.advance(minutes=1)
    on_plan = after_the_rhi(proc, proc.child(legal_status="not_in_care", placed="-",
                                             flags={"child_protection_plan": True}))
    assert on_plan["tell_iro"].role == "social_worker"
    proc.clock.advance(minutes=1)
    neither = after_the_rhi(proc, proc.child(legal_status="not_in_care", placed="-"))
    assert "tell_iro" not in neither
    assert "consider_rhi" in neither  # the return went on past the IRO's branch


def test_r14_a_missed_iro_contact_day_is_withdrawn_and_the_next_day_opens(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child())
    proc.set(reported + 2 * D + S)  # the IRO recorded nothing on days 1 and 2
    open_now = [w for w in proc.items(episode).values() if w.element_id == "iro_contact"]
    assert [(w.role, w.assignee_id, w.due_at) for w in open_now] == [
        ("iro", proc.user_ids["iro"], reported + 3 * D)]
    missed = proc.items(episode, state="cancelled")
    assert "iro_contact" in missed
    proc.complete(episode, "iro_contact")  # day 3 done on time: day 4 opens at its start
    assert "iro_contact" not in proc.items(episode)
    proc.set(reported + 3 * D + S)
    assert proc.items(episode)["iro_contact"].due_at == reported + 4 * D


def test_r19_a_missed_liaison_round_is_withdrawn_and_the_next_round_opens(proc):
    reported = proc.clock.now()
    episode = proc.report(proc.child(placed="out_of_area"))
    proc.set(reported + 2 * D + S)
    item = proc.items(episode)["liaison"]
    assert (item.role, item.due_at) == ("social_worker", reported + 4 * D)
    proc.set(reported + 6 * D + S)
    assert proc.items(episode)["liaison"].due_at == reported + 8 * D


def test_r14_r19_an_episode_entered_late_opens_todays_attempt_not_every_day_since(proc):
    last_seen = proc.clock.now() - 40 * D - dt.timedelta(hours=3)
    episode = proc.episode_at(proc.child(placed="out_of_area"), last_seen)
    reported = last_seen + dt.timedelta(minutes=30)
    iro = [w for w in proc.items(episode).values() if w.element_id == "iro_contact"]
    assert [w.due_at for w in iro] == [reported + 41 * D]  # today's, day 41
    assert proc.items(episode)["liaison"].due_at == reported + 42 * D
