"""`safeguard rules`: every rule R1-R44 is cited by a diagram element and a test."""

import shutil

from click.testing import CliRunner

from engine import rules
from tests.conftest import PROCESSES, ROOT
from web.cli import main


def test_rules_command_lists_every_rule_and_passes_on_the_repository():
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for n in range(1, 53):  # R1-R46 and the R47-R52 duties of docs/rules-extra.md
        assert any(line.startswith(f"R{n} ") for line in lines), f"R{n} missing"
    assert "stage_one.bpmn:stage_one_meeting" in CliRunner().invoke(
        main, ["rules", "--all"]).output


def test_rules_command_fails_on_a_copy_missing_a_diagram_and_its_tests(tmp_path):
    processes = tmp_path / "processes"
    shutil.copytree(PROCESSES, processes)
    (processes / "episode_risks.bpmn").unlink()
    tests = tmp_path / "tests"
    shutil.copytree(ROOT / "tests" / "procedure", tests / "procedure")
    # every test file that cites R43 (by name or in its text) goes
    for path in (tests / "procedure").glob("test_*.py"):
        if "r43" in path.read_text().lower():
            path.unlink()
    result = CliRunner().invoke(main, ["rules", "--processes", str(processes),
                                       "--tests", str(tests)])
    assert result.exit_code == 1
    assert "R43 has no diagram element citing it" in result.output
    assert "R43 has no test citing it" in result.output
    assert "R44 has no test citing it" in result.output
    assert "R47 has no test citing it" in result.output  # an R47+ duty is required too
    assert "R28 has no" not in result.output


def test_rule_ranges_and_test_names_are_read_as_citations():
    assert rules.cited_rules("R14-R19: locate; see R5 and R20\u2013R21") == {
        5, 14, 15, 16, 17, 18, 19, 20, 21}
    assert rules.cited_rules("PR5 R99 R0") == set()
