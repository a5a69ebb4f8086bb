"""Loading the council's SSDA903 Header and Episodes tables (issue 10): children, periods
of care and placements are created or updated, every row not taken is reported with its
table, row and reason, and a second run of the same files changes nothing (R2, R11)."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from engine import child_import_tables as tables
from engine import child_record
from engine.child_import import ImportChildren
from engine.child_record import SavePeriod
from engine.errors import NotPermitted
from engine.executor import SYSTEM, Actor, run
from engine.models import AuditEvent, Child, LegalStatusPeriod, Organisation, Placement
from web.cli import main

HEADER = """CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
1001,M,12/09/2010,WBRI,UN1,,
1002,F,20/02/2011,WIRI,A123456789012,,
1003,X,01/01/2012,WBRI,,,
"""
EPISODES = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,"
            "PL_POST,URN,PL_LA\n") + """\
1001,01/04/2025,S,C1,N1,U4,PR1,01/06/2025,X1,,LA9 4DL,LA9 5AB,XXXXXXX,
1001,01/06/2025,L,C2,N1,U4,PR1,01/09/2025,X1,,LA9 4DL,LA9 5AB,XXXXXXX,
1001,01/09/2025,P,C2,N1,K2,PR4,,,CARPL,LA9 4DL,PR1 2AB,SC123456,LCC
1002,01/10/2025,S,V2,N2,K2,PR4,,,,PR1 1AA,LA9 4DL,SC654321,
1002,31/02/2025,S,V2,N2,K2,PR4,,,,PR1 1AA,LA9 4DL,SC654321,
1003,01/10/2025,S,V2,N2,K2,PR4,,,,PR1 1AA,LA9 4DL,SC654321,
1004,01/10/2025,S,V2,N2,K2,PR4,,,,PR1 1AA,LA9 4DL,SC654321,
"""


@pytest.fixture
def councils(session, fake_clock):
    with session.begin():
        ours = Organisation(code="wfc", name="Westmorland and Furness Council",
                            kind="local_authority")
        other = Organisation(code="lcc", name="Lancashire County Council",
                             kind="local_authority")
        police = Organisation(code="cumbria", name="Cumbria Constabulary", kind="police")
        session.add_all([ours, other, police])
    run(session, child_record.SetPartnership([ours.id, police.id]), SYSTEM)
    return ours, other


def _import(session, authority, header=HEADER, episodes=EPISODES, actor=SYSTEM):
    read = tables.read(header, episodes, dt.date(2026, 3, 2))
    return run(session, ImportChildren(authority.id, read, "test files"), actor)


def _snapshot(session) -> list:
    session.rollback()
    children = [(c.la_child_id, c.first_name, c.last_name, c.date_of_birth, c.sex,
                 c.ethnic_code, c.upn, c.legal_status, c.host_org_id, c.revision)
                for c in session.scalars(select(Child).order_by(Child.id))]
    legal = [(r.child_id, r.legal_status, r.ls_code, r.starts_on, r.ends_on, r.cin_code,
              r.rne_code, r.rec_code, r.changed_at)
             for r in session.scalars(select(LegalStatusPeriod).order_by(LegalStatusPeriod.id))]
    placed = [(r.child_id, r.address, r.placement_type, r.provider_type, r.urn, r.postcode,
               r.local_authority_id, r.starts_on, r.ends_on, r.changed_at)
              for r in session.scalars(select(Placement).order_by(Placement.id))]
    session.rollback()
    return [children, legal, placed]


def _audit_count(session) -> int:
    session.rollback()
    count = session.scalar(select(func.count(AuditEvent.id)))
    session.rollback()
    return count


def test_import_twice_the_second_run_changes_nothing(session, councils):
    ours, lancashire = councils
    first = _import(session, ours)
    assert (first.added, first.updated, first.changed) == (2, 0, 2)
    session.rollback()
    imported = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "child.imported")).all()
    assert len(imported) == 2  # one audit event per child changed
    before, events = _snapshot(session), _audit_count(session)
    second = _import(session, ours)
    assert (second.changed, second.unchanged) == (0, 2)
    assert second.summary().startswith("0 children changed")
    assert _audit_count(session) == events
    assert _snapshot(session) == before


def test_r11_periods_of_care_and_placements_are_built_from_the_episodes(session, councils):
    ours, lancashire = councils
    _import(session, ours)
    session.rollback()
    gus = session.scalar(select(Child).where(Child.la_child_id == "1001"))
    assert (gus.first_name, gus.last_name, gus.sex, gus.upn) == ("Child", "1001", "M", None)
    legal = session.scalars(select(LegalStatusPeriod).where(
        LegalStatusPeriod.child_id == gus.id).order_by(LegalStatusPeriod.starts_on)).all()
    assert [(r.ls_code, r.starts_on, r.ends_on, r.rec_code) for r in legal] == [
        ("C1", dt.date(2025, 4, 1), dt.date(2025, 6, 1), None),
        ("C2", dt.date(2025, 6, 1), None, None)]
    placed = session.scalars(select(Placement).where(Placement.child_id == gus.id)
                             .order_by(Placement.starts_on)).all()
    # the legal status change on 1 June is not a placement change: one foster placement
    assert [(p.placement_type, p.starts_on, p.ends_on, p.local_authority_id, p.urn)
            for p in placed] == [
        ("U4", dt.date(2025, 4, 1), dt.date(2025, 9, 1), ours.id, None),
        ("K2", dt.date(2025, 9, 1), None, lancashire.id, "SC123456")]
    assert (placed[1].address, placed[1].postcode) == ("Address not recorded", "PR1 2AB")
    assert child_record.summary(session, gus)["direction"] == "out_of_area"
    assert gus.legal_status == "care_order" and gus.host_org_id == lancashire.id


def test_a_malformed_row_is_reported_and_the_rest_taken(session, councils):
    ours, _ = councils
    report = _import(session, ours)
    assert [str(p) for p in report.problems] == [
        "Header row 4: SEX X is not M, F or U",
        "Episodes row 6: DECOM 31/02/2025 is not a date (dd/mm/yyyy)",
        "Episodes row 7: CHILD 1003 is not taken (see Header row 4)",
        "Episodes row 8: CHILD 1004 is not in the Header table"]
    session.rollback()
    assert set(session.scalars(select(Child.la_child_id))) == {"1001", "1002"}
    cara = session.scalar(select(Child).where(Child.la_child_id == "1002"))
    assert cara.legal_status == "s20" and cara.upn == "A123456789012"


def test_the_file_updates_what_changed_and_keeps_what_a_worker_typed(session, councils):
    ours, _ = councils
    _import(session, ours)
    session.rollback()
    cara = session.scalar(select(Child).where(Child.la_child_id == "1002"))
    placement = session.scalar(select(Placement).where(Placement.child_id == cara.id))
    run(session, SavePeriod(cara.id, "placement", {
        "address": "Brook House", "starts_on": "2025-10-01", "placement_type": "K2",
        "local_authority_id": ours.id, "postcode": "LA9 4DL", "provider_type": "PR4",
        "urn": "SC654321"}, "The home's name", period_id=placement.id), SYSTEM)
    header = HEADER.replace("20/02/2011,WIRI", "20/02/2011,WOTH")
    episodes = EPISODES.replace("1002,01/10/2025,S,V2,N2,K2,PR4,,", "1002,01/10/2025,S,V2,"
                                "N2,K2,PR4,01/02/2026,E13")
    report = _import(session, ours, header, episodes)
    assert (report.updated, report.unchanged) == (1, 1)
    session.rollback()
    cara = session.get(Child, cara.id)
    placement = session.get(Placement, placement.id)
    assert cara.ethnic_code == "WOTH" and placement.address == "Brook House"
    assert placement.ends_on == dt.date(2026, 2, 1)
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "child.imported", AuditEvent.child_id == cara.id)
        .order_by(AuditEvent.id)).all()[-1]
    assert event.detail["changes"] == {"ethnic_code": ["WIRI", "WOTH"]}
    assert {p["kind"] for p in event.detail["periods"]} == {"legal_status", "placement"}


def test_a_table_with_the_wrong_columns_is_refused_whole():
    with pytest.raises(tables.TableError, match="given as the Header table is the Episodes table"):
        tables.read(EPISODES, EPISODES, dt.date(2026, 3, 2))
    with pytest.raises(tables.TableError, match="not a CSV text file"):
        tables.decode(b"\x89PNG\r\n\x1a\n\x00\x00", "Header")
    huge = HEADER + '1005,M,01/01/2012,WBRI,"' + "x" * 200_000 + '",,\n'
    with pytest.raises(tables.TableError, match="The Header file cannot be read as CSV"):
        tables.read(huge, EPISODES, dt.date(2026, 3, 2))


def test_only_the_authoritys_administrator_imports(session, councils):
    ours, lancashire = councils
    their_admin = Actor(901, "Lancashire admin", frozenset({"admin"}), lancashire.id)
    our_worker = Actor(902, "Our worker", frozenset({"social_worker"}), ours.id)
    for who in (their_admin, our_worker):
        with pytest.raises(NotPermitted):
            _import(session, ours, actor=who)
    session.rollback()
    assert session.scalar(select(func.count(Child.id))) == 0


def test_children_import_command_line(database_url, session, councils, tmp_path):
    (tmp_path / "a.csv").write_text(EPISODES)
    (tmp_path / "b.csv").write_text(HEADER)
    cli = CliRunner()
    args = ["--database-url", database_url, "children", "import", str(tmp_path)]
    result = cli.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "2 children changed (2 added, 0 updated)" in result.output
    assert "not taken: Episodes row 6: DECOM 31/02/2025 is not a date" in result.output
    again = cli.invoke(main, args)
    assert "0 children changed (0 added, 0 updated), 2 unchanged" in again.output
    (tmp_path / "b.csv").unlink()
    missing = cli.invoke(main, args)
    assert missing.exit_code == 1 and "has no SSDA903 Header table" in missing.output


def test_r2_a_period_overlapping_one_on_the_record_is_reported_not_taken(session, councils):
    ours, _ = councils
    _import(session, ours)
    session.rollback()
    cara = session.scalar(select(Child).where(Child.la_child_id == "1002"))
    run(session, SavePeriod(cara.id, "placement", {
        "address": "Respite home", "starts_on": "2025-08-01", "ends_on": "2025-09-15",
        "local_authority_id": ours.id}, ""), SYSTEM)
    # the council's system now says Cara came into care on 1 September, before the respite
    # placement the worker recorded ended; and an 18-year-old is not added
    header = HEADER + "1006,F,01/01/2008,WBRI,,,\n"
    episodes = EPISODES.replace("1002,01/10/2025,S", "1002,01/09/2025,S")
    report = _import(session, ours, header, episodes)
    reasons = [str(p) for p in report.problems]
    assert ("Episodes row 5: the placement from 01/09/2025 overlaps the placement from "
            "01/08/2025 to 15/09/2025 already on the record") in reasons
    assert "Header row 5: CHILD 1006 is 18 or over (DOB 01/01/2008): not added" in reasons
    session.rollback()
    legal = session.scalars(select(LegalStatusPeriod.starts_on).where(
        LegalStatusPeriod.child_id == cara.id).order_by(LegalStatusPeriod.starts_on)).all()
    assert legal == [dt.date(2025, 9, 1)]  # the same period of care, its start corrected
    placed = session.scalars(select(Placement.starts_on).where(
        Placement.child_id == cara.id).order_by(Placement.starts_on)).all()
    assert placed == [dt.date(2025, 8, 1), dt.date(2025, 10, 1)]  # the overlap not taken
    assert session.scalar(select(Child.id).where(Child.la_child_id == "1006")) is None


def test_an_unknown_placement_authority_and_extra_columns_are_said(session, councils):
    ours, _ = councils
    header = HEADER.replace("MC_DOB\n", "MC_DOB,FORENAME,SURNAME,NOTES\n", 1).replace(
        "1001,M,12/09/2010,WBRI,UN1,,", "1001,M,12/09/2010,WBRI,UN1,,,Gus,Outofarea,x")
    episodes = EPISODES.replace("SC123456,LCC", "SC123456,Narnia")
    report = _import(session, ours, header, episodes)
    assert "Episodes row 4: PL_LA Narnia is not a local authority known here" in [
        str(p) for p in report.problems]
    assert "Header: the column NOTES is not read." in report.notes
    session.rollback()
    gus = session.scalar(select(Child).where(Child.la_child_id == "1001"))
    assert (gus.first_name, gus.last_name) == ("Gus", "Outofarea")
    assert [p.placement_type for p in session.scalars(select(Placement).where(
        Placement.child_id == gus.id))] == ["U4"]  # the row in Narnia is not taken


def test_r46_import_keeps_why_the_child_moved_and_the_home_postcode(session, councils):
    """The return needs both: REASON_PLACE_CHANGE on the row that starts a new placement
    says why the child left the one before; HOME_POST is the child's home postcode."""
    ours, _ = councils
    _import(session, ours)
    session.rollback()
    child = session.scalar(select(Child).where(Child.la_child_id == "1001"))
    assert child.home_postcode == "LA9 4DL"
    placements = session.scalars(select(Placement).where(Placement.child_id == child.id)
                                 .order_by(Placement.starts_on)).all()
    assert [(p.placement_type, p.end_reason) for p in placements] == [("U4", "CARPL"),
                                                                      ("K2", None)]
    before = _audit_count(session)
    _import(session, ours)  # again: nothing changes
    assert _audit_count(session) == before


def test_r46_an_unknown_reason_for_a_move_is_reported_with_its_row(session, councils):
    ours, _ = councils
    episodes = EPISODES.replace(",CARPL,", ",MOVED,")
    report = _import(session, ours, episodes=episodes)
    assert any(p.table == "Episodes" and p.row == 4 and "REASON_PLACE_CHANGE MOVED" in
               p.reason for p in report.problems)
