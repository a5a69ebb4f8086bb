"""Where one case sits on one of its diagrams: the elements it has completed, the ones it
is in now, the overdue ones, and the call activities that open another diagram.

Read for one case page at a time (it loads the case's state); lists and counts read the
projections instead (`process_page`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from . import clock, runtime, store, versions
from .models import Case, ProcessVersion, WorkItem

CURRENT = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


@dataclass
class Positions:
    process_id: str
    version: ProcessVersion
    completed: set[str] = field(default_factory=set)
    current: set[str] = field(default_factory=set)
    overdue: set[str] = field(default_factory=set)
    calls: dict[str, str] = field(default_factory=dict)  # call activity id -> process id
    # what people read: element id -> its name in the diagram (absent when unnamed), and
    # the diagram's own name
    names: dict[str, str] = field(default_factory=dict)
    # element id -> "event", "gateway" or "step" (a task, subprocess or call activity)
    kinds: dict[str, str] = field(default_factory=dict)
    process_name: str | None = None


def diagram_version(session, case: Case, process_id: str) -> ProcessVersion | None:
    """The version of `process_id` this case runs on (its own, or one it calls)."""
    version_id = (case.spec_versions or {}).get(process_id)
    if process_id == case.process_id:
        version_id = case.process_version_id
    return session.get(ProcessVersion, version_id) if version_id else None


def positions(session, case: Case, process_id: str) -> Positions | None:
    version = diagram_version(session, case, process_id)
    if version is None:
        return None
    found = Positions(process_id, version)
    names = versions.scopes(session, version)  # the diagram and its embedded subprocesses
    done = store.archived(case.state)
    if done is not None:  # a finished case keeps only what it completed
        found.completed = {element for name in names for element in done.get(name, ())}
        workflow_spec, subprocess_specs = runtime.specs_for_case(session, case)
    else:
        _, workflow = runtime.load_case(session, case.id)
        workflow_spec, subprocess_specs = workflow.spec, workflow.subprocess_specs
        done = store.pruned(workflow)  # finished subprocesses left out of the state
        found.completed = {element for name in names for element in done.get(name, ())}
        for task in workflow.get_tasks(state=TaskState.ANY_MASK):
            spec = task.task_spec
            if task.workflow.spec.name not in names or spec.bpmn_id is None:
                continue
            if task.state == TaskState.COMPLETED:
                found.completed.add(spec.bpmn_id)
            elif task.state & CURRENT:
                found.current.add(spec.bpmn_id)
    for name in names:
        for spec in _task_specs(workflow_spec, subprocess_specs, name):
            if isinstance(spec, CallActivity):
                found.calls[spec.bpmn_id] = spec.spec
            if spec.bpmn_id and (spec.bpmn_name or "").strip():
                found.names[spec.bpmn_id] = " ".join(spec.bpmn_name.split())
                found.kinds[spec.bpmn_id] = _kind(spec)
    found.process_name = _process_name(workflow_spec, subprocess_specs, process_id)
    now = clock.now()
    found.overdue = set(session.scalars(select(WorkItem.element_id).where(
        WorkItem.case_id == case.id, WorkItem.process_id.in_(names),
        WorkItem.state == "open", WorkItem.due_at < now)))
    # A task in progress but overdue is shown as overdue, not twice.
    found.current -= found.overdue
    found.completed -= found.current | found.overdue
    return found


def _kind(spec) -> str:
    if getattr(spec, "event_definition", None) is not None:
        return "event"
    if type(spec).__name__.endswith("Gateway"):
        return "gateway"
    return "step"


def _process_name(workflow_spec, subprocess_specs, process_id) -> str | None:
    spec = workflow_spec if workflow_spec.name == process_id else \
        subprocess_specs.get(process_id)
    return getattr(spec, "description", None) or None


def _task_specs(workflow_spec, subprocess_specs, process_id):
    if workflow_spec.name == process_id:
        return workflow_spec.task_specs.values()
    spec = subprocess_specs.get(process_id)
    return spec.task_specs.values() if spec is not None else []
