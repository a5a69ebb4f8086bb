"""The DfE return's page (R46): service managers and administrators see every rule hit
by child, file, row and rule with the Department's message, and download the tables."""

from __future__ import annotations

import csv
import datetime as dt
import io

from sqlalchemy import select

from engine.models import AuditEvent, Episode
from engine.returns import ssda903


def _episode(session, child, category, seen, found):
    with session.begin():
        session.add(Episode(child_id=child.id, category=category, last_seen_at=seen,
                            reported_at=seen, found_at=found, report={},
                            status="closed" if found else "open", closed_at=found))


def _looked_after(make_child, org, **flags):
    return make_child(org, legal_status="care_order", placement="Brook House",
                      flags={"looked_after_since": "2024-02-01", **flags})


def test_r46_return_page_lists_rule_hits_by_child_file_row_and_rule(
        session, fake_clock, make_org, make_user, make_child, signed_in):
    council = make_org("wfc", name="Westmorland and Furness Council")
    manager = make_user("service_manager", org=council)
    child = _looked_after(make_child, council)
    seen = dt.datetime(2025, 6, 1, 20, tzinfo=dt.UTC)
    _episode(session, child, "M", seen, seen + dt.timedelta(hours=30))
    # found "before" they went: the record is wrong, and the Department's rule 567 says so
    _episode(session, child, "A", dt.datetime(2025, 9, 3, 10, tzinfo=dt.UTC),
             dt.datetime(2025, 9, 1, 10, tzinfo=dt.UTC))
    page = signed_in(manager).get("/manage/returns/903?year=2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="count-missing">2<' in html
    findings = html.split('id="findings"')[1].split("</table>")[0]
    assert "Missing and away episodes" in findings and ">567<" in findings
    assert "is before the date that it started" in findings
    assert f'href="/children/{child.id}"' in findings
    # what today's record cannot say is listed, not invented
    problems = html.split('id="problems"')[1]
    assert "has no category of need code" in problems
    assert session.scalar(select(AuditEvent).where(
        AuditEvent.action == "return_903_viewed")).detail["missing_rows"] == 2


def test_r46_return_downloads_are_the_dfe_tables_and_audited(
        session, fake_clock, make_org, make_user, make_child, signed_in):
    council = make_org("wfc")
    admin = make_user("admin", org=council)
    child = _looked_after(make_child, council)
    seen = dt.datetime(2025, 6, 1, 20, tzinfo=dt.UTC)
    _episode(session, child, "M", seen, None)
    client = signed_in(admin)
    response = client.get("/manage/returns/903/2026/missing.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert tuple(rows[0]) == ssda903.MISSING_COLUMNS
    assert rows[1] == [str(child.id), "14/05/2011", "M", "01/06/2025", ""]
    header = client.get("/manage/returns/903/2026/header.csv").get_data(as_text=True)
    assert header.splitlines()[0] == ",".join(ssda903.HEADER_COLUMNS)
    assert client.get("/manage/returns/903/2026/other.csv").status_code == 404
    assert len(session.scalars(select(AuditEvent).where(
        AuditEvent.action == "return_903_downloaded")).all()) == 2


def test_r46_return_is_the_users_own_authoritys(session, fake_clock, make_org, make_user,
                                                 make_child, signed_in):
    ours, theirs = make_org("wfc"), make_org("lcc")
    manager = make_user("service_manager", org=ours)
    _looked_after(make_child, ours)
    _looked_after(make_child, theirs)
    _looked_after(make_child, theirs)
    client = signed_in(manager)
    html = client.get("/manage/returns/903?year=2026").get_data(as_text=True)
    assert 'id="count-children">1<' in html


def test_r46_return_page_is_refused_to_other_roles(fake_clock, make_org, make_user, signed_in,
                                                    client):
    council = make_org("wfc")
    assert client.get("/manage/returns/903").status_code == 302  # to sign in
    worker = make_user("team_manager", org=council)
    assert signed_in(worker).get("/manage/returns/903").status_code == 403
    assert signed_in(worker).get("/manage/returns/903/2026/missing.csv").status_code == 403
