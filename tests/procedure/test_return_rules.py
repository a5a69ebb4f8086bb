"""R20-R29 after the child is found: what the return must do whatever else is pending,
and what the answers recorded in it start (issue 11)."""

import datetime as dt

import pytest
from sqlalchemy import select

from engine import store
from engine.errors import InvalidInput
from engine.models import AuditEvent, Child
from tests.procedure.test_interview import found_episode, to_rhi

H = dt.timedelta(hours=1)


def test_r22_rhi_clock_starts_when_found_even_with_record_found_pending(proc):
    episode = found_episode(proc)
    found_at = proc.episode(episode).found_at
    items = proc.items(episode)
    assert "record_found" in items  # nobody has recorded who was told yet ...
    assert items["rhi"].due_at == found_at + 72 * H  # ... and the RHI is already due
    proc.set(found_at + 80 * H)
    items = proc.items(episode)
    assert items["rhi_overdue"].role == "team_manager"
    assert {"record_found", "rhi"} <= set(items)


def test_r22_rhi_not_offered_is_recorded_with_the_reason(proc):
    episode = found_episode(proc)
    to_rhi(proc, episode)
    with pytest.raises(InvalidInput) as refused:
        proc.complete(episode, "rhi", rhi_offered=False, rhi_outcome=None, rhi_at=None,
                      seen_alone=None, rhi_summary=None)
    assert "rhi_not_offered_reason" in refused.value.errors
    proc.complete(episode, "rhi", rhi_offered=False, rhi_outcome=None, rhi_at=None,
                  seen_alone=None, rhi_summary=None,
                  rhi_not_offered_reason="Child moved to another authority's area at once")
    done = proc.items(episode, state="completed")["rhi"]
    assert done.data["rhi_offered"] is False
    assert done.data["rhi_not_offered_reason"].startswith("Child moved")
    assert not {"parents_information", "parents_declined"} & set(proc.items(episode))


def test_r22_offered_rhi_needs_its_outcome(proc):
    episode = found_episode(proc)
    to_rhi(proc, episode)
    with pytest.raises(InvalidInput) as refused:
        proc.complete(episode, "rhi", rhi_offered=True, rhi_outcome=None)
    assert "rhi_outcome" in refused.value.errors


def test_r24_gillick_competent_child_gets_the_rhi_directly(proc):
    episode = found_episode(proc)
    to_rhi(proc, episode)
    proc.complete(episode, "rhi", rhi_outcome="parents_declined")
    proc.complete(episode, "parents_declined", gillick_direct_rhi=True,
                  safeguarding_referral=False)
    items = proc.items(episode)
    assert items["direct_rhi"].role == "rhi_worker"
    assert "safeguarding_referral" not in items


def test_r24_considered_safeguarding_referral_creates_the_referral(proc):
    episode = found_episode(proc)
    to_rhi(proc, episode)
    proc.complete(episode, "rhi", rhi_outcome="parents_declined")
    proc.complete(episode, "parents_declined", gillick_direct_rhi=False,
                  safeguarding_referral=True,
                  safeguarding_referral_reason="Child seen with older males")
    items = proc.items(episode)
    assert items["safeguarding_referral"].role == "social_worker"
    assert "direct_rhi" not in items
    proc.complete(episode, "safeguarding_referral")
    assert "safeguarding_referral" not in proc.items(episode)


@pytest.mark.parametrize("meeting,process,first_task,role", [
    ("stage_one", "stage_one", "stage_one_meeting", "team_manager"),
    ("stage_two", "stage_two", "convene_stage_two", "service_manager")])
def test_r25_meeting_chosen_after_the_rhi_starts_it(proc, meeting, process, first_task, role):
    child = proc.child()
    episode = found_episode(proc, child=child)
    to_rhi(proc, episode)
    proc.complete(episode, "rhi")
    assert proc.child_cases(child, process) == []
    proc.complete(episode, "consider_rhi", stage_meeting=meeting)
    cases = proc.child_cases(child, process)
    assert len(cases) == 1
    items = proc.case_items(cases[0].id)
    assert items[first_task].role == role


def test_r25_no_meeting_chosen_starts_none(proc):
    child = proc.child()
    episode = found_episode(proc, child=child)
    to_rhi(proc, episode)
    proc.complete(episode, "rhi")
    proc.complete(episode, "consider_rhi", stage_meeting="none")
    assert proc.child_cases(child, "stage_one") == proc.child_cases(child, "stage_two") == []


def test_r27_exploitation_found_in_rhi_flags_child_and_next_episode_is_high(proc):
    child = proc.child()
    episode = found_episode(proc, child=child)
    to_rhi(proc, episode)
    proc.complete(episode, "rhi", ce_suspected=True)
    proc.complete(episode, "ce_checklist")
    proc.session.rollback()
    assert proc.session.get(Child, child).flags.get("ce_risk") is True
    event = proc.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "child.flag_set", AuditEvent.child_id == child))
    assert event.detail["flag"] == "ce_risk" and "R27" in event.detail["reason"]
    proc.clock.advance(days=2)
    again = proc.report(child)
    proc.complete(again, "grade_risk", risk_grade="medium", ce_linked=False)
    assert proc.episode(again).risk_grade == "high"


@pytest.mark.parametrize("answer", ["injured", "victim_of_crime"])
def test_r29_prevention_interview_injury_or_crime_is_a_judgement_factor(proc, answer):
    child = proc.child(date_of_birth=dt.date(2011, 5, 4))  # 14, no other factor
    episode = found_episode(proc, child=child)
    proc.complete(episode, "prevention_interview")
    assert proc.child_cases(child, "stage_one") == []
    proc.clock.advance(days=3)
    second = found_episode(proc, child=child)
    proc.complete(second, "prevention_interview", **{answer: True})
    cases = proc.child_cases(child, "stage_one")
    assert len(cases) == 1
    assert answer in store.unpack(cases[0].state)  # the factor is in the start data
    assert proc.case_items(cases[0].id)["consider_stage_one"].role == "team_manager"
