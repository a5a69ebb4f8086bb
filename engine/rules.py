"""Traceability: which diagram elements and which tests cite each rule (R1..R46, R47+).

Diagrams cite rules in element documentation (BPMN `documentation`, DMN `description`)
and in the `rules` property of user tasks; a range such as "R14-R19" cites every rule in
it. Tests cite rules in their names (`test_r28_...`, `test_r37_r38_...`) and
docstrings.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import rule_ids, specs

ALL_RULES = rule_ids.ALL_RULES
# Every rule up to R44, and every R47+ duty (docs/rules-extra.md), must be implemented and
# tested; R45 and R46 are reporting duties.
REQUIRED_RULES = rule_ids.REQUIRED_RULES

_CITATION = re.compile(r"\bR(\d{1,2})(?:\s*[-\u2013]\s*R?(\d{1,2}))?\b")
_TEST_NAME_RULE = re.compile(r"(?:^|_)r(\d{1,2})(?=_|$)")


@dataclass
class RuleCoverage:
    rule: int
    elements: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"R{self.rule}"


def cited_rules(text: str) -> set[int]:
    """Rule numbers a text cites: "R5", "R14-R19", "R20–R27", "R7 and R8"."""
    found = set()
    for first, last in _CITATION.findall(text or ""):
        low = int(first)
        high = int(last) if last else low
        if high < low or high - low > rule_ids.LAST_RULE:
            high = low
        found.update(n for n in range(low, high + 1) if n in ALL_RULES)
    return found


def diagram_citations(directory: Path) -> dict[int, list[str]]:
    """{rule: ["file:element", ...]} for the .bpmn and .dmn files in `directory`."""
    found: dict[int, list[str]] = {}
    for filename, data in sorted(specs.read_directory(directory).items()):
        root = specs.parse_xml(data, filename)
        for node in root.iter():
            if not isinstance(node.tag, str) or not node.get("id"):
                continue
            texts = [child.text or "" for child in node
                     if isinstance(child.tag, str)
                     and child.tag.rsplit("}", 1)[-1] in ("documentation", "description")]
            texts += [p.get("value") or "" for p in node.iterfind(
                "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
                specs.NS) if p.get("name") == "rules"]
            for rule in sorted(set().union(*map(cited_rules, texts))):
                found.setdefault(rule, []).append(f"{filename}:{node.get('id')}")
    return found


def test_citations(directory: Path) -> dict[int, list[str]]:
    """{rule: ["path::test_name", ...]} for test functions under `directory`."""
    found: dict[int, list[str]] = {}
    for path in sorted(directory.rglob("test_*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if not node.name.startswith("test_"):
                continue
            rules = {int(n) for n in _TEST_NAME_RULE.findall(node.name[len("test"):])}
            rules |= cited_rules(ast.get_docstring(node) or "")
            where = f"{path.relative_to(directory.parent)}::{node.name}"
            for rule in sorted(r for r in rules if r in ALL_RULES):
                found.setdefault(rule, []).append(where)
    return found


def coverage(processes: Path, tests: Path) -> list[RuleCoverage]:
    elements = diagram_citations(processes)
    cited = test_citations(tests)
    return [RuleCoverage(n, elements.get(n, []), cited.get(n, [])) for n in ALL_RULES]


def gaps(rows: list[RuleCoverage]) -> list[str]:
    """What is missing for the rules that must be covered, one line each."""
    problems = []
    for row in rows:
        if row.rule not in REQUIRED_RULES:
            continue
        if not row.elements:
            problems.append(f"{row.name} has no diagram element citing it")
        if not row.tests:
            problems.append(f"{row.name} has no test citing it")
    return problems
