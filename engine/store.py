"""Case state in and out of the database.

The serializer is configured once. A case's stored state holds only where the case is
(tasks and data), never the diagram: specs come from the published version, cached by
hash. Every payload is stamped with our format version, and `MIGRATIONS` carries old
payloads forward, the way SpiffWorkflow's own serializer does.
"""

from __future__ import annotations

import datetime as dt
import json
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.migration.version_migration import (
    MIGRATIONS as SPIFF_MIGRATIONS,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

FORMAT = 1
SPIFF_FORMAT = "1.5"


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Writes a workflow without its specs; restores it onto specs it is handed."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _configure():
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = StateOnlyWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # Form data may carry dates; keep them dates through a round trip.
    registry.register(dt.date, lambda v: {"value": v.isoformat()},
                      lambda v: dt.date.fromisoformat(v["value"]))
    return registry


spec_registry = _configure()


# Our own format migrations: {from_version: function(payload) -> payload}, applied in order.
MIGRATIONS: dict[int, callable] = {}


def dumps(workflow: BpmnWorkflow) -> str:
    state = spec_registry.convert(workflow)
    return json.dumps({"format": FORMAT, "spiff": SPIFF_FORMAT, "state": state},
                      separators=(",", ":"))


def archive(workflow: BpmnWorkflow) -> str:
    """A finished case, kept compactly: the elements it completed in each diagram. Nothing
    runs a finished case again, and its history is in its work items and the audit; the
    case page's diagram reads this (issue 16: a closed episode's state was 55-100 KB of
    mostly completed tasks)."""
    completed: dict[str, set[str]] = {}
    for task in workflow.get_tasks(state=TaskState.COMPLETED):
        if task.task_spec.bpmn_id is not None:
            completed.setdefault(task.workflow.spec.name, set()).add(task.task_spec.bpmn_id)
    return json.dumps({"format": FORMAT, "archived": {
        name: sorted(ids) for name, ids in sorted(completed.items())}}, separators=(",", ":"))


def archived(payload: str | None) -> dict[str, list[str]] | None:
    """{diagram: [completed element ids]} if the payload is a finished case's archive."""
    if not payload or not payload.startswith('{"format":') or '"archived":' not in payload[:40]:
        return None
    return json.loads(payload)["archived"]


def loads(payload: str, spec, subprocess_specs: dict, script_engine=None) -> BpmnWorkflow:
    stored = json.loads(payload)
    if "archived" in stored:
        raise ValueError("a finished case's archive has no state to run")
    stored = migrate(stored)
    state = stored["state"]
    if stored["spiff"] in SPIFF_MIGRATIONS:
        SPIFF_MIGRATIONS[stored["spiff"]](state)
    workflow = spec_registry.restore(state, spec=spec, subprocess_specs=subprocess_specs)
    if script_engine is not None:
        workflow.script_engine = script_engine
    return workflow


def migrate(stored: dict) -> dict:
    while stored["format"] < FORMAT:
        stored = MIGRATIONS[stored["format"]](stored)
    if stored["format"] > FORMAT:
        raise ValueError(f"case state format {stored['format']} is newer than this code")
    return stored
