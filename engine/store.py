"""Case state in and out of the database.

The serializer is configured once. A case's stored state holds only where the case is
(tasks and data), never the diagram: specs come from the published version, cached by
hash. Every payload is stamped with our format version, and `MIGRATIONS` carries old
payloads forward, the way SpiffWorkflow's own serializer does.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import zlib
from copy import copy
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.migration.version_migration import (
    MIGRATIONS as SPIFF_MIGRATIONS,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

FORMAT = 1
SPIFF_FORMAT = "1.5"


class _CachedIds:
    """Task ids written and parsed through the caches below (SpiffWorkflow parses each
    task id afresh as a mapping key, a root, a subprocess's parent: issue 16)."""

    def mapping_to_dict(self, mapping, **kwargs):
        return {_text(k): self.registry.convert(v, **kwargs) for k, v in mapping.items()}

    def mapping_from_dict(self, mapping, key_class=None, **kwargs):
        key = _uuid if key_class is UUID else key_class or (lambda k: k)
        return {key(k): self.registry.restore(v, **kwargs) for k, v in mapping.items()}


class StateOnlyWorkflowConverter(_CachedIds, BpmnWorkflowConverter):
    """Writes a workflow without its specs; restores it onto specs it is handed."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow

    def subprocesses_from_dict(self, dct, workflow, top_workflow=None):
        # SpiffWorkflow's own, with the ids looked up in the caches.
        top_workflow = top_workflow or workflow
        for task in workflow.tasks.values():
            if isinstance(task.task_spec, SubWorkflowTask) and _text(task.id) in dct:
                sp = self.registry.restore(dct.pop(_text(task.id)), task=task,
                                           top_workflow=top_workflow)
                top_workflow.subprocesses[task.id] = sp
                sp.completed_event.connect(task.task_spec._on_subworkflow_completed, task)
                self.subprocesses_from_dict(dct, sp, top_workflow)


class SubWorkflowConverter(_CachedIds, BpmnSubWorkflowConverter):
    def from_dict(self, dct, task, top_workflow):
        spec = top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=subprocess)
        subprocess.task_tree = subprocess.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(subprocess, dct)
        return subprocess


class CompactTaskConverter(TaskConverter):
    """Writes a task with no data as no data. SpiffWorkflow writes each task's data as its
    difference from its parent's, so a task still to come (no data yet) under one that
    holds the case's facts was written as "delete every fact": a third of a running
    episode's state (issue 16: 40 of 112 KB at its first step), and at load each was
    rebuilt by copying its parent's data and deleting every key again. Reads as
    SpiffWorkflow's own format: a task whose delta is empty takes its `data` as written."""

    def to_dict(self, task):
        parent = task.parent
        if parent is None or not task.data:
            data, delta = task.data, {}
        else:
            data, delta = {}, {
                "updates": DeepMerge.get_updated_keys(parent.data, task.data),
                "deletions": DeepMerge.get_deleted_keys(parent.data, task.data),
            }
        return {
            "id": _text(task.id),
            "parent": _text(task._parent) if parent is not None else None,
            "children": [_text(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": data,
            "delta": delta,
        }

    def from_dict(self, dct, workflow):
        # SpiffWorkflow's own, with two costs taken out (a fifth of a load, issue 16): each
        # task's id is written up to four times (itself, its parent's children, its
        # children's parent), so it is parsed once (`_uuid`); and its parent's data is
        # copied as DeepMerge.merge({}, data) does, without the merge's comparisons.
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_uuid(dct["id"]))
        task._parent = _uuid(dct["parent"]) if dct["parent"] is not None else None
        task._children = [_uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        if delta and task.parent is not None:
            data = {key: copy(value) if isinstance(value, dict | list | set) else value
                    for key, value in task.parent.data.items()}
            data.update(self.registry.restore(delta.get("updates", {})))
            for key in delta.get("deletions", ()):
                data.pop(key, None)
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


# A task id parsed, and written, once: ids never change, so caches shared by every load and
# save are safe, and one running case holds a few hundred.
_uuid = functools.lru_cache(maxsize=16_384)(UUID)
_text = functools.lru_cache(maxsize=16_384)(str)


def _configure():
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = StateOnlyWorkflowConverter
    config[BpmnSubWorkflow] = SubWorkflowConverter
    config[Task] = CompactTaskConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # Form data may carry dates; keep them dates through a round trip.
    registry.register(dt.date, lambda v: {"value": v.isoformat()},
                      lambda v: dt.date.fromisoformat(v["value"]))
    return registry


spec_registry = _configure()


# Our own format migrations: {from_version: function(payload) -> payload}, applied in order.
MIGRATIONS: dict[int, callable] = {}


# On the workflow object: {diagram: {element ids}} completed in the subprocesses `prune`
# has dropped, stored beside the state ("done") so the case page's diagram still shows them.
PRUNED = "safeguard_pruned"
_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED


def pruned(workflow: BpmnWorkflow) -> dict[str, set[str]]:
    found = getattr(workflow, PRUNED, None)
    if found is None:
        found = {}
        setattr(workflow, PRUNED, found)
    return found


def prune(workflow: BpmnWorkflow) -> int:
    """Drop every finished subprocess (call activity or embedded) whose task in the diagram
    above it is finished too: nothing runs in it again, and nothing reads it (its data went
    out to that task, its work is in the work items and the audit); only which elements
    it completed is kept, for the case page's diagram (issue 16: every call activity's
    subprocess stayed in the running state, ~200 tasks and 100 KB at the episode's first
    step). One still waiting for its task above to run on is kept: SpiffWorkflow would
    start it again. Returns how many were dropped."""
    dropped = 0
    done = pruned(workflow)
    for sp_id in list(workflow.subprocesses):
        sub = workflow.subprocesses.get(sp_id)
        if sub is None or not sub.completed:
            continue
        above = _task(workflow, sp_id)
        if above is not None and not above.state & _FINISHED:
            continue
        for gone in _drop(workflow, sp_id):
            for task in gone.tasks.values():
                if task.state == TaskState.COMPLETED and task.task_spec.bpmn_id is not None:
                    done.setdefault(gone.spec.name, set()).add(task.task_spec.bpmn_id)
            dropped += 1
    return dropped


def every_task(workflow: BpmnWorkflow):
    """Every task of the case, its subprocesses' included, in no particular order: a
    dictionary walk, several times cheaper than SpiffWorkflow's tree iterator (issue 16),
    for the callers that test each task's state themselves and need no order."""
    yield from workflow.tasks.values()
    for sub in list(workflow.subprocesses.values()):
        yield from sub.tasks.values()


def _task(workflow, task_id):
    if task_id in workflow.tasks:
        return workflow.tasks[task_id]
    return next((sub.tasks[task_id] for sub in workflow.subprocesses.values()
                 if task_id in sub.tasks), None)


def _drop(workflow, sp_id) -> list:
    sub = workflow.subprocesses.pop(sp_id)
    gone = [sub]
    for inner_id, inner in list(workflow.subprocesses.items()):
        if inner.parent_task_id in sub.tasks and inner_id in workflow.subprocesses:
            gone += _drop(workflow, inner_id)
    return gone


def dumps(workflow: BpmnWorkflow) -> str:
    state = spec_registry.convert(workflow)
    stored = {"format": FORMAT, "spiff": SPIFF_FORMAT, "state": state}
    done = getattr(workflow, PRUNED, None)
    if done:
        stored["done"] = {name: sorted(ids) for name, ids in sorted(done.items())}
    return json.dumps(stored, separators=(",", ":"))


# A stored payload that starts so is zlib-compressed JSON in base64 (`pack`): a running
# case's state is rewritten at every step, and on PostgreSQL each rewrite leaves a dead
# copy until VACUUM (issue 16). Base64 keeps the column text, so rows written before
# (plain JSON) read as they are and no migration is needed.
PACKED = "z:"


def pack(payload: str) -> str:
    # Level 1: a fifth of level 6's time (0.3 against 1.2 ms for a 110 KB state) for a
    # payload a fifth larger; it runs on every step.
    return PACKED + base64.b64encode(zlib.compress(payload.encode(), 1)).decode("ascii")


def unpack(payload: str | None) -> str | None:
    if payload and payload.startswith(PACKED):
        return zlib.decompress(base64.b64decode(payload[len(PACKED):])).decode()
    return payload


# A finished case's archive starts so (zlib-compressed JSON in base64); before migration
# 0020 archives were plain JSON, which `_archive` still reads.
ARCHIVED = "a:"


def archive(workflow: BpmnWorkflow, timers: list[list] | None = None) -> str:
    """A finished case, kept compactly: the elements it completed in each diagram, and its
    timers as [element id, name, state, due time] (`case_timers.fold`). Nothing runs a
    finished case again, and its history is in its work items and the audit; the case
    page's diagram and its timers read this (issue 16: a closed episode's state was
    55-100 KB of mostly completed tasks)."""
    completed: dict[str, set[str]] = {
        name: set(ids) for name, ids in (getattr(workflow, PRUNED, None) or {}).items()}
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        if task.task_spec.bpmn_id is not None:
            completed.setdefault(task.workflow.spec.name, set()).add(task.task_spec.bpmn_id)
    kept = {"format": FORMAT, "archived": {
        name: sorted(ids) for name, ids in sorted(completed.items())}}
    if timers:
        kept["timers"] = timers
    # Written once, so compressed as far as zlib goes: the ids repeat, and a third of the
    # JSON is left (2.9 KB to 1.2 KB for an episode case, base64 included). A small
    # archive stays plain JSON, which is shorter than its compressed base64.
    plain = json.dumps(kept, separators=(",", ":"))
    packed = ARCHIVED + base64.b64encode(zlib.compress(plain.encode(), 9)).decode("ascii")
    return packed if len(packed) < len(plain) else plain


def _archive(payload: str | None) -> dict | None:
    if not payload:
        return None
    if payload.startswith(ARCHIVED):
        return json.loads(zlib.decompress(base64.b64decode(payload[len(ARCHIVED):])))
    if payload.startswith('{"format":') and '"archived":' in payload[:40]:
        return json.loads(payload)
    return None


def archived(payload: str | None) -> dict[str, list[str]] | None:
    """{diagram: [completed element ids]} if the payload is a finished case's archive."""
    kept = _archive(payload)
    return None if kept is None else kept["archived"]


def archived_timers(payload: str | None) -> list[list]:
    """A finished case's timers as [element id, name, state, due time] ([] for a running
    case)."""
    kept = _archive(payload)
    return [] if kept is None else kept.get("timers", [])


def loads(payload: str, spec, subprocess_specs: dict, script_engine=None) -> BpmnWorkflow:
    if _archive(payload) is not None:
        raise ValueError("a finished case's archive has no state to run")
    stored = json.loads(unpack(payload))
    stored = migrate(stored)
    state = stored["state"]
    if stored["spiff"] in SPIFF_MIGRATIONS:
        SPIFF_MIGRATIONS[stored["spiff"]](state)
    workflow = spec_registry.restore(state, spec=spec, subprocess_specs=subprocess_specs)
    setattr(workflow, PRUNED, {name: set(ids) for name, ids in stored.get("done", {}).items()})
    if script_engine is not None:
        workflow.script_engine = script_engine
    return workflow


def migrate(stored: dict) -> dict:
    while stored["format"] < FORMAT:
        stored = MIGRATIONS[stored["format"]](stored)
    if stored["format"] > FORMAT:
        raise ValueError(f"case state format {stored['format']} is newer than this code")
    return stored
