"""Parse, check and cache diagrams.

A diagram is untrusted input: process owners upload and edit it. So the XML is parsed
with entity resolution and network access off and any DTD refused, the BPMN is checked
against the XSD, every expression in it is checked against the script sandbox, and every
problem is reported with the file, the element id and the line.

Parsing costs milliseconds; a published version's spec is parsed once and cached by the
hash of its XML, never per request.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity as CallActivityMixin
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from . import assignment, deadline_words, forms, hazards, rule_ids, scripting, task_actions
from .errors import DiagramProblems, InvalidDiagram
from .notifications import reminders
from .store import spec_registry

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
RULE_ID = re.compile(r"\bR(\d{1,2})\b")
KNOWN_RULES = rule_ids.KNOWN_RULES  # R1-R46 and the R47+ duties (docs/rules-extra.md)



def _safe_parser() -> etree.XMLParser:
    # A new parser each time: lxml parsers keep state and are not for sharing across threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False)


@dataclass
class ParsedProcess:
    """One executable process from one file, ready to publish."""

    process_id: str
    filename: str
    xml: bytes
    sha256: str
    spec: object
    embedded: dict[str, object]
    calls: list[str]
    documentation: dict[str, str] = field(default_factory=dict)

    def spec_json(self) -> str:
        return json.dumps({
            "spec": spec_registry.convert(self.spec),
            "embedded": {name: spec_registry.convert(s) for name, s in self.embedded.items()},
        })


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_xml(data: bytes, filename: str) -> etree._Element:
    """Parse untrusted XML: no DTD, no entities, no network."""
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidDiagram(f"the XML is malformed: {exc.msg}", file=filename,
                             line=exc.lineno) from None
    doctype = root.getroottree().docinfo
    if doctype.internalDTD is not None or doctype.doctype:
        raise InvalidDiagram("a DOCTYPE is not allowed in a diagram", file=filename, line=1)
    return root


def _element_of(node) -> tuple[str | None, int | None]:
    """The nearest enclosing element with an id, and the node's line."""
    line = node.sourceline
    while node is not None and node.get("id") is None:
        node = node.getparent()
    return (node.get("id") if node is not None else None), line


def check_expressions(root, filename: str) -> list[InvalidDiagram]:
    """Every script, condition and timer in the file must pass the sandbox and evaluate."""
    problems = []
    for node in root.iter(f"{{{BPMN_NS}}}script", f"{{{SPIFF_NS}}}preScript",
                          f"{{{SPIFF_NS}}}postScript"):
        problems += _check_source(node, filename, "exec")
    for node in root.iter(f"{{{BPMN_NS}}}conditionExpression"):
        problems += _check_source(node, filename, "eval")
    for kind in ("timeDate", "timeDuration", "timeCycle"):
        for node in root.iter(f"{{{BPMN_NS}}}{kind}"):
            problems += _check_timer(node, filename, kind)
    return problems


def _check_source(node, filename, mode) -> list[InvalidDiagram]:
    source = (node.text or "").strip()
    if not source:
        return []
    element, line = _element_of(node)
    try:
        scripting.check_source(source, mode)
    except scripting.ScriptRejected as exc:
        return [InvalidDiagram(exc.message, file=filename, element=element,
                               line=(line or 1) + (exc.line or 1) - 1)]
    except SyntaxError as exc:
        return [InvalidDiagram(f"the expression does not parse: {exc.msg}", file=filename,
                               element=element, line=(line or 1) + (exc.lineno or 1) - 1)]
    problem = hazards.dry_run_problem(source, mode)
    if problem:
        return [InvalidDiagram(problem, file=filename, element=element, line=line)]
    return []


def _check_timer(node, filename, kind) -> list[InvalidDiagram]:
    element, line = _element_of(node)
    source = (node.text or "").strip()
    if not source:
        return [InvalidDiagram(f"the timer has no {kind} expression", file=filename,
                               element=element, line=line)]
    try:
        value = scripting.probe_expression(source)
        scripting.check_timer_value(kind, value)
    except scripting.ScriptRejected as exc:
        return [InvalidDiagram(f"timer {kind}: {exc.message}", file=filename, element=element,
                               line=line)]
    return []


def check_conventions(root, filename: str, form_keys: set[str]) -> list[InvalidDiagram]:
    """What our engine relies on beyond BPMN itself: roles on lanes, forms on user tasks,
    known rule ids."""
    problems = []
    lanes = {}
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        lane_name = lane.get("name") or ""
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = (lane_name, lane)
    for lane_name, lane in {v[0]: v for v in lanes.values()}.values():
        if assignment.role_for_lane(lane_name) is None:
            problems.append(InvalidDiagram(
                f"lane '{lane_name}' is not a known role", file=filename,
                element=lane.get("id"), line=lane.sourceline))
    for task in root.iter(f"{{{BPMN_NS}}}userTask"):
        task_id = task.get("id")
        if not (task.get("name") or "").strip():
            # people see the name in their inbox and on the case (issue 12)
            problems.append(InvalidDiagram("the user task has no name: people see it in "
                                           "their inbox", file=filename, element=task_id,
                                           line=task.sourceline))
        if task_id not in lanes:
            problems.append(InvalidDiagram("the user task is not in a lane", file=filename,
                                           element=task_id, line=task.sourceline))
        props = _properties(task)
        form_key = props.get("formKey")
        if not form_key:
            problems.append(InvalidDiagram("the user task has no formKey property",
                                           file=filename, element=task_id,
                                           line=task.sourceline))
        elif form_key not in form_keys:
            problems.append(InvalidDiagram(f"form '{form_key}' does not exist in forms/",
                                           file=filename, element=task_id,
                                           line=task.sourceline))
    problems += _check_reminders(root, filename)
    for doc in root.iter(f"{{{BPMN_NS}}}documentation"):
        for number in RULE_ID.findall(doc.text or ""):
            if f"R{number}" not in KNOWN_RULES:
                element, line = _element_of(doc)
                problems.append(InvalidDiagram(f"unknown rule id 'R{number}'", file=filename,
                                               element=element, line=line))
    return problems


def _check_reminders(root, filename) -> list[InvalidDiagram]:
    """A timer's `reminderBefore` property must be an ISO 8601 duration (issue 5)."""
    problems = []
    for node in root.iter(f"{{{BPMN_NS}}}boundaryEvent"):
        value = _properties(node).get(reminders.PROPERTY)
        if value is None:
            continue
        try:
            # any moment will do: only the duration's form and sign are checked
            reminders.parse_lead(value, datetime(2026, 1, 1, tzinfo=UTC))
        except ValueError as exc:
            problems.append(InvalidDiagram(str(exc), file=filename, element=node.get("id"),
                                           line=node.sourceline))
    return problems


def _properties(node) -> dict[str, str]:
    return {p.get("name"): p.get("value")
            for p in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/"
                                   "spiffworkflow:property", NS)}


def element_documentation(root) -> dict[str, str]:
    docs = {}
    for doc in root.iter(f"{{{BPMN_NS}}}documentation"):
        element, _ = _element_of(doc)
        if element:
            docs[element] = (doc.text or "").strip()
    return docs


def parse_bundle(files: dict[str, bytes], form_keys: set[str] | None = None,
                 known_processes: set[str] = frozenset()) -> dict[str, ParsedProcess]:
    """Parse and check a set of diagram files together (call activities may cross files).

    `known_processes` are published process ids a call activity may name besides those in
    `files`; a mapping {process id: the ids it calls} also lets Check find call cycles
    through published processes. Raises DiagramProblems listing every problem found, or
    returns the processes.
    """
    form_keys = forms.available_keys() if form_keys is None else form_keys
    parser = SpiffBpmnParser(validator=VALIDATOR)
    problems: list[InvalidDiagram] = []
    roots: dict[str, etree._Element] = {}
    owner: dict[str, str] = {}

    for filename, data in sorted(files.items()):
        try:
            root = parse_xml(data, filename)
        except InvalidDiagram as exc:
            problems.append(exc)
            continue
        file_problems = check_expressions(root, filename)
        if filename.endswith(".dmn"):
            file_problems += check_dmn_cells(root, filename)
            add = parser.add_dmn_xml
        else:
            file_problems += check_conventions(root, filename, form_keys)
            file_problems += check_rule_properties(root, filename)
            file_problems += deadline_words.check_names(root, filename)
            file_problems += hazards.dead_end_gateways(root, filename)
            file_problems += task_actions.check_properties(root, filename)
            add = parser.add_bpmn_xml
        try:
            add(root, filename=filename)
        except ValidationException as exc:
            file_problems.append(_from_validation(exc, filename, root))
        problems += file_problems
        roots[filename] = root

    if problems:
        raise DiagramProblems(problems)

    for pid in parser.get_process_ids():
        owner[pid] = parser.get_process_parser(pid).filename
    published_calls = known_processes if isinstance(known_processes, Mapping) else {}
    problems += hazards.call_cycles(roots, owner, published_calls)
    if problems:
        raise DiagramProblems(problems)
    parsed = {}
    # A process with a business rule task changes when a decision table does: its hash
    # covers the DMN files of the bundle, so publishing an edited table publishes it.
    tables = b"".join(files[name] for name in sorted(files) if name.endswith(".dmn"))
    for pid, filename in owner.items():
        try:
            parsed[pid] = _build(parser, pid, filename, files[filename], roots[filename],
                                 set(owner) | set(known_processes), tables)
        except ValidationException as exc:
            problems.append(_from_validation(exc, filename, roots[filename]))
        except InvalidDiagram as exc:
            problems.append(exc)
    if problems:
        raise DiagramProblems(problems)
    return parsed


def _build(parser, pid, filename, xml, root, available, tables=b"") -> ParsedProcess:
    spec = parser.get_spec(pid)
    embedded, calls = {}, []
    content = xml
    for task_spec in _all_task_specs(parser, spec):
        if hasattr(task_spec, "dmnEngine"):
            content = xml + tables
        if isinstance(task_spec, CallActivityMixin):
            if task_spec.spec not in available:
                raise InvalidDiagram(f"calls process '{task_spec.spec}', which does not exist",
                                     file=filename, element=task_spec.bpmn_id,
                                     line=_line_of(root, task_spec.bpmn_id))
            calls.append(task_spec.spec)
    for task_spec in _embedded_task_specs(spec):
        embedded[task_spec.spec] = parser.get_spec(task_spec.spec)
    for sub in list(embedded.values()):
        for task_spec in _embedded_task_specs(sub):
            embedded[task_spec.spec] = parser.get_spec(task_spec.spec)
    return ParsedProcess(pid, filename, xml, sha256(content), spec, embedded,
                         sorted(set(calls)),
                         element_documentation(root))


def _is_embedded(task_spec) -> bool:
    return isinstance(task_spec, SubWorkflowTask) and not isinstance(task_spec, CallActivityMixin)


def _embedded_task_specs(spec):
    return [t for t in spec.task_specs.values() if _is_embedded(t)]


def _all_task_specs(parser, spec):
    """Task specs of a process and of its embedded subprocesses."""
    seen, pending = [], [spec]
    while pending:
        current = pending.pop()
        for task_spec in current.task_specs.values():
            seen.append(task_spec)
            if _is_embedded(task_spec):
                pending.append(parser.get_spec(task_spec.spec))
    return seen


def _line_of(root, element_id) -> int | None:
    if not element_id:
        return None
    found = root.xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else None


def _from_validation(exc: ValidationException, filename, root) -> InvalidDiagram:
    element = getattr(exc, "id", None) or None
    line = getattr(exc, "line_number", None) or _line_of(root, element)
    if element is None and line:
        element = _element_at(root, line)
    message = str(getattr(exc, "msg", None) or exc).split("\n")[0]
    # lxml names elements as {namespace}tag: people know them as bpmn:tag
    message = re.sub(r"\{[^}]*\}", "bpmn:", message).rstrip(". ") + "."
    return InvalidDiagram(message, file=filename, element=element, line=line)


def _element_at(root, line) -> str | None:
    """The id of the element that starts on `line` (XSD errors give only a line)."""
    for node in root.iter():
        if node.sourceline == line and isinstance(node.tag, str) and node.get("id"):
            return node.get("id")
    return None


def check(files: dict[str, bytes], known_processes: set[str] = frozenset(),
          form_keys: set[str] | None = None) -> list[InvalidDiagram]:
    """Every problem in `files`, as a list (empty when they could be published)."""
    try:
        parse_bundle(files, form_keys, known_processes)
    except DiagramProblems as exc:
        return exc.problems
    return []


# --- issue 6: rule ids in properties (the modeller's panel sets them) ---
def check_rule_properties(root, filename: str) -> list[InvalidDiagram]:
    """A `rules` property lists rule ids like "R5,R6": each must be one of R1..R46."""
    problems = []
    for prop in root.iter(f"{{{SPIFF_NS}}}property"):
        if prop.get("name") != "rules":
            continue
        for rule in filter(None, (r.strip() for r in (prop.get("value") or "").split(","))):
            if rule not in KNOWN_RULES:
                element, line = _element_of(prop.getparent().getparent())
                problems.append(InvalidDiagram(f"unknown rule id '{rule}' in the rules property",
                                               file=filename, element=element, line=line))
    return problems


# --- DMN cells ---
DMN_INPUT_VARIABLE = "dmninputexpr"


def check_dmn_cells(root, filename: str) -> list[InvalidDiagram]:
    """Every cell of every decision table must be a Python expression the sandbox accepts.

    SpiffWorkflow evaluates DMN cells as Python, not FEEL, so a FEEL range (`[12..17]`)
    only fails when a case reaches the table, and a comma list (`0,1,2`) never matches.
    Input cells may be a comparison with the input left out (`>= 3`) or use `?` for it.
    """
    problems = []
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        kind = etree.QName(node).localname
        if kind not in ("inputEntry", "outputEntry", "inputExpression"):
            continue
        text = node.find("{*}text")
        source = (text.text if text is not None else "") or ""
        source = source.strip()
        if kind == "inputEntry" and source in ("", "-"):
            continue
        element, line = _element_of(node)
        if kind == "inputExpression":
            element = node.getparent().get("id") or element
        message = _dmn_cell_problem(source, input_cell=kind == "inputEntry")
        if message:
            problems.append(InvalidDiagram(f"DMN cell {source!r}: {message}", file=filename,
                                           element=element, line=line))
    return problems


def _dmn_cell_problem(source: str, *, input_cell: bool) -> str | None:
    if not source:
        return None if input_cell else "the cell is empty"
    candidates = [source.replace("?", DMN_INPUT_VARIABLE)]
    if input_cell and "?" not in source:
        # `>= 3` compares the input: SpiffWorkflow writes it as `<input> >= 3`.
        candidates.append(f"{DMN_INPUT_VARIABLE} {source}")
    error = None
    for candidate in candidates:
        try:
            scripting.check_source(candidate, "eval")
        except scripting.ScriptRejected as exc:
            return exc.message
        except SyntaxError as exc:
            error = error or exc
            continue
        if input_cell and candidate == candidates[0] and _is_bare_tuple(candidate):
            return "a comma-separated list never matches; write 'in (a, b)'"
        return None
    return f"not a valid Python expression ({error.msg})"


def _is_bare_tuple(source: str) -> bool:
    return isinstance(ast.parse(source, mode="eval").body, ast.Tuple)


def read_directory(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())
            if p.suffix in (".bpmn", ".dmn")}



class SpecCache:
    """Deserialized specs of published versions, keyed by the hash of their XML.

    Versions are immutable, so an entry never goes stale; it is safe to share across
    threads and across databases (tests reuse ids, never hashes for different XML).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._specs: dict[str, tuple[object, dict[str, object]]] = {}

    def get(self, sha: str, spec_json_loader) -> tuple[object, dict[str, object]]:
        cached = self._specs.get(sha)
        if cached is not None:
            return cached
        stored = json.loads(spec_json_loader())
        spec = spec_registry.restore(stored["spec"])
        embedded = {n: spec_registry.restore(s) for n, s in stored["embedded"].items()}
        with self._lock:
            self._specs[sha] = (spec, embedded)
        return spec, embedded


cache = SpecCache()
