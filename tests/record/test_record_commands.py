"""The child's record: every change a checked, audited, revision-checked command; bad
input refused naming the field, nothing stored (R2)."""

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from engine import child_record
from engine.child_record import SavePeriod, SetFlags, UpdateIdentity, set_flag
from engine.errors import Conflict, InvalidInput, NotPermitted
from engine.executor import SYSTEM, Context, run
from engine.models import Allocation, AuditEvent, Child, ChildFlagChange, Placement


def _count(session, model, child_id):
    session.rollback()
    return session.scalar(select(func.count()).select_from(model)
                          .where(model.child_id == child_id))


def _refused(proc, command, actor="social_worker") -> dict:
    proc.session.rollback()
    with pytest.raises(InvalidInput) as caught:
        run(proc.session, command, proc.actors[actor])
    return caught.value.errors


def test_r2_overlapping_placements_are_refused_naming_the_field(proc):
    child = proc.child()  # placed from 6 January 2025, still open
    proc.record(child, "placement", address="Next home", starts_on="2025-06-01",
                local_authority_id=proc.org_id)  # ends the open one on 1 June
    assert _count(proc.session, Placement, child) == 2
    errors = _refused(proc, SavePeriod(child, "placement", {
        "address": "In between", "starts_on": "2025-03-01", "ends_on": "2025-07-01",
        "local_authority_id": proc.org_id}, "typed"))
    assert "overlaps the placement from 6 January 2025 to 1 June 2025" in errors[
        "starts_on"][0]
    assert _count(proc.session, Placement, child) == 2


def test_r2_a_period_ending_before_it_starts_is_refused(proc):
    child = proc.child()
    errors = _refused(proc, SavePeriod(child, "legal_status", {
        "legal_status": "care_order", "starts_on": "2026-02-01", "ends_on": "2026-01-01"}))
    assert errors["ends_on"] == ["The end date must be the same as or after the start date"]


def test_r2_a_placement_in_an_unknown_authority_is_refused(proc):
    child = proc.child()
    errors = _refused(proc, SavePeriod(child, "placement", {
        "address": "Somewhere", "starts_on": "2026-02-01", "local_authority_id": 99999}))
    assert errors["local_authority_id"] == ["Select the local authority the placement is in"]


def test_r14_allocation_to_a_user_without_the_role_is_refused(proc):
    child = proc.child(iro=False)
    errors = _refused(proc, SavePeriod(child, "allocation", {
        "role": "iro", "starts_on": "2026-02-01", "user_id": proc.user_ids["police"]}))
    assert errors["user_id"] == ["Police Person does not hold the IRO role"]
    assert _count(proc.session, Allocation, child) == 1  # the social worker's only


def test_r2_changes_are_revision_checked_and_need_a_role(proc):
    child = proc.child()
    proc.session.rollback()
    revision = proc.session.get(Child, child).revision
    run(proc.session, UpdateIdentity(child, {"upn": "A123456789012"}, "From school",
                                     expected_revision=revision), proc.actors["social_worker"])
    proc.session.rollback()
    with pytest.raises(Conflict):
        run(proc.session, UpdateIdentity(child, {"sex": "F"}, "Corrected",
                                         expected_revision=revision),
            proc.actors["social_worker"])
    proc.session.rollback()
    with pytest.raises(NotPermitted):
        run(proc.session, UpdateIdentity(child, {"sex": "F"}, "Corrected"),
            proc.actors["police"])
    errors = _refused(proc, UpdateIdentity(child, {"sex": "X", "ethnic_code": "ZZZZ",
                                                   "upn": "123"}, ""))
    assert set(errors) == {"sex", "ethnic_code", "upn", "reason"}


def test_r2_flags_keep_who_when_and_why(proc):
    child = proc.child()
    proc.session.rollback()
    run(proc.session, SetFlags(child, {"ce_risk": True, "ce_risk_level": "high"},
                               "Seen with older males"), proc.actors["social_worker"])
    proc.clock.advance(hours=1)
    run(proc.session, SetFlags(child, {"ce_risk": None, "ce_risk_level": None},
                               "Strategy meeting closed the concern"),
        proc.actors["team_manager"])
    proc.session.rollback()
    rows = proc.session.scalars(select(ChildFlagChange).where(
        ChildFlagChange.child_id == child).order_by(ChildFlagChange.id)).all()
    assert [(r.flag, r.value, r.changed_by, r.reason) for r in rows] == [
        ("ce_risk", True, "Social_Worker Person", "Seen with older males"),
        ("ce_risk_level", "high", "Social_Worker Person", "Seen with older males"),
        ("ce_risk", None, "Team_Manager Person", "Strategy meeting closed the concern"),
        ("ce_risk_level", None, "Team_Manager Person", "Strategy meeting closed the concern")]
    assert rows[2].changed_at - rows[0].changed_at == dt.timedelta(hours=1)
    assert proc.session.get(Child, child).flags == {}
    errors = _refused(proc, SetFlags(child, {"ce_risk_level": "high"}, "Why"))
    assert "ce_risk_level" in errors


def test_r43_set_flag_writes_in_the_calling_transaction_and_audits(proc):
    child = proc.child()
    proc.session.rollback()

    def command(ctx: Context):
        set_flag(ctx, child, "location_withheld", True, "R43: identity not established")

    run(proc.session, command, SYSTEM)
    proc.session.rollback()
    assert proc.session.get(Child, child).flags["location_withheld"] is True
    event = proc.session.scalar(select(AuditEvent).where(
        AuditEvent.child_id == child, AuditEvent.action == "child.flag_set"))
    assert event.detail["flag"] == "location_withheld" and event.detail["to"] is True
    facts = child_record.facts(proc.session, proc.session.get(Child, child))
    assert facts["location_withheld"] is True


def test_r23_an_open_placement_ends_when_the_next_starts(proc):
    child = proc.child()
    proc.record(child, "placement", address="New home", starts_on="2026-02-01",
                local_authority_id=proc.other_org_id)
    proc.session.rollback()
    rows = proc.session.scalars(select(Placement).where(Placement.child_id == child)
                                .order_by(Placement.starts_on)).all()
    assert rows[0].ends_on == dt.date(2026, 2, 1) and rows[1].ends_on is None
    row = proc.session.get(Child, child)
    assert (row.host_org_id, row.placement) == (proc.other_org_id, "New home")
    assert child_record.direction(proc.session, row, dt.date(2026, 1, 31)) == "in_area"
    assert child_record.direction(proc.session, row, dt.date(2026, 2, 1)) == "out_of_area"


def test_r2_facts_read_ahead_for_many_children_are_the_facts_read_one_by_one(proc, db_engine):
    """Issue 16: the timer worker reads the records of a batch's children in three
    statements; the facts each diagram decision then reads are the same as one child's
    record read on its own, for children placed in area, out of area, here by another
    authority, not in care and with no social worker."""
    from sqlalchemy import event

    ids = [proc.child(), proc.child(placed="out_of_area"), proc.child(placed="placed_here"),
           proc.child(legal_status="not_in_care", social_worker=False),
           proc.child(legal_status="s20", iro=False)]
    session = proc.session
    session.rollback()
    children = [session.get(Child, child_id) for child_id in ids]
    one_by_one = [child_record.facts(session, child) for child in children]
    reads = []

    def seen(conn, cursor, statement, *args):
        if re.search(r"FROM (legal_status_period|placement|allocation)\b", statement):
            reads.append(statement)

    event.listen(db_engine, "before_cursor_execute", seen)
    try:
        with child_record.periods_read_ahead(session, ids):
            ahead = [child_record.facts(session, child) for child in children]
    finally:
        event.remove(db_engine, "before_cursor_execute", seen)
    assert ahead == one_by_one
    assert len({repr(sorted(facts.items())) for facts in ahead}) == len(ids)  # all differ
    assert len(reads) == 3  # legal statuses, placements, allocations: for all five
