"""The managers' dashboard (R45): statutory deadlines per clock (met on time, late,
missed, still open) with a drill-down, what is happening now, the patterns, the CSVs and
the printable report, counting only the children the manager may see."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from engine import dashboard
from engine.dashboard import Filters
from tests.returns.conftest import records  # noqa: F401


def _numbers(html, table_id):
    table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    rows = {}
    for row in re.findall(r"<tr class=\"govuk-table__row\" data-row>(.*?)</tr>", table, re.S):
        label = re.search(r'<th scope="row"[^>]*>(.*?)</th>', row, re.S).group(1).strip()
        rows[label] = [int(v) for v in re.findall(r'data-value="(\d+)"', row)]
    return rows


@pytest.fixture
def partnership(records, fake_clock, make_user):  # noqa: F811
    """Two councils; in ours, three RHI deadlines (met, late, missed) and one open
    low-risk review; in theirs, one met RHI the manager may not see."""
    now = fake_clock.now()
    ours, theirs = records.org("wfc"), records.org("lcc")
    manager = make_user("team_manager", org=ours)
    child = records.child(ours, placement="Brook House",
                          flags={"looked_after_since": "2024-02-01", "ce_risk": True})
    day = dt.timedelta(days=1)
    episodes = []
    for n, (offset, done) in enumerate(((-20, -21), (-10, -9), (-3, None))):
        seen = now + dt.timedelta(days=offset) - dt.timedelta(days=4)
        episode = records.episode(child, "M", seen, seen + dt.timedelta(hours=30),
                                  found_where=("Kendal bus station, LA9 4DL",
                                               "Kendal LA9 4DL", "Carlisle")[n],
                                  risk_grade="high")
        records.work(episode, "rhi", state="completed" if done else "open",
                     due=now + dt.timedelta(days=offset), clock_name="rhi",
                     completed=now + dt.timedelta(days=done) if done else None,
                     data={"rhi_offered": True, "rhi_outcome": "completed"} if done else None)
        episodes.append(episode)
    missing = records.episode(child, "A", now - dt.timedelta(hours=5))
    records.work(missing, "low_risk_review", state="open", due=now + dt.timedelta(hours=1),
                 clock_name="low_risk_review", role="police")
    records.work(missing, "escalation", state="open", role="team_manager",
                 element="low_risk_review_overdue")
    other = records.child(theirs)
    hidden = records.episode(other, "M", now - 5 * day, now - 4 * day)
    records.work(hidden, "rhi", due=now - 2 * day, clock_name="rhi",
                 completed=now - 3 * day)
    return {"manager": manager, "child": child, "ours": ours, "theirs": theirs}


def test_r45_deadlines_met_late_missed_open_per_clock(partnership, signed_in):
    client = signed_in(partnership["manager"])
    html = client.get("/manage/?period=3m").get_data(as_text=True)
    counts = _numbers(html, "deadlines-table")
    assert counts["Return home interview within 72 hours"] == [1, 1, 1, 0]
    assert counts["Low-risk review within 2 hours"] == [0, 0, 0, 1]
    assert "33%" in html.split('id="deadline-percentages"')[1].split("</table>")[0]
    by_team = _numbers(html, "deadlines-by-team-table")
    assert by_team == {"Police": [0, 0, 0, 1], "RHI worker": [1, 1, 1, 0]}
    assert "LCC" not in html.split('id="deadlines-by-organisation-table"')[1].split(
        "</table>")[0]  # the other council's child is not counted


def test_r45_deadline_drill_down_lists_the_cases_behind_a_count(partnership, signed_in):
    client = signed_in(partnership["manager"])
    html = client.get("/manage/?period=3m").get_data(as_text=True)
    link = re.search(r'href="(/manage/deadlines/rhi/late[^"]*)"', html).group(1)
    page = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    table = page.split('id="deadline-cases"')[1].split("</table>")[0]
    assert "1 deadline" in table and partnership["child"].full_name in table
    assert table.count("<tr class=\"govuk-table__row\">") == 2  # the header and one
    assert client.get("/manage/deadlines/rhi/other").status_code == 404


def test_r45_filters_by_team_and_organisation(partnership, signed_in):
    client = signed_in(partnership["manager"])
    police = _numbers(client.get("/manage/?period=3m&team=police").get_data(as_text=True),
                      "deadlines-table")
    assert list(police) == ["Low-risk review within 2 hours"]
    theirs = client.get(f"/manage/?period=3m&organisation={partnership['theirs'].id}")
    assert "Nothing in this period." in theirs.get_data(as_text=True)


def test_r45_now_lists_children_missing_overdue_work_and_escalations(partnership, signed_in,
                                                                     fake_clock):
    client = signed_in(partnership["manager"])
    html = client.get("/manage/now").get_data(as_text=True)
    missing = html.split('id="missing-now"')[1].split("</table>")[0]
    assert partnership["child"].full_name in missing and "Away from placement" in missing
    assert "5 hours" in missing
    overdue = _numbers(html, "overdue-table")
    assert overdue["1 to 7 days"] == [1]  # the missed RHI, 3 days overdue
    escalations = html.split('id="escalations"')[1].split("</table>")[0]
    assert partnership["child"].full_name in escalations and ">escalation<" in escalations
    assert escalations.count('<tr class="govuk-table__row">') == 2  # the header and one


def test_r45_patterns_count_episodes_repeat_children_hot_spots_and_interviews(
        partnership, signed_in):
    client = signed_in(partnership["manager"])
    html = client.get("/manage/patterns?period=3m").get_data(as_text=True)
    assert _numbers(html, "episodes-table") == {
        "Away from placement, in care": [1, 1], "Missing, in care": [3, 1]}
    assert _numbers(html, "repeat-table")["3 to 9 episodes"] == [1]
    assert partnership["child"].full_name in html.split('id="repeat-ranked"')[1]
    found = _numbers(html, "found-table")
    assert found["LA9"] == [2] and found["Carlisle"] == [1]
    interviews = _numbers(html, "interviews-table")
    assert interviews["Accepted"] == [2] and interviews["Not recorded yet"] == [1]
    risk = _numbers(html, "risk-table")
    assert risk["High risk episodes"] == [3]
    assert risk["Children flagged at risk of exploitation"] == [1]
    durations = _numbers(html, "durations-table")
    assert durations["1 to 3 days"] == [3] and durations["Not yet found"] == [1]


def test_r45_each_figure_downloads_as_csv(partnership, signed_in):
    client = signed_in(partnership["manager"])
    response = client.get("/manage/figures/deadlines.csv?period=3m")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["Statutory deadlines", "Met on time", "Late", "Missed", "Still open"]
    assert ["Return home interview within 72 hours", "1", "1", "1", "0"] in rows
    assert client.get("/manage/figures/nothing.csv").status_code == 404


def test_r45_printable_report_shows_small_counts_as_fewer_than_5(partnership, signed_in):
    client = signed_in(partnership["manager"])
    html = client.get("/manage/report?period=3m").get_data(as_text=True)
    table = html.split('id="report-episodes"')[1].split("</table>")[0]
    assert "fewer than 5" in table and ">3<" not in table
    csv_text = client.get("/manage/figures/episodes.csv?period=3m&report=1").get_data(
        as_text=True)
    assert "fewer than 5" in csv_text
    assert dashboard.suppress(0) == "0" and dashboard.suppress(5) == "5"


def test_r45_dashboard_is_for_managers_only(partnership, make_user, signed_in):
    worker = make_user("social_worker", org=partnership["ours"])
    client = signed_in(worker)
    assert client.get("/manage/").status_code == 403
    assert client.get("/manage/patterns").status_code == 403


def test_r45_periods_are_london_days(fake_clock):
    start, end = Filters("last-year").window(fake_clock.now())
    assert start.isoformat() == "2024-03-31T23:00:00+00:00"  # 1 April 2024, BST
    assert end.isoformat() == "2025-03-31T23:00:00+00:00"
