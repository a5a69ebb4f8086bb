"""Load a case's workflow, run it until it waits, save it with its projections.

Every command that changes a case goes through `load_case` and `save_case`, inside the
one transaction the executor frames; nothing here commits.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import undefer

from . import (
    audit,
    caches,
    calendar,
    case_timers,
    clock,
    projections,
    scripting,
    specs,
    store,
    workflow_cache,
)
from .errors import CaseFailed, Conflict, NotFound
from .models import Case, ProcessVersion

_engines: dict[frozenset, object] = {}


def script_engine(session):
    """The restricted script engine, with the calendar the administrators keep."""
    extra = caches.bank_holidays(session)
    engine = _engines.get(extra)
    if engine is None:
        engine = scripting.make_script_engine(calendar.WorkingCalendar(extra))
        _engines[extra] = engine
    return engine


def latest_version(session, process_id: str) -> ProcessVersion:
    version = session.scalar(
        select(ProcessVersion).where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc()).limit(1))
    if version is None:
        raise NotFound(f"no published version of process '{process_id}'")
    return version


def resolve_versions(session, top: ProcessVersion) -> dict[str, int]:
    """Pin the newest published version of every process the top one calls, transitively."""
    pinned = {top.process_id: top.id}
    pending = list(top.calls)
    while pending:
        process_id = pending.pop()
        if process_id in pinned:
            continue
        version = latest_version(session, process_id)
        pinned[process_id] = version.id
        pending.extend(version.calls)
    return pinned


def _specs_for(session, spec_versions: dict[str, int], top_process: str):
    rows = caches.version_rows(session, spec_versions.values())
    top_spec, subprocess_specs = None, {}
    for row in rows:
        spec, embedded = specs.cache.get(row.sha256, _loader(session, row.id))
        subprocess_specs.update(embedded)
        if row.process_id == top_process:
            top_spec = spec
        else:
            subprocess_specs[row.process_id] = spec
    return top_spec, subprocess_specs


def specs_for_case(session, case: Case):
    """(the case's top spec, its subprocess specs), without loading its state."""
    return _specs_for(session, case.spec_versions, case.process_id)


def _loader(session, version_id):
    return lambda: session.scalar(
        select(ProcessVersion.spec_json).where(ProcessVersion.id == version_id))


def new_workflow(session, case: Case, data: dict) -> BpmnWorkflow:
    spec, subprocess_specs = _specs_for(session, case.spec_versions, case.process_id)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine(session))
    workflow.data.update(data)
    # Start-event data goes to the first task, where the diagram's first steps read it.
    workflow.task_tree.data.update(data)
    return workflow


def load_case(session, case_id: int, *, expected_revision: int | None = None):
    case = session.get(Case, case_id, options=[undefer(Case.state)])
    if case is None:
        raise NotFound(f"there is no case {case_id}")
    if expected_revision is not None and case.revision != expected_revision:
        raise Conflict(f"case {case_id} has changed since you loaded it "
                       f"(revision {case.revision}, not {expected_revision})")
    if store.archived(case.state) is not None:
        raise Conflict(f"case {case_id} has finished: nothing more can happen in it")
    engine = script_engine(session)
    workflow = workflow_cache.take(case, engine)
    if workflow is None:
        spec, subprocess_specs = _specs_for(session, case.spec_versions, case.process_id)
        workflow = store.loads(case.state, spec, subprocess_specs, engine)
    refresh_facts(session, case, workflow)
    return case, workflow


def refresh_facts(session, case: Case, workflow: BpmnWorkflow) -> dict:
    """Put the child's facts as the record says now (and the episode's, which can be
    corrected) into every task that is still to run, so the next gateway, condition,
    script or timer reads them, not the copy the case started with. Completed tasks are
    history and keep what they saw. Returns what was written."""
    from . import child_record, episodes
    from .models import Child, Episode

    if case.child_id is None:
        return {}
    child = session.get(Child, case.child_id)
    episode = session.get(Episode, case.episode_id) if case.episode_id else None
    session.info["fact_rows"] = (child, episode)  # held: the projections read them again
    fresh = child_record.facts(session, child, episode)
    if episode is not None:
        fresh.update(episodes.episode_facts(episode))
    for task in store.every_task(workflow):
        if not task.state & TaskState.NOT_FINISHED_MASK:
            continue
        if task.state == TaskState.WAITING and task.parent is not None \
                and task.parent.state == TaskState.COMPLETED and task.parent.data:
            # A waiting timer or message merges its parent's data in again when it fires
            # (SpiffWorkflow's _inherit_data), so the facts must be fresh there too, or
            # the decision after it reads the old ones (R1: away changed to missing).
            task.parent.data.update(fresh)
        if task.data:
            task.data.update(fresh)
            if episode is not None and episode.found_at is not None and "found_at" in task.data:
                task.data["found_at"] = episode.found_at.astimezone(clock.UTC).isoformat()
    return fresh


def rearm_date_timers(workflow: BpmnWorkflow) -> int:
    """Evaluate every waiting date timer again from its task's (refreshed) data: after a
    correction of the times it is anchored on, its due time follows. Duration timers
    ("PT2H" from when armed) are left as they are. Returns how many moved."""
    moved = 0
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        definitions = [definition, *getattr(definition, "event_definitions", ())]
        for each in definitions:
            if isinstance(each, TimeDateEventDefinition):
                old = task.internal_data.get("event_value")
                new = task.workflow.script_engine.evaluate(task, each.expression)
                if new != old:
                    task.internal_data["event_value"] = new
                    moved += 1
    return moved


MAX_ENGINE_STEPS = 5_000  # automatic tasks one command may run (a gateway loop)
MAX_ENGINE_SECONDS = 10.0  # and the wall time they may take (a busy machine is slow)
# SpiffWorkflow's task iterator stops looking 1,000 levels down the task tree, and a loop
# adds a level each time round: a task deeper than that would be ready yet never run, and
# the case would sit "running" for ever. Stop well before, with the case in error.
MAX_TASK_DEPTH = 900


def run_engine(workflow: BpmnWorkflow) -> None:
    """Run every automatic step until the case waits on people, time or news.

    Bounded: each script stops itself (engine.bounds), and a diagram that loops with no
    person in the loop stops after MAX_ENGINE_STEPS tasks, MAX_ENGINE_SECONDS or
    MAX_TASK_DEPTH levels of the task tree, so a web request or the timer worker is never
    held by a case, and no case is left silently stuck."""
    started, steps = clock.elapsed(), [0]

    def did_complete(task):
        steps[0] += 1
        if (steps[0] > MAX_ENGINE_STEPS or clock.elapsed() - started > MAX_ENGINE_SECONDS
                or task.depth >= MAX_TASK_DEPTH):
            raise WorkflowTaskException(
                f"the case ran {steps[0]:,} steps without waiting for anyone and stopped at "
                f"the engine's bound ({MAX_ENGINE_STEPS:,} steps, {MAX_ENGINE_SECONDS:g} "
                f"seconds, {MAX_TASK_DEPTH} steps deep): a loop in the diagram?", task=task)

    try:
        workflow.do_engine_steps(did_complete_task=did_complete)
    except WorkflowException as exc:
        raise case_failure(exc, workflow) from exc


def case_failure(exc: WorkflowException, workflow: BpmnWorkflow | None = None) -> CaseFailed:
    task_spec = getattr(exc, "task_spec", None) or getattr(getattr(exc, "task", None),
                                                           "task_spec", None)
    element = getattr(task_spec, "bpmn_id", None)
    line = getattr(exc, "line_number", None)
    where = f" at element '{element}'" if element else ""
    where += f" line {line}" if line else ""
    case_id = workflow.data.get("case_id") if workflow is not None else None
    return CaseFailed(f"{exc.__class__.__name__}{where}: {exc}", element=element, line=line,
                      case_id=case_id)


def save_case(session, case: Case, workflow: BpmnWorkflow, actor, action: str,
              detail: dict | None = None, *, timer_rows: list | None = None,
              open_items: list | None = None, flush: bool = True) -> None:
    """Write the case's state, its projections and the audit event. `timer_rows` and
    `open_items`: the case's waiting timer rows and open work items, if the caller has
    read them all in this transaction (the projections then need not read them again).
    `flush` False: the caller holds the case row locked (no revision can move) and
    flushes many cases at once (the timer worker's batch)."""
    now = clock.now()
    case.updated_at = now
    if workflow.completed:
        if case.status != "completed":
            case.status = "completed"
            case.completed_at = now
    else:
        store.prune(workflow)
        case.state = store.pack(store.dumps(workflow))
    # One UPDATE of the case, not one per query the projections make on the way.
    with session.no_autoflush:
        projections.sync(session, case, workflow, actor, timer_rows=timer_rows,
                         open_items=open_items)
    if workflow.completed:  # its timers' last states are set: the archive keeps them
        case.state = store.archive(workflow, case_timers.fold(session, case))
    if flush:
        session.flush()  # the revision check: a case someone else saved first raises here
    audit.record(session, actor, action, "case", case.id, case_id=case.id,
                 child_id=case.child_id, detail=detail)
    if not workflow.completed:
        workflow_cache.keep(session, case, workflow)
    if workflow.completed and case.episode_id is not None and case.process_id == EPISODE:
        end_side_cases(session, case, actor)


EPISODE = "episode"  # the case whose end closes its episode (projections._sync_episode)


def end_side_cases(session, episode_case: Case, actor) -> list[int]:
    """End the cases that ran beside an episode (episode_risks, subject_to_restriction)
    when the episode case ends: whatever they still waited on is moot once the episode is
    closed, and a case left running for ever keeps its state, its timers and its place in
    the worker's and the dashboards' queries (issue 16). Their open work is cancelled by
    the projections; what they completed stays, archived. Returns the ids ended."""
    ended = []
    for side_id in session.scalars(
            select(Case.id).where(Case.episode_id == episode_case.episode_id,
                                  Case.id != episode_case.id, Case.status == "running")
            .order_by(Case.id)):
        case, workflow = load_case(session, side_id)
        workflow.cancel()
        save_case(session, case, workflow, actor, "case.ended",
                  {"reason": "episode closed", "episode_case_id": episode_case.id})
        ended.append(side_id)
    return ended
