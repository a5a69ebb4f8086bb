"""The routing truth table (R8, R11, R12, R13, R23, R25): where a child is placed, seen
from our partnership, decides who is told, whether a Philomena form is asked, whether the
record is flagged and who does the return home interview."""

import pytest

from engine import child_record
from engine.models import Child
from tests.procedure.test_interview import found_episode, to_rhi

# placed, legal status -> open to a social worker, R11 host told, R12 Philomena,
# R13 record flagged, R23 who does the return home interview (work item, role)
TABLE = {
    "in_area": ("care_order", "here", False, False, False, ("rhi", "rhi_worker")),
    "out_of_area": ("care_order", "here", True, False, False, ("rhi", "rhi_worker")),
    "placed_here": ("care_order", "elsewhere", False, True, True,
                    ("rhi_placing_authority", "social_worker")),
    "not_looked_after": ("not_in_care", "here", False, False, False,
                         ("rhi", "rhi_worker")),
}


def _child(proc, placed):
    legal = TABLE[placed][0]
    return proc.child(legal_status=legal, placed=placed if legal != "not_in_care" else "-")


@pytest.mark.parametrize("placed", TABLE)
def test_r11_r12_r13_report_routing_by_placement_direction(proc, placed):
    _, open_to, host_told, philomena, flagged, _ = TABLE[placed]
    child = _child(proc, placed)
    facts = child_record.facts(proc.session, proc.session.get(Child, child))
    assert facts["open_to_social_worker"] == open_to
    assert facts["placed_out_of_area"] is host_told
    assert facts["placed_by_other_authority"] is philomena
    assert facts["placed_in_area"] is (placed == "in_area")
    episode = proc.report(child)
    proc.complete(episode, "grade_risk")
    items = proc.items(episode)
    # R11: the host authority is told only for our child placed out of area
    assert ("notify_host_authority" in items) is host_told
    # R12: a Philomena form only for another authority's child placed here
    assert ("philomena_form" in items) is philomena
    if philomena:
        assert items["philomena_form"].role == "carer"
    # R13: the record is flagged on another authority's notification
    assert ("flag_child_record" in items) is flagged
    assert items["mach_review"].role == "mach"  # R8: every report, whatever the placement


@pytest.mark.parametrize("placed", TABLE)
def test_r23_who_does_the_return_home_interview(proc, placed):
    _, _, _, _, _, (element, role) = TABLE[placed]
    episode = found_episode(proc, child=_child(proc, placed))
    to_rhi(proc, episode)
    items = proc.items(episode)
    other = {"rhi", "rhi_placing_authority"} - {element}
    assert items[element].role == role
    assert not other & set(items)


def test_r25_social_worker_allocated_while_missing_is_read_at_the_return_and_gets_it(proc):
    """Nobody was allocated when the child was reported; a social worker is allocated
    while the child is missing. The return reads the record as it is then: the child is
    open to a social worker (R25), and the allocated worker gets the item directly (R8)."""
    child = proc.child(social_worker=False)
    episode = proc.report(child)
    proc.record(child, "allocation", role="social_worker", starts_on="2026-03-02",
                user_id=proc.user_ids["social_worker"])
    proc.advance(hours=2)
    proc.found(episode)
    to_rhi(proc, episode)
    proc.complete(episode, "rhi", rhi_concerns=True)
    items = proc.items(episode)
    assert "single_contact_form" not in items  # not "not open" any more
    assert items["consider_rhi"].assignee_id == proc.user_ids["social_worker"]


def test_r14_iro_allocated_later_takes_the_open_iro_items(proc):
    child = proc.child(iro=False)
    episode = proc.report(child)
    assert proc.items(episode)["iro_contact"].assignee_id is None
    proc.record(child, "allocation", role="iro", starts_on="2026-03-02",
                user_id=proc.user_ids["iro"])
    assert proc.items(episode)["iro_contact"].assignee_id == proc.user_ids["iro"]
    assert proc.session.get(Child, child).iro_id == proc.user_ids["iro"]
