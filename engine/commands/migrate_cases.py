"""Move running cases onto the newest published versions of their diagrams, where safe.

Safe means no element the case has completed or is in (READY, WAITING, STARTED, ERROR)
was changed or removed in the new version: SpiffWorkflow's `diff_workflow` aligns the
case's tasks with the new specs, and `migrate_workflow` swaps them over. Anything
else stays on the version it started on, with the reason.

`plan_process` is the dry run (reads only); `MigrateCase` moves one case in a transaction
of its own, re-checking the plan inside it, and audits the move.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from .. import runtime, store
from ..errors import Conflict, NotPermitted
from ..models import Case
from ..store import spec_registry
from .publish import PUBLISH_ROLES

# A task in one of these states has happened or is happening: its element must not change.
TOUCHED = TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED \
    | TaskState.ERROR
STATE_WORDS = {TaskState.COMPLETED: "completed", TaskState.READY: "in progress",
               TaskState.WAITING: "waiting", TaskState.STARTED: "in progress",
               TaskState.ERROR: "in error"}


@dataclass
class CaseMove:
    """Whether one case can move to the newest versions, and if not, why not."""

    case_id: int
    from_versions: dict[str, int]
    to_versions: dict[str, int]
    reasons: list[str] = field(default_factory=list)

    @property
    def can_move(self) -> bool:
        return not self.reasons and self.from_versions != self.to_versions

    @property
    def up_to_date(self) -> bool:
        return self.from_versions == self.to_versions


def plan_process(session, process_id: str) -> list[CaseMove]:
    """The dry run: for every running case of `process_id`, whether it can move."""
    case_ids = session.scalars(select(Case.id).where(
        Case.process_id == process_id, Case.status == "running").order_by(Case.id)).all()
    return [_plan(session, case_id)[0] for case_id in case_ids]


def _plan(session, case_id: int):
    case, workflow = runtime.load_case(session, case_id)
    target = runtime.resolve_versions(session, runtime.latest_version(session,
                                                                      case.process_id))
    move = CaseMove(case.id, dict(case.spec_versions), target)
    if move.up_to_date:
        return move, case, workflow, None
    spec, subprocess_specs = runtime._specs_for(session, target, case.process_id)
    top_diff, sub_diffs = diff_workflow(spec_registry, workflow, spec, subprocess_specs)
    move.reasons += _blockers(top_diff, workflow.spec.name)
    for sub_id, sub_diff in sub_diffs.items():
        sub = workflow.subprocesses[sub_id]
        if sub_diff is None:
            move.reasons.append(f"diagram '{sub.spec.name}', which the case is in, "
                                "is no longer called")
        else:
            move.reasons += _blockers(sub_diff, sub.spec.name)
    return move, case, workflow, (spec, subprocess_specs, top_diff, sub_diffs)


def _blockers(diff, process_name) -> list[str]:
    reasons = []
    for kind, tasks in (("changed", diff.changed), ("removed", diff.removed)):
        for task in tasks:
            if task.state & TOUCHED and not _internal(task.task_spec):
                reasons.append(f"element '{task.task_spec.bpmn_id}' in '{process_name}' "
                               f"({STATE_WORDS.get(task.state, 'touched')}) was {kind}")
    return sorted(set(reasons))


def _internal(task_spec) -> bool:
    # SpiffWorkflow's own bookkeeping specs (Start, End, joins) have no BPMN id; if they
    # differ, a real element differs too and is reported for itself.
    return task_spec.bpmn_id is None


@dataclass
class MigrateCase:
    """Move one case to the newest versions, if it is (still) safe."""

    case_id: int

    def __call__(self, ctx) -> CaseMove:
        if not (ctx.actor.is_system or ctx.actor.roles & PUBLISH_ROLES):
            raise NotPermitted("only process owners can migrate cases")
        move, case, workflow, found = _plan(ctx.session, self.case_id)
        if not move.can_move:
            raise Conflict(f"case {self.case_id} cannot move: "
                           + ("; ".join(move.reasons) or "it is on the newest version"))
        spec, subprocess_specs, top_diff, sub_diffs = found
        _migrate(workflow, spec, subprocess_specs, top_diff, sub_diffs)
        case.process_version_id = move.to_versions[case.process_id]
        case.spec_versions = move.to_versions
        runtime.save_case(ctx.session, case, workflow, ctx.actor, "case.migrated",
                          {"from": move.from_versions, "to": move.to_versions})
        # Prove the saved state loads on the new specs before the transaction commits.
        store.loads(case.state, spec, subprocess_specs)
        return move


def _migrate(workflow, spec, subprocess_specs, top_diff, sub_diffs) -> None:
    # migrate_workflow re-predicts from every READY or WAITING task, and in doing so
    # clears its data and re-arms its timer from now: keep both as they were, so a
    # statutory deadline does not move because a diagram did.
    kept = {task.id: (copy.deepcopy(task.data), copy.deepcopy(task.internal_data))
            for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)}
    migrate_workflow(top_diff, workflow, spec)
    for sub_id, sub_diff in sub_diffs.items():
        sub = workflow.subprocesses[sub_id]
        migrate_workflow(sub_diff, sub, subprocess_specs[sub.spec.name])
    workflow.subprocess_specs = subprocess_specs
    for task_id, (data, internal) in kept.items():
        task = workflow.get_task_from_id(task_id) if _has(workflow, task_id) else None
        if task is not None:
            task.data, task.internal_data = data, internal


def _has(workflow, task_id) -> bool:
    if task_id in workflow.tasks:
        return True
    return any(task_id in sub.tasks for sub in workflow.subprocesses.values())
