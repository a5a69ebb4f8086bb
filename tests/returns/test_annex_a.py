"""Ofsted Annex A, List 8 (R46): the missing columns per child in care, from the episodes
and the return home interview records."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import select

from engine.models import AuditEvent
from engine.returns import annex_a
from engine.returns.annex_a import NO, UNKNOWN, YES, Interview


@pytest.mark.parametrize(("interview", "expected"), [
    (None, (UNKNOWN, UNKNOWN)),
    (Interview(True, "completed"), (YES, YES)),
    (Interview(True, "child_declined"), (YES, NO)),
    (Interview(True, "parents_declined"), (YES, NO)),
    (Interview(False, None), (NO, NO)),
    (Interview(None, "completed"), (YES, YES)),  # from the placing authority
    (Interview(None, None), (UNKNOWN, UNKNOWN)),
])
def test_r46_annex_a_offered_and_accepted_answers(interview, expected):
    assert annex_a.answers(interview) == expected


def test_r46_annex_a_workbook_has_list_8_missing_columns(session, records, fake_clock,
                                                         make_user, signed_in):
    council, other = records.org("wfc"), records.org("lcc")
    manager = make_user("service_manager", org=council)
    when = dt.datetime(2026, 1, 5, 18, tzinfo=dt.UTC)
    declined = records.child(council)
    for n, category in enumerate("MAM"):
        episode = records.episode(declined, category, when + dt.timedelta(days=9 * n),
                                  when + dt.timedelta(days=9 * n, hours=5))
    records.work(episode, "rhi", data={"rhi_offered": False})
    never = records.child(council)
    old = records.child(council)
    records.episode(old, "M", dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
                    dt.datetime(2024, 6, 2, tzinfo=dt.UTC))  # more than 12 months ago
    records.child(other)  # another authority's child
    records.child(council, legal_status="not_in_care")
    response = signed_in(manager).get("/manage/returns/annex-a.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))[annex_a.SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == annex_a.COLUMNS
    assert rows[0][5] == ("Number of Episodes the Child has been 'Missing' from their "
                          "Placement in the last 12 months")
    by_id = {r[0]: r for r in rows[1:]}
    assert set(by_id) == {str(declined.id), str(never.id), str(old.id)}
    first = by_id[str(declined.id)]
    assert first[1:3] == ("c) Not stated/recorded", "s) NOBT")  # not in today's record
    assert first[3] == dt.datetime(2011, 5, 14)  # a real Excel date
    assert first[5:] == (2, 1, "b) No", "b) No")  # not offered, so not accepted
    assert by_id[str(never.id)][5:] == (0, 0, None, None)  # blank where not missing
    assert by_id[str(old.id)][5:] == (0, 0, None, None)
    assert session.scalar(select(AuditEvent).where(
        AuditEvent.action == "annex_a_downloaded")).detail == {"children": 3}
