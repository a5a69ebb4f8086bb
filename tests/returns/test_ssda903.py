"""The SSDA903 return (R46): the builder's tables, checked by the DfE's public validator
(`csc-validator-be-903` in `.venv-903`, run as a subprocess as the app runs it)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io

import pytest

from engine.returns import ssda903, validator
from engine.returns.ssda903 import (
    CarePeriod,
    ChildData,
    LegalStatus,
    MissingSegment,
    build,
)

from .partnership import SHAPES, YEAR, foster, generate, home

D = dt.date


@pytest.fixture(scope="module")
def partnership():
    return generate()


@pytest.fixture(scope="module")
def valid_return(partnership):
    return build(partnership, YEAR)


@pytest.fixture(scope="module")
def valid_findings(valid_return, tmp_path_factory):
    return validator.validate(valid_return.write(tmp_path_factory.mktemp("903")), YEAR)


def test_r46_generated_partnership_has_no_validator_errors(partnership, valid_return,
                                                           valid_findings):
    """R46: 200+ children in care, every shape of episode, and the DfE validator finds
    nothing at all in the three tables (every rule of the 2025-26 ruleset ran)."""
    assert len(partnership) >= 200
    assert len(valid_return.header) == len(partnership)
    assert len(valid_return.missing) > 200
    assert valid_return.problems == []
    assert valid_findings.findings == []
    # Only the two rules the recipe names crash on CSV input; none about missing data.
    assert set(valid_findings.failed_rules) <= {"231", "233"}


def _break(partnership, n, change):
    children = list(partnership)
    children[n] = change(children[n])
    return children, children[n].child


def _replace_missing(child, *segments):
    return dataclasses.replace(child, missing=tuple(segments))


def _day(child):
    return child.missing[0].start if child.missing else D(2025, 6, 10)


BROKEN = {
    # the missing episode ends before it starts
    "567": lambda c: _replace_missing(c, MissingSegment("M", _day(c), _day(c) - dt.timedelta(2))),
    # a new episode starts while another is open
    "574": lambda c: _replace_missing(
        c, MissingSegment("M", _day(c), _day(c) + dt.timedelta(5)),
        MissingSegment("A", _day(c) + dt.timedelta(2), _day(c) + dt.timedelta(3))),
    # missing after care had ended
    "577": lambda c: dataclasses.replace(
        _replace_missing(c, MissingSegment("M", _day(c) + dt.timedelta(10),
                                           _day(c) + dt.timedelta(11))),
        periods=(dataclasses.replace(c.periods[0], end=_day(c), reason_ceased="E4A"),)),
    # the episode starts before the child was born (a mistyped date of birth)
    "586": lambda c: dataclasses.replace(c, dob=_day(c) + dt.timedelta(30)),
    # neither missing nor away
    "1006": lambda c: _replace_missing(c, MissingSegment("X", _day(c), _day(c))),
}


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_r46_validator_catches_broken_variant(partnership, rule, tmp_path):
    """R46: each broken record is written as it is (never dropped or put right), the
    builder lists it as a problem, and the validator reports that rule for that child."""
    children, broken = _break(partnership, 1, BROKEN[rule])  # an overnight episode
    result = build(children, YEAR)
    assert broken in {row["CHILD"] for row in result.missing}
    findings = validator.validate(result.write(tmp_path), YEAR)
    assert (broken, "Missing", rule) in {(f.child, f.table, f.rule) for f in findings.findings}
    hit = next(f for f in findings.findings if f.rule == rule)
    assert hit.message and hit.row >= 1
    assert any(p.child == broken for p in result.problems)


def test_r46_every_shape_is_in_the_partnership(partnership):
    assert len(SHAPES) == 13
    assert len(partnership) >= 13 * 15


def _missing_rows(child, year=YEAR):
    return build([child], year).missing


BORN = D(2011, 5, 1)


def _child(missing=(), periods=None, dob=BORN):
    periods = periods or (CarePeriod(D(2023, 1, 10), None, None,
                                     (LegalStatus(D(2023, 1, 10), "C2", "N1"),),
                                     (foster(D(2023, 1, 10)),), "LA9 5BP"),)
    return ChildData("C1", "F", dob, "WBRI", "A000000000001", periods, tuple(missing), "0")


def test_r46_episode_open_at_year_end_is_carried_with_the_same_start():
    """Open at 31 March 2026: blank end in 2025-26, and the same start in 2026-27."""
    child = _child([MissingSegment("M", D(2026, 3, 29), D(2026, 4, 2))])
    this_year = _missing_rows(child, 2026)
    next_year = _missing_rows(child, 2027)
    assert [(r["MIS_START"], r["MIS_END"]) for r in this_year] == [("29/03/2026", "")]
    assert [(r["MIS_START"], r["MIS_END"]) for r in next_year] == [("29/03/2026", "02/04/2026")]


def test_r46_away_then_missing_closes_one_row_and_opens_the_next_the_same_day():
    child = _child([MissingSegment("A", D(2025, 7, 1), D(2025, 7, 1)),
                    MissingSegment("M", D(2025, 7, 1), D(2025, 7, 3))])
    rows = _missing_rows(child)
    assert [(r["MISSING"], r["MIS_START"], r["MIS_END"]) for r in rows] == [
        ("A", "01/07/2025", "01/07/2025"), ("M", "01/07/2025", "03/07/2025")]
    assert build([child], YEAR).problems == []


def test_r46_child_who_leaves_care_while_missing_has_the_episode_end_when_care_ceased():
    period = CarePeriod(D(2023, 1, 10), D(2025, 8, 20), "E8",
                        (LegalStatus(D(2023, 1, 10), "C2", "N1"),), (foster(D(2023, 1, 10)),))
    child = _child([MissingSegment("M", D(2025, 8, 15), None)], (period,))
    result = build([child], YEAR)
    assert [(r["MIS_START"], r["MIS_END"]) for r in result.missing] == [
        ("15/08/2025", "20/08/2025")]
    assert [(r["DEC"], r["REC"]) for r in result.episodes] == [("20/08/2025", "E8")]


def test_r46_found_not_missing_is_not_returned():
    child = _child([MissingSegment("M", D(2025, 6, 1), D(2025, 6, 1), not_missing=True)])
    assert _missing_rows(child) == []


def test_r46_placement_and_legal_status_changes_split_the_period_into_episodes():
    """S at the start, P for a placement change (its reason on the row it ended), L for a
    legal status change, each row ending X1 the day the next starts; open at year end."""
    period = CarePeriod(
        D(2025, 4, 10), None, None,
        (LegalStatus(D(2025, 4, 10), "V2", "N2"), LegalStatus(D(2025, 9, 1), "C1", "N2")),
        (foster(D(2025, 4, 10)), home(D(2025, 6, 1), reason="CARPL")), "LA9 5BP")
    rows = build([_child(periods=(period,))], YEAR).episodes
    assert [(r["DECOM"], r["RNE"], r["LS"], r["PLACE"], r["DEC"], r["REC"],
             r["REASON_PLACE_CHANGE"]) for r in rows] == [
        ("10/04/2025", "S", "V2", "U4", "01/06/2025", "X1", "CARPL"),
        ("01/06/2025", "P", "V2", "K2", "01/09/2025", "X1", ""),
        ("01/09/2025", "L", "C1", "K2", "", "", ""),
    ]


def test_r46_care_ended_after_the_year_is_open_in_this_years_return():
    period = CarePeriod(D(2024, 1, 10), D(2026, 5, 1), "E4A",
                        (LegalStatus(D(2024, 1, 10), "C2", "N1"),), (foster(D(2024, 1, 10)),))
    rows = build([_child(periods=(period,))], YEAR).episodes
    assert [(r["DEC"], r["REC"]) for r in rows] == [("", "")]


def test_r46_what_cannot_be_expressed_is_listed_not_dropped():
    period = CarePeriod(D(2025, 5, 1), None, None, (LegalStatus(D(2025, 5, 1), None, "N1"),),
                        (foster(D(2025, 5, 1)),))
    child = dataclasses.replace(
        _child([MissingSegment("M", D(2024, 12, 1), D(2025, 6, 2), "episode 7"),
                MissingSegment("M", D(2025, 6, 1), D(2025, 6, 3), "episode 8")], (period,)),
        ethnic=None)
    result = build([child], YEAR)
    whats = " | ".join(p.what for p in result.problems)
    assert "ethnicity is not recorded" in whats
    assert "no legal status code" in whats
    assert "(episode 7) starting 01/12/2024 is not inside a period of care" in whats
    assert "Two episodes overlap" in whats
    assert len(result.missing) == 2  # both written as they are


def test_r46_tables_have_exactly_the_dfe_columns(valid_return):
    for table, columns in ssda903.TABLES.items():
        reader = csv.reader(io.StringIO(valid_return.csv_text(table)))
        assert tuple(next(reader)) == columns
    assert ssda903.TABLES["Missing"] == ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END")


def test_r46_children_not_looked_after_in_the_year_are_left_out():
    period = CarePeriod(D(2022, 1, 10), D(2024, 2, 1), "E4A",
                        (LegalStatus(D(2022, 1, 10), "C2", "N1"),), (foster(D(2022, 1, 10)),))
    result = build([_child(periods=(period,))], YEAR)
    assert (result.header, result.episodes, result.missing) == ([], [], [])
