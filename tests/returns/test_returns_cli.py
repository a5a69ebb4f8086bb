"""`safeguard returns 903` and `safeguard returns annex-a` (R46)."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
from click.testing import CliRunner

from engine.returns import ssda903
from web.cli import main


def test_r46_command_writes_the_tables_problems_and_rule_hits(session, records, database_url,
                                                              tmp_path):
    council = records.org("wfc")
    records.org("lcc")
    child = records.child(council, placement="Brook House")
    seen = dt.datetime(2025, 10, 2, 9, tzinfo=dt.UTC)
    records.episode(child, "M", seen, seen + dt.timedelta(days=1))
    records.episode(child, "Q", seen + dt.timedelta(days=5), seen + dt.timedelta(days=6))
    session.commit()
    runner = CliRunner()
    refused = runner.invoke(main, ["--database-url", database_url, "returns", "903",
                                   "--year", "2026", "--out", str(tmp_path)])
    assert refused.exit_code != 0 and "--org" in refused.output  # two authorities
    done = runner.invoke(main, ["--database-url", database_url, "returns", "903",
                                "--year", "2026", "--out", str(tmp_path), "--org", "wfc"])
    assert done.exit_code == 0, done.output
    assert "1 children, 1 episodes, 2 missing rows" in done.output
    with (tmp_path / "missing.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["MISSING"], r["MIS_START"], r["MIS_END"]) for r in rows] == [
        ("M", "02/10/2025", "03/10/2025"), ("Q", "07/10/2025", "08/10/2025")]
    assert list(rows[0]) == list(ssda903.MISSING_COLUMNS)
    with (tmp_path / "validation.csv").open() as f:
        hits = {(r["child"], r["table"], r["row"], r["rule"]) for r in csv.DictReader(f)}
    assert (str(child.id), "Missing", "2", "1006") in hits
    problems = (tmp_path / "problems.csv").read_text()
    assert "neither missing nor away" in problems


def test_r46_command_writes_annex_a(session, records, database_url, tmp_path):
    council = records.org("wfc")
    records.child(council)
    session.commit()
    out = tmp_path / "annex.xlsx"
    done = CliRunner().invoke(main, ["--database-url", database_url, "returns", "annex-a",
                                     "--out", str(out)])
    assert done.exit_code == 0, done.output
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) == 2
