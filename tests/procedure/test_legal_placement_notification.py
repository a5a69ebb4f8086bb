"""R18 legal routes considered again while the child is missing; R12 the Philomena
Protocol form filed at placement; R13 the intake for another authority's notification."""

import datetime as dt

import pytest
from sqlalchemy import select

from engine.commands import ReceiveNotification
from engine.errors import InvalidInput, NotPermitted
from engine.executor import run
from engine.models import AuditEvent, Child

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
S = dt.timedelta(seconds=1)


# --- R18 -------------------------------------------------------------------------------

def test_r18_legal_routes_are_considered_again_while_the_child_is_missing(proc):
    episode = proc.report(proc.child())
    considered = proc.clock.now()
    proc.complete(episode, "legal_routes", legal_review_in_days=2)
    assert "legal_routes" not in proc.items(episode)
    proc.set(considered + 2 * D - S)
    assert "legal_routes" not in proc.items(episode)
    proc.set(considered + 2 * D + S)
    assert proc.items(episode)["legal_routes"].role == "social_worker"
    # an order made later is recorded then, with its own deadline from its start
    started = proc.clock.now() - 3 * H
    proc.complete(episode, "legal_routes", police_protection=True,
                  police_protection_from=started.isoformat(), police_protection_hours=72,
                  legal_review_in_days=7)
    assert proc.items(episode)["police_protection_end"].due_at == started + 72 * H


def test_r18_review_days_are_required_and_bounded(proc):
    episode = proc.report(proc.child())
    with pytest.raises(InvalidInput) as bad:
        proc.complete(episode, "legal_routes", legal_review_in_days=30)
    assert "legal_review_in_days" in bad.value.errors


def test_r18_finding_the_child_stops_the_reconsideration(proc):
    episode = proc.report(proc.child())
    proc.complete(episode, "legal_routes", legal_review_in_days=1)
    proc.advance(hours=2)
    proc.found(episode)
    proc.advance(days=2)
    assert "legal_routes" not in proc.items(episode)


# --- R12 -------------------------------------------------------------------------------

def placement_items(proc, child):
    [case] = proc.child_cases(child, "placement")
    return case, proc.case_items(case.id)


def test_r12_philomena_form_filed_when_another_authoritys_child_is_placed_here(proc):
    child = proc.child(placed="placed_here")
    proc.session.rollback()
    assert proc.child_cases(child, "episode") == []  # nobody has gone missing
    case, items = placement_items(proc, child)
    item = items["philomena_at_placement"]
    assert item.role == "carer"
    assert item.due_at is not None
    with pytest.raises(InvalidInput) as where:
        proc.complete_in(case.id, "philomena_at_placement", philomena_sent_to="by_post")
    assert "philomena_sent_to" in where.value.errors
    proc.complete_in(case.id, "philomena_at_placement")
    assert "philomena_at_placement" not in proc.case_items(case.id)
    sent = proc.case_items(case.id, state="completed")["philomena_at_placement"]
    assert sent.data["philomena_sent_to"] == "police_mailbox"


def test_r12_our_child_placed_here_only_where_the_protocol_applies(proc):
    plain = proc.child(placed="in_area")
    assert placement_items(proc, plain)[1] == {}
    at_risk = proc.child(placed="in_area", flags={"ce_risk": True})
    assert placement_items(proc, at_risk)[1]["philomena_at_placement"].role == "carer"
    away = proc.child(placed="out_of_area", flags={"ce_risk": True})
    assert placement_items(proc, away)[1] == {}  # the host area's arrangements (R11)


def test_r12_a_placement_that_already_ended_starts_nothing(proc):
    child = proc.child(legal_status="not_in_care", placed="-")
    proc.record(child, "legal_status", legal_status="care_order", starts_on=dt.date(2024, 1, 8))
    proc.record(child, "placement", address="Old placement", starts_on=dt.date(2024, 1, 8),
                ends_on=dt.date(2024, 6, 1), local_authority_id=proc.org_id,
                placement_type="U6")
    assert proc.child_cases(child, "placement") == []


def test_r12_philomena_overdue_after_a_working_day_escalates(proc):
    child = proc.child(placed="placed_here")
    case, items = placement_items(proc, child)
    proc.set(items["philomena_at_placement"].due_at + S)
    assert proc.case_items(case.id)["philomena_at_placement_overdue"].role == "team_manager"


# --- R13 -------------------------------------------------------------------------------

def notice(**overrides):
    data = {"notifying_authority": "Lancashire County Council",
            "notification_kind": "missing",
            "received_at": "2026-03-02T10:00:00+00:00",
            "notification_details": "Missing from the placement in Kendal since 8am."}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_r13_mach_receives_another_authoritys_missing_notice_and_acts_on_it(proc):
    child = proc.child(placed="placed_here")
    proc.session.rollback()
    case = run(proc.session, ReceiveNotification(child, notice()), proc.actors["mach"])
    items = proc.case_items(case.id)
    assert set(items) == {"notification_flag"}
    assert items["notification_flag"].role == "mach"
    proc.complete_in(case.id, "notification_flag")
    proc.session.rollback()
    assert proc.session.get(Child, child).flags["notified_by_other_authority"] is True
    # not reported here yet: the MACH makes sure the police here have a missing report
    items = proc.case_items(case.id)
    assert items["notification_police"].role == "mach"
    with pytest.raises(InvalidInput) as why:
        proc.complete_in(case.id, "notification_police", reported_to_police=False,
                         police_reference=None)
    assert "not_reported_reason" in why.value.errors
    proc.complete_in(case.id, "notification_police")
    proc.session.rollback()
    event = proc.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "notification.received"))
    assert event.child_id == child and event.detail["from"] == "Lancashire County Council"


def test_r13_missing_notice_for_a_child_already_reported_here_needs_no_second_report(proc):
    child = proc.child(placed="placed_here")
    proc.report(child)
    proc.session.rollback()
    case = run(proc.session, ReceiveNotification(child, notice()), proc.actors["mach"])
    proc.complete_in(case.id, "notification_flag")
    assert proc.case_items(case.id) == {}


def test_r12_r13_placed_here_notice_asks_the_provider_for_the_philomena_form(proc):
    child = proc.child(placed="placed_here")
    proc.session.rollback()
    case = run(proc.session, ReceiveNotification(child, notice(
        notification_kind="placed_here")), proc.actors["mach"])
    proc.complete_in(case.id, "notification_flag")
    assert proc.case_items(case.id)["notification_philomena"].role == "carer"


def test_r13_only_the_mach_and_social_care_take_in_a_notice_and_answers_are_checked(proc):
    child = proc.child(placed="placed_here")
    proc.session.rollback()
    with pytest.raises(NotPermitted):
        run(proc.session, ReceiveNotification(child, notice()), proc.actors["carer"])
    proc.session.rollback()
    with pytest.raises(InvalidInput) as bad:
        run(proc.session, ReceiveNotification(child, notice(notifying_authority=None)),
            proc.actors["mach"])
    assert "notifying_authority" in bad.value.errors


def _sent(proc, child):
    case, _ = placement_items(proc, child)
    proc.complete_in(case.id, "philomena_at_placement")
    return case


def test_r12_philomena_form_reviewed_every_3_months_with_a_due_time_and_escalation(proc):
    child = proc.child(placed="placed_here")
    case = _sent(proc, child)
    sent = proc.clock.now()
    # 91 calendar days in London time (2 March 09:00 GMT -> 1 June 09:00 BST)
    proc.set(sent + 91 * D - H - S)
    assert "philomena_review" not in proc.case_items(case.id)
    proc.set(sent + 91 * D + S)
    review = proc.case_items(case.id)["philomena_review"]
    assert review.role == "carer" and review.form_key == "philomena_review"
    # due within 5 working days (the end of the fifth), then the team manager is told
    asked = proc.clock.now()
    assert asked + 5 * D <= review.due_at <= asked + 9 * D
    proc.set(review.due_at + S)
    items = proc.case_items(case.id)
    assert items["philomena_review_overdue"].role == "team_manager"
    assert "philomena_review" in items
    with pytest.raises(InvalidInput) as what:
        proc.complete_in(case.id, "philomena_review", philomena_changes=None)
    assert "philomena_changes" in what.value.errors
    proc.complete_in(case.id, "philomena_review")
    reviewed = proc.clock.now()
    assert "philomena_review" not in proc.case_items(case.id)
    # the next review 3 months after this one, while the placement continues
    proc.set(reviewed + 91 * D + S)
    assert proc.case_items(case.id)["philomena_review"].role == "carer"


def test_r12_a_change_of_risk_asks_for_an_update_at_once(proc):
    from engine.child_record import SetFlags

    child = proc.child(placed="placed_here")
    case = _sent(proc, child)
    proc.clock.advance(days=10)
    proc.session.rollback()
    run(proc.session, SetFlags(child, {"ce_risk": True}, "Seen with older males"),
        proc.actors["social_worker"])
    review = proc.case_items(case.id)["philomena_review"]
    assert review.role == "carer" and review.due_at is not None


def test_r12_philomena_updates_stop_when_the_placement_ends(proc):
    from engine.models import Placement

    child = proc.child(placed="placed_here")
    case = _sent(proc, child)
    proc.session.rollback()
    placement = proc.session.scalars(select(Placement).where(
        Placement.child_id == child)).one()
    period, starts = placement.id, placement.starts_on
    proc.clock.advance(days=30)
    proc.session.rollback()
    from engine.child_record import SavePeriod
    run(proc.session, SavePeriod(child, "placement", {
        "address": "Foster placement", "starts_on": starts,
        "ends_on": proc.clock.now().date(), "local_authority_id": proc.org_id,
        "placement_type": "U6"}, "Moved on", period_id=period), proc.actors["social_worker"])
    # no more reviews: the 3-monthly one would have come by day 91
    proc.advance(days=100)
    assert "philomena_review" not in proc.case_items(case.id)
    assert not any(i.element_id == "philomena_review"
                   for i in proc.case_items(case.id, state="cancelled").values())
