"""Rewrite the generated parts of docs/processes.md from processes/ and forms/.

    .venv/bin/python tools/process_docs.py

Each section headed "## `<process id>` (<file>): <name>" is replaced by the process's
documentation, lanes, element table, routing and scripts; a process without a section
gets one before "## Repeat episodes". The table under "## Case data each form sets" is
rebuilt from the forms. Everything else in the file is prose kept as it is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "processes.md"
B = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {"bpmn": B, "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
KINDS = {
    "startEvent": "start event", "endEvent": "end event", "userTask": "user task",
    "scriptTask": "script task", "callActivity": "call activity", "subProcess":
    "embedded subprocess", "exclusiveGateway": "exclusive gateway", "parallelGateway":
    "parallel gateway", "eventBasedGateway": "event-based gateway", "businessRuleTask":
    "business rule task", "intermediateCatchEvent": "catch event", "boundaryEvent":
    "boundary event",
}
RULE = re.compile(r"\bR(\d{1,2})(?:\s*[-\u2013]\s*R?(\d{1,2}))?\b")


def local(node) -> str:
    return etree.QName(node).localname


def props(node) -> dict:
    return {p.get("name"): p.get("value") for p in node.iterfind(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


def doc_of(node) -> str:
    d = node.find("bpmn:documentation", NS)
    return (d.text or "").strip() if d is not None else ""


def rules_of(node) -> str:
    text = props(node).get("rules") or ""
    if not text:
        first = doc_of(node).split(":")[0]
        found = RULE.findall(first)
        text = ", ".join(f"R{a}" + (f"–R{b}" if b else "") for a, b in found)
    return ", ".join(r.strip() for r in text.split(",") if r.strip())


def timer_of(node):
    t = node.find("bpmn:timerEventDefinition", NS)
    if t is None:
        return None
    for kind in ("timeDate", "timeDuration", "timeCycle"):
        e = t.find(f"bpmn:{kind}", NS)
        if e is not None:
            return kind, (e.text or "").strip()
    return None


def section(path: Path) -> tuple[str, str]:
    root = etree.parse(str(path)).getroot()
    process = root.find("bpmn:process", NS)
    pid = process.get("id")
    lanes, lane_names = {}, []
    for lane in process.iterfind("bpmn:laneSet/bpmn:lane", NS):
        lane_names.append(lane.get("name"))
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = lane.get("name")
    out = [f"## `{pid}` ({path.name}): {process.get('name')}", "", doc_of(process), ""]
    if lane_names:
        out += [f"Lanes: {', '.join(lane_names)}.", ""]
    out += ["| element id | kind | name | lane / role | form key | rules | deadline |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    nodes = [n for n in process.iter() if isinstance(n.tag, str) and local(n) in KINDS]
    deadline_of = {}
    for n in nodes:
        if local(n) == "boundaryEvent" and timer_of(n):
            kind, expr = timer_of(n)
            clock = props(n).get("clock")
            deadline_of.setdefault(n.get("attachedToRef"), []).append(
                f"`{expr}` (`{n.get('id')}`{', clock ' + clock if clock else ''})")
    for n in nodes:
        kind = KINDS[local(n)]
        if local(n) == "callActivity":
            kind += f" → `{n.get('calledElement')}`"
        if local(n) == "boundaryEvent":
            what = "timer" if timer_of(n) else "message"
            mode = "interrupting" if n.get("cancelActivity") == "true" else "non-interrupting"
            kind = f"{mode} {what} on `{n.get('attachedToRef')}`"
        deadline = "<br>".join(deadline_of.get(n.get("id"), []))
        if timer_of(n) and local(n) != "boundaryEvent":
            deadline = "{}: `{}`".format(*timer_of(n))
        elif timer_of(n):
            t = timer_of(n)
            deadline = f"{t[0]}: `{t[1]}`" + (
                f" (clock `{props(n)['clock']}`)" if props(n).get("clock") else "")
        parent = n.getparent()
        lane = lanes.get(n.get("id")) or (
            f"inside `{parent.get('id')}`" if local(parent) == "subProcess" else "(no lanes)")
        form = props(n).get("formKey")
        out.append(f"| `{n.get('id')}` | {kind} | {n.get('name') or ''} | {lane} | "
                   f"{'`' + form + '`' if form else ''} | {rules_of(n)} | {deadline} |")
    routing = []
    for f in process.iter(f"{{{B}}}sequenceFlow"):
        src = process.xpath(f".//*[@id='{f.get('sourceRef')}']")[0]
        if not local(src).endswith("Gateway") or local(src) == "parallelGateway":
            continue
        if len(src.findall("bpmn:outgoing", NS)) < 2:
            continue
        cond = f.find("bpmn:conditionExpression", NS)
        text = f"`{cond.text.strip()}`" if cond is not None else (
            "default" if src.get("default") == f.get("id") else "")
        routing.append(f"| `{src.get('id')}` | `{f.get('targetRef')}` | {text} |")
    if routing:
        out += ["", "Routing (Python conditions on the case data):", "",
                "| gateway | to | condition |", "| --- | --- | --- |"] + routing
    scripts = [n for n in nodes if local(n) == "scriptTask"]
    if scripts:
        out += ["", "Scripts:", ""]
        for n in scripts:
            out += [f"`{n.get('id')}`:", "", "```python",
                    (n.find("bpmn:script", NS).text or "").strip(), "```", ""]
    return pid, "\n".join(out).rstrip() + "\n\n"


def form_rows() -> list[str]:
    used: dict[str, list[str]] = {}
    for path in sorted((ROOT / "processes").glob("*.bpmn")):
        root = etree.parse(str(path)).getroot()
        pid = root.find("bpmn:process", NS).get("id")
        for n in root.iter():
            if isinstance(n.tag, str) and props(n).get("formKey"):
                used.setdefault(props(n)["formKey"], []).append(f"{pid}:`{n.get('id')}`")
    rows = []
    for path in sorted((ROOT / "forms").glob("*.json")):
        form = json.loads(path.read_text())
        schema = form["schema"]
        required = set(schema.get("required", []))
        conditional = {}
        for rule in schema.get("allOf", []):
            cond = rule.get("if", {}).get("properties", {})
            words = " and ".join(f"{k} = {json.dumps(v.get('const'))}" for k, v in cond.items())
            for field in rule.get("then", {}).get("required", []):
                conditional.setdefault(field, f"if {words}")
        fields = []
        for name, prop in schema["properties"].items():
            kind = prop.get("type", "")
            if "enum" in prop:
                kind = "/".join(map(str, prop["enum"]))
            if kind == "array":
                kind = "list of " + "/".join(map(str, prop.get("items", {}).get("enum", [])))
            if prop.get("format"):
                kind = prop["format"]
            if "const" in prop:
                kind += " (must be " + json.dumps(prop["const"]) + ")"
            when = "required" if name in required else conditional.get(name, "optional")
            fields.append(f"`{name}` ({kind}; {when})")
        rows.append(f"| `{path.stem}` | {', '.join(used.get(path.stem, ['(intake)']))} | "
                    + "<br>".join(fields) + " |")
    return rows


def main() -> None:
    text = DOC.read_text()
    sections = dict(section(p) for p in sorted((ROOT / "processes").glob("*.bpmn")))
    parts = re.split(r"(?m)^(?=## )", text)
    kept, seen = [], set()
    for part in parts:
        m = re.match(r"## `(\w+)` \(\w+\.bpmn\)", part)
        if m and m.group(1) in sections:
            kept.append(sections[m.group(1)])
            seen.add(m.group(1))
        elif m:
            continue  # a process that no longer exists
        else:
            kept.append(part)
    missing = [sections[p] for p in sections if p not in seen]
    out = []
    for part in kept:
        if part.startswith("## Repeat episodes") and missing:
            out += missing
            missing = []
        if part.startswith("## Case data each form sets"):
            head = part.split("| form key |")[0]
            part = head + "| form key | used by | variables set |\n| --- | --- | --- |\n" + \
                "\n".join(form_rows()) + "\n"
        out.append(part)
    out += missing
    DOC.write_text("".join(out).rstrip() + "\n")


if __name__ == "__main__":
    main()
