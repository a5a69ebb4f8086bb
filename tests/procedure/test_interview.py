"""R20-R27: the return (interview.bpmn), after the child_found message."""

import datetime as dt

import pytest

from tests.conftest import london


def found_episode(proc, child=None, found_at=None, **found):
    episode = proc.report(child or proc.child())
    proc.advance(hours=2)
    proc.found(episode, found_at=found_at or proc.clock.now(), **found)
    return episode


def to_rhi(proc, episode):
    proc.complete(episode, "record_found")
    if "prevention_interview" in proc.items(episode):
        proc.complete(episode, "prevention_interview")


def finish(proc, episode, **forms):
    """Complete whatever is open, with per-element overrides, until nothing is."""
    for _ in range(30):
        items = proc.items(episode)
        if not items:
            return
        element = next(iter(items))
        proc.complete(episode, element, **forms.get(element, {}))
    raise AssertionError("the episode did not finish")


def test_r20_found_records_when_where_by_whom(proc):
    episode = found_episode(proc, found_where="public_place",
                            found_where_detail="Carlisle bus station", found_by="home_office")
    ep = proc.episode(episode)
    assert ep.found_at == proc.clock.now()
    assert (ep.found_where, ep.found_by) == ("A public place: Carlisle bus station",
                                             "home_office")
    assert proc.items(episode)["record_found"].role == "police"


def test_r20_where_and_by_whom_are_required_choices(proc):
    from engine.errors import InvalidInput

    episode = proc.report(proc.child())
    with pytest.raises(InvalidInput) as refused:
        proc.found(episode, found_where="", found_by="PC Smith")
    assert set(refused.value.errors) == {"found_where", "found_by"}
    assert proc.episode(episode).found_at is None


def test_r21_prevention_interview_unless_not_missing(proc):
    episode = found_episode(proc)
    proc.complete(episode, "record_found")
    assert proc.items(episode)["prevention_interview"].role == "police"
    other = found_episode(proc, not_missing=True)
    proc.complete(other, "record_found")
    assert "prevention_interview" not in proc.items(other)


def test_r22_rhi_due_72_clock_hours_found_friday_due_monday(proc):
    episode = proc.report(proc.child())
    proc.set(london(2026, 3, 6, 16, 0))  # Friday
    proc.found(episode, found_at=london(2026, 3, 6, 16, 0))
    to_rhi(proc, episode)
    rhi = proc.items(episode)["rhi"]
    assert rhi.role == "rhi_worker"
    assert rhi.due_at == london(2026, 3, 9, 16, 0)  # Monday


def test_r22_overdue_rhi_escalates_to_team_manager_and_stays_open(proc):
    episode = found_episode(proc)
    found_at = proc.episode(episode).found_at
    to_rhi(proc, episode)
    proc.set(found_at + dt.timedelta(hours=72))
    assert "rhi_overdue" not in proc.items(episode)
    proc.advance(seconds=1)
    items = proc.items(episode)
    assert items["rhi_overdue"].role == "team_manager"
    assert items["rhi"].state == "open"


def test_r23_placing_authority_arranges_rhi_for_child_placed_here(proc):
    episode = found_episode(proc, child=proc.child(placed="placed_here"))
    to_rhi(proc, episode)
    items = proc.items(episode)
    assert "rhi" not in items
    assert items["rhi_placing_authority"].role == "social_worker"
    assert items["rhi_placing_authority"].due_at == proc.episode(
        episode).found_at + dt.timedelta(hours=72)


def test_r23_iro_told_for_child_in_care(proc):
    episode = found_episode(proc, child=proc.child(legal_status="care_order"))
    seen = set()
    for _ in range(30):
        items = proc.items(episode)
        seen |= set(items)
        if not items or "tell_iro" in items:
            break
        proc.complete(episode, next(iter(items)))
    assert "tell_iro" in seen


def test_r24_child_declined_offers_parents(proc):
    episode = found_episode(proc)
    to_rhi(proc, episode)
    proc.complete(episode, "rhi", rhi_outcome="child_declined")
    assert proc.items(episode)["parents_information"].role == "rhi_worker"


def test_r24_parents_declined_followed_up(proc):
    episode = found_episode(proc)
    to_rhi(proc, episode)
    proc.complete(episode, "rhi", rhi_outcome="parents_declined")
    assert proc.items(episode)["parents_declined"].role == "rhi_worker"


def test_r25_not_open_with_concerns_sends_single_contact_form(proc):
    episode = found_episode(proc, child=proc.child(social_worker=False))
    to_rhi(proc, episode)
    proc.complete(episode, "rhi", rhi_concerns=True)
    assert proc.items(episode)["single_contact_form"].role == "rhi_worker"


def test_r25_open_to_social_worker_considers_rhi(proc):
    episode = found_episode(proc)
    to_rhi(proc, episode)
    proc.complete(episode, "rhi")
    assert proc.items(episode)["consider_rhi"].role == "social_worker"


def test_r26_episode_closes_only_after_police_finalise(proc):
    episode = found_episode(proc)
    for _ in range(30):
        items = proc.items(episode)
        if set(items) == {"finalise_report"}:
            break
        assert proc.episode(episode).status == "open"
        element = next(iter(items))
        # late work (the who-is-told hour has passed by now, R7) is answered as done late,
        # so that no re-check a day later keeps the episode open
        late = {"escalation_action": "done_late"} if element.endswith("_overdue") else {}
        proc.complete(episode, element, **late)
    assert proc.items(episode)["finalise_report"].role == "mach"
    assert proc.episode(episode).status == "open"
    proc.complete(episode, "finalise_report")
    ep = proc.episode(episode)
    assert (ep.status, ep.closed_at) == ("closed", proc.clock.now())
    assert proc.case(episode).status == "completed"


def test_r27_ce_suspected_checklist_then_response(proc):
    episode = found_episode(proc)
    to_rhi(proc, episode)
    proc.complete(episode, "rhi", ce_suspected=True)
    for _ in range(10):
        items = proc.items(episode)
        if "ce_checklist" in items or not items:
            break
        proc.complete(episode, next(iter(items)))
    assert proc.items(episode)["ce_checklist"].role == "rhi_worker"
    proc.complete(episode, "ce_checklist")
    assert proc.items(episode)["ce_response"].role == "team_manager"
