"""The SSDA903 return read from issue 10's record (R46): periods of care from the dated
legal statuses, episodes split at every placement and legal status change, why a child
moved on, the home and placement postcodes, and one Missing row per episode segment."""

from __future__ import annotations

import datetime as dt

from engine.child_record import SavePeriod
from engine.executor import SYSTEM, run
from engine.models import EpisodeSegment, Placement
from engine.returns import source, ssda903
from engine.returns.record_details import SetReturnDetails


def _at(day, hour=12):
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


def _record(session, child, org, statuses, placements):
    for values in statuses:
        run(session, SavePeriod(child.id, "legal_status", values), SYSTEM)
    for values in placements:
        run(session, SavePeriod(child.id, "placement", {
            "local_authority_id": org.id, **values}), SYSTEM)
    session.commit()


def test_r46_episodes_come_from_dated_legal_statuses_and_placements(session, records):
    council = records.org("wfc")
    child = records.child(council, flags={}, la_child_id="WF1", sex="F", ethnic_code="WBRI")
    _record(session, child, council, [
        {"legal_status": "interim_care_order", "starts_on": "2024-01-10", "cin_code": "N1"},
        {"legal_status": "care_order", "starts_on": "2025-06-01", "cin_code": "N1"}], [
        {"address": "Foster home", "starts_on": "2024-01-10", "placement_type": "U4",
         "provider_type": "PR1", "postcode": "LA9 7QT", "urn": "SC1"},
        {"address": "Brook House", "starts_on": "2025-09-01", "placement_type": "K2",
         "provider_type": "PR4", "postcode": "LA9 6NH", "urn": "SC2"}])
    first = session.query(Placement).filter_by(child_id=child.id, address="Foster home").one()
    run(session, SetReturnDetails(child.id, "For the return", home_postcode="la9 5bp",
                                  placement_end_reasons={first.id: "carpl"}), SYSTEM)
    session.commit()
    result = ssda903.build(source.read(session, 2026, council.id)[0], 2026)
    rows = [(r["DECOM"], r["RNE"], r["LS"], r["PLACE"], r["DEC"], r["REC"],
             r["REASON_PLACE_CHANGE"], r["HOME_POST"], r["PL_POST"], r["URN"])
            for r in result.episodes]
    assert rows == [
        ("10/01/2024", "S", "C1", "U4", "01/06/2025", "X1", "", "LA9 5BP", "LA9 7QT", "SC1"),
        ("01/06/2025", "L", "C2", "U4", "01/09/2025", "X1", "CARPL", "LA9 5BP", "LA9 7QT",
         "SC1"),
        ("01/09/2025", "P", "C2", "K2", "", "", "", "LA9 5BP", "LA9 6NH", "SC2")]
    assert result.header[0]["CHILD"] == "WF1"


def test_r46_one_missing_row_per_segment_and_not_missing_left_out(session, records):
    council = records.org("wfc")
    child = records.child(council, flags={})
    _record(session, child, council, [
        {"legal_status": "care_order", "starts_on": "2024-01-10", "cin_code": "N1"}], [
        {"address": "Brook House", "starts_on": "2024-01-10", "placement_type": "K2",
         "provider_type": "PR4"}])
    day = dt.date(2025, 10, 2)
    episode = records.episode(child, "M", _at(day, 9), _at(day + dt.timedelta(days=1)))
    switch = _at(day, 15)
    session.add_all([
        EpisodeSegment(episode_id=episode.id, category="A", starts_at=_at(day, 9),
                       ends_at=switch, changed_by="t", changed_at=switch),
        EpisodeSegment(episode_id=episode.id, category="M", starts_at=switch,
                       ends_at=_at(day + dt.timedelta(days=1)), changed_by="t",
                       changed_at=switch)])
    session.commit()
    records.episode(child, "M", _at(day + dt.timedelta(days=9)),
                    _at(day + dt.timedelta(days=10)), not_missing=True)
    session.commit()
    result = ssda903.build(source.read(session, 2026, council.id)[0], 2026)
    assert [(r["MISSING"], r["MIS_START"], r["MIS_END"]) for r in result.missing] == [
        ("A", "02/10/2025", "02/10/2025"), ("M", "02/10/2025", "03/10/2025")]


def test_r46_leaving_care_while_missing_ends_the_row_when_care_ceased(session, records):
    council = records.org("wfc")
    child = records.child(council, flags={})
    _record(session, child, council, [
        {"legal_status": "care_order", "starts_on": "2024-01-10", "ends_on": "2025-11-05",
         "rec_code": "E8", "cin_code": "N1"}], [
        {"address": "Brook House", "starts_on": "2024-01-10", "ends_on": "2025-11-05",
         "placement_type": "K2", "provider_type": "PR4"}])
    records.episode(child, "M", _at(dt.date(2025, 11, 1)), _at(dt.date(2025, 11, 20)))
    session.commit()
    result = ssda903.build(source.read(session, 2026, council.id)[0], 2026)
    assert [(r["MIS_START"], r["MIS_END"]) for r in result.missing] == [
        ("01/11/2025", "05/11/2025")]
    assert (result.episodes[0]["DEC"], result.episodes[0]["REC"]) == ("05/11/2025", "E8")


def test_r46_return_details_are_checked_named_and_audited(session, records, make_user):
    import pytest

    from engine.errors import InvalidInput, NotPermitted
    from engine.executor import Actor
    from engine.models import AuditEvent

    council = records.org("wfc")
    child = records.child(council, flags={})
    _record(session, child, council, [
        {"legal_status": "care_order", "starts_on": "2024-01-10"}], [
        {"address": "Brook House", "starts_on": "2024-01-10"}])
    placement = session.query(Placement).filter_by(child_id=child.id).one()
    with pytest.raises(InvalidInput) as refused:
        run(session, SetReturnDetails(child.id, "For the return", home_postcode="LA9",
                                      placement_end_reasons={placement.id: "MOVED"}), SYSTEM)
    session.rollback()
    assert set(refused.value.errors) == {"home_postcode", f"end_reason_{placement.id}"}
    carer = make_user("carer", org=council)
    with pytest.raises(NotPermitted):
        run(session, SetReturnDetails(child.id, "For the return", home_postcode="LA9 5BP"),
            Actor.for_user(carer))
    session.rollback()
    run(session, SetReturnDetails(child.id, "For the return", home_postcode="LA9 5BP"), SYSTEM)
    session.commit()
    event = session.query(AuditEvent).filter_by(action="child.return_details_saved").one()
    assert event.child_id == child.id and event.detail["changes"] == {
        "home_postcode": [None, "LA9 5BP"]}
