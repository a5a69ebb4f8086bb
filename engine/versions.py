"""Published versions and drafts as the modeller sees them: history, Check, the element
diff between two versions, and export back to files.

Reading only; what changes the database is in `commands/drafts.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity as CallActivityMixin
from sqlalchemy import func, select

from . import specs
from .errors import InvalidDiagram
from .models import DecisionTableVersion, ProcessDraft, ProcessVersion

BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"


def history(session, process_id: str) -> list[ProcessVersion]:
    """Every version of a process, newest first."""
    return list(session.scalars(
        select(ProcessVersion).where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())))


def get_version(session, process_id: str, version: int) -> ProcessVersion | None:
    return session.scalar(select(ProcessVersion).where(
        ProcessVersion.process_id == process_id, ProcessVersion.version == version))


def latest_versions(session) -> list[ProcessVersion]:
    """The newest version of every process, by process id."""
    newest = (select(ProcessVersion.process_id, func.max(ProcessVersion.version).label("v"))
              .group_by(ProcessVersion.process_id).subquery())
    return list(session.scalars(
        select(ProcessVersion).join(newest, (ProcessVersion.process_id == newest.c.process_id)
                                    & (ProcessVersion.version == newest.c.v))
        .order_by(ProcessVersion.process_id)))


def scopes(session, version: ProcessVersion) -> set[str]:
    """The process id and the ids of its embedded subprocesses: the names the projections
    give to work in this one diagram (a task in a subprocess carries the subprocess's)."""
    _, embedded = specs.cache.get(version.sha256, lambda: session.scalar(
        select(ProcessVersion.spec_json).where(ProcessVersion.id == version.id)))
    return {version.process_id, *embedded}


def call_activities(session, version: ProcessVersion) -> dict[str, tuple[str, str]]:
    """{call activity element id: (called process id, its name)} in this diagram and its
    embedded subprocesses, read from the cached spec."""
    spec, embedded = specs.cache.get(version.sha256, lambda: session.scalar(
        select(ProcessVersion.spec_json).where(ProcessVersion.id == version.id)))
    return {task.bpmn_id: (task.spec, task.bpmn_name or task.bpmn_id)
            for process in (spec, *embedded.values())
            for task in process.task_specs.values()
            if isinstance(task, CallActivityMixin)}


def latest_tables(session) -> dict[str, DecisionTableVersion]:
    """The newest published version of every decision table, by file name."""
    newest = (select(DecisionTableVersion.filename,
                     func.max(DecisionTableVersion.version).label("v"))
              .group_by(DecisionTableVersion.filename).subquery())
    return {t.filename: t for t in session.scalars(
        select(DecisionTableVersion).join(
            newest, (DecisionTableVersion.filename == newest.c.filename)
            & (DecisionTableVersion.version == newest.c.v)))}


def published_ids(session) -> set[str]:
    return set(session.scalars(select(ProcessVersion.process_id).distinct()))


def published_calls(session) -> dict[str, list[str]]:
    """{process id: the processes its newest version calls}: what Check follows to find a
    cycle of calls through published processes."""
    return {v.process_id: list(v.calls or []) for v in latest_versions(session)}


def drafts(session) -> dict[str, ProcessDraft]:
    return {d.filename: d for d in session.scalars(select(ProcessDraft))}


def get_draft(session, filename: str) -> ProcessDraft | None:
    return session.scalar(select(ProcessDraft).where(ProcessDraft.filename == filename))


def check_file(session, filename: str, xml: bytes,
               decision_files: dict[str, bytes] | None = None) -> list[InvalidDiagram]:
    """Every server-side problem in one diagram file, checked against what is published
    (a call activity may call any published process) and the decision tables given."""
    files = {**(decision_files or {}), filename: xml}
    return specs.check(files, known_processes=published_calls(session))


@dataclass
class ElementDiff:
    """Elements by id: added in the new version, removed from the old, or changed."""

    added: list[dict]
    removed: list[dict]
    changed: list[dict]
    layout_changed: bool

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.layout_changed)


def diff_xml(old: bytes, new: bytes) -> ElementDiff:
    """Compare two versions of a diagram element by element (by id), from the XML.

    An element counts as changed when its own attributes, text or id-less children (its
    documentation, properties, expressions) differ; children with ids are compared on
    their own. Moving shapes on the canvas is reported only as `layout_changed`.
    """
    old_elements, old_layout = _elements(specs.parse_xml(old, "old"))
    new_elements, new_layout = _elements(specs.parse_xml(new, "new"))
    added = [_describe(new_elements[i]) for i in new_elements if i not in old_elements]
    removed = [_describe(old_elements[i]) for i in old_elements if i not in new_elements]
    changed = [_describe(new_elements[i]) for i in new_elements
               if i in old_elements and _signature(old_elements[i]) != _signature(new_elements[i])]
    return ElementDiff(added, removed, changed, old_layout != new_layout)


def _elements(root) -> tuple[dict, bytes]:
    elements, layout = {}, b""
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if etree.QName(node).namespace == BPMNDI_NS and node.getparent() is root:
            layout += etree.tostring(node, method="c14n")
            continue
        if node.get("id") and not _in_layout(node):
            elements[node.get("id")] = node
    return elements, layout


def _in_layout(node) -> bool:
    return any(etree.QName(a).namespace == BPMNDI_NS for a in node.iterancestors()
               if isinstance(a.tag, str))


def _signature(node) -> bytes:
    copy = etree.fromstring(etree.tostring(node))
    for child in list(copy):
        if isinstance(child.tag, str) and child.get("id"):
            copy.remove(child)
    return etree.tostring(copy, method="c14n")


def _describe(node) -> dict:
    return {"id": node.get("id"), "type": etree.QName(node).localname,
            "name": node.get("name") or ""}


def export(session, directory: Path) -> list[Path]:
    """Write the newest published version of every process and decision table to
    `directory`, by file name, so the repository can follow the live procedure. Returns
    the files that changed."""
    written = []
    newest = [(v.filename, v.xml) for v in latest_versions(session)]
    newest += [(name, table.xml) for name, table in latest_tables(session).items()]
    for filename, xml in newest:
        path = directory / filename
        if path.exists() and path.read_bytes() == xml:
            continue
        path.write_bytes(xml)
        written.append(path)
    return written
