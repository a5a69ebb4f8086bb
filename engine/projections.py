"""What others read about a case, kept beside its state in the same transaction.

- one work-item row per READY user task (role, due time, form);
- one timer row per waiting timer (due time), for the worker;
- the case's current stage;
- the episode's facts the diagrams record (risk grade and its history, when found).
"""

from __future__ import annotations

import datetime as dt

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from . import assignment, clock, deadline_words, store
from .models import Episode, RiskAssessment, Timer, WorkItem
from .notifications import outbox, reminders

# Work items on this form are escalations of a missed deadline (docs/conventions.md):
# their managers are told when one is created.
ESCALATION_FORM = "escalation"


def sync(session, case, workflow, actor, *, timer_rows=None, open_items=None) -> None:
    """`timer_rows`, `open_items`: every waiting timer row and open work item of the case,
    read in this transaction by the caller (the timer worker), else None and read here."""
    # One walk of the task tree for both (the walk is most of the cost), in its order.
    live = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
    waiting = [task for task in live if task.state == TaskState.WAITING]
    timers = _waiting_timers(waiting)
    _sync_timers(session, case, timers, timer_rows)
    ready = [task for task in live if task.state == TaskState.READY and task.task_spec.manual]
    _sync_work_items(session, case, ready, open_items)
    case.stage = _stage(workflow, ready, waiting)
    if case.episode_id is not None:
        _sync_episode(session, case, workflow, actor)


def _waiting_timers(waiting) -> dict[str, tuple]:
    """{timer task id: (task, due, bounded task id)} for every timer of the waiting tasks."""
    found = {}
    for task in waiting:
        definition = getattr(task.task_spec, "event_definition", None)
        # An event-based gateway waits on several events at once (a week passing, or the
        # child being found): its timer counts too.
        if not (isinstance(definition, TimerEventDefinition) or any(
                isinstance(d, TimerEventDefinition)
                for d in getattr(definition, "event_definitions", ()))):
            continue
        due = _due(task.internal_data.get("event_value"))
        if due is None:
            continue
        found[str(task.id)] = (task, due, _bounded_task_id(task))
    return found


def _due(value) -> dt.datetime | None:
    if isinstance(value, dict):  # a cycle: the next time it fires
        value = value.get("next")
    if not value:
        return None
    due = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if due.tzinfo is None:
        due = due.replace(tzinfo=dt.UTC)
    return due.astimezone(dt.UTC)


# The diagram names which statutory deadline a boundary timer is (docs/conventions.md,
# "Statutory clocks"): managers' figures per clock are then a query on the projections.
CLOCK_PROPERTY = "clock"


def clock_of(task_spec) -> str | None:
    """The statutory clock a timer element is tagged with, if any."""
    value = (getattr(task_spec, "extensions", None) or {}).get("properties", {}).get(
        CLOCK_PROPERTY)
    return str(value)[:32] if value else None


def _bounded_task_id(timer_task) -> str | None:
    parent = timer_task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return None
    for sibling in parent.children:
        if sibling is not timer_task and not hasattr(sibling.task_spec, "event_definition"):
            return str(sibling.id)
    return None


def _sync_timers(session, case, timers, rows=None) -> None:
    if rows is None:
        rows = session.scalars(
            select(Timer).where(Timer.case_id == case.id, Timer.state == "waiting"))
    rows = {t.task_id: t for t in rows}
    now = clock.now()
    for task_id, (task, due, bounds) in timers.items():
        row = rows.pop(task_id, None)
        if row is None:
            session.add(Timer(case_id=case.id, task_id=task_id,
                              process_id=task.workflow.spec.name,
                              element_id=task.task_spec.bpmn_id or task.task_spec.name,
                              name=deadline_words.timer_words(task.task_spec),
                              bounds_task_id=bounds,
                              clock=clock_of(task.task_spec),
                              due_at=due, reminder_at=reminders.reminder_at(task, due, now)
                              if bounds is not None else None))
        elif row.due_at != due:  # a cycle timer moved on to its next time
            row.due_at = due
    for row in rows.values():
        # No longer waiting: it fired if its time had come, else its scope ended without it.
        row.state = "fired" if row.due_at < now else "cancelled"
        row.fired_at = now if row.state == "fired" else None


def _sync_work_items(session, case, ready, rows=None) -> None:
    if rows is None:
        rows = session.scalars(
            select(WorkItem).where(WorkItem.case_id == case.id, WorkItem.state == "open"))
    # Filter on the in-memory state too: the command may have just completed one (unflushed).
    rows = {w.task_id: w for w in rows if w.state == "open"}
    known = dict(rows)  # the late work an escalation names is most often one of these
    escalations, created = [], []
    for task in ready:
        task_id = str(task.id)
        row = rows.pop(task_id, None)
        due = earliest_deadline(task)
        if row is None:
            props = task.task_spec.extensions.get("properties", {})
            item = WorkItem(
                case_id=case.id, task_id=task_id, process_id=task.workflow.spec.name,
                element_id=task.task_spec.bpmn_id, name=task.task_spec.bpmn_name or
                task.task_spec.bpmn_id, role=assignment.role_for_lane(task.task_spec.lane),
                form_key=props.get("formKey"), due_at=due, clock=_own_clock(task),
                assignee_id=_direct_assignee(session, case, task.task_spec.lane))
            session.add(item)
            known[task_id] = item
            if item.form_key == ESCALATION_FORM:
                escalations.append((task, item))
            else:
                created.append(item)
        elif due is not None:
            # A deadline keeps bounding its work after its timer fires: it stays overdue.
            row.due_at = due if row.due_at is None else min(row.due_at, due)
    for row in rows.values():
        # Still open here but no longer READY in the case: its scope ended (the child was
        # found, say); completing commands close their own item before this runs.
        row.state = "cancelled"
    for task, item in escalations:
        _link_escalation(session, case, task, item, known)
        outbox.escalation_created(session, case, item, item.missed_due_at)
    for item in created:  # an escalation's own message already says it is new
        outbox.new_work(session, case, item)


def _link_escalation(session, case, task, item, known) -> None:
    """An escalation names the late work: the task its timer is attached to, and when
    that was due (derived from the case, so diagrams need nothing extra). `known`: the
    case's work items this step has in hand, by task id; a late item among them (even one
    created in this step) is linked as an object, so the flush writes the link with the
    escalation's own INSERT, after the late item's."""
    timer_task = _timer_behind(task)
    if timer_task is None:
        return
    item.missed_due_at = _due(timer_task.internal_data.get("event_value"))
    late_task_id = _bounded_task_id(timer_task)
    if late_task_id is None:
        return
    if late_task_id in known:
        item.late_item = known[late_task_id]
    else:  # finished before this step: its row is in the database
        item.late_item_id = session.scalar(select(WorkItem.id).where(
            WorkItem.case_id == case.id, WorkItem.task_id == late_task_id))


def deadlines_of(task) -> list[tuple[dt.datetime, object]]:
    """Every deadline that bounds `task`, as (due, timer task): the boundary timers on it
    and on each subprocess or call activity it runs inside, waiting or already fired. A
    timer that fired in the very step the task appeared (a child reported 50 hours after
    last seen: the 48-hour report is late from its first moment) counts like any other."""
    found = []
    current = task
    while current is not None:
        parent = current.parent
        if parent is not None and isinstance(parent.task_spec, BoundaryEventSplit):
            for sibling in parent.children:
                if sibling is current or not _is_timer(sibling) or sibling.state not in (
                        TaskState.WAITING, TaskState.READY, TaskState.COMPLETED):
                    continue
                due = _due(sibling.internal_data.get("event_value"))
                if due is not None:
                    found.append((due, sibling))
        current = _enclosing_task(current)
    return found


def _own_clock(task) -> str | None:
    """The statutory clock of the task's own boundary timer, not its enclosing scope's: the
    dashboard counts each clock once, on the work it bounds."""
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
        return None
    for sibling in parent.children:
        if sibling is not task and _is_timer(sibling) and clock_of(sibling.task_spec):
            return clock_of(sibling.task_spec)
    return None


def earliest_deadline(task) -> dt.datetime | None:
    dues = [due for due, _ in deadlines_of(task)]
    return min(dues) if dues else None


def _is_timer(task) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def _enclosing_task(task):
    """The subprocess or call-activity task whose workflow `task` runs in, if any."""
    workflow = task.workflow
    parent_id = getattr(workflow, "parent_task_id", None)
    parent_workflow = getattr(workflow, "parent_workflow", None)
    if parent_id is None or parent_workflow is None:
        return None
    return parent_workflow.get_task_from_id(parent_id)


def _timer_behind(task):
    """The timer whose firing led to this (escalation) task."""
    while task is not None:
        if _is_timer(task):
            return task
        task = task.parent
    return None


def _direct_assignee(session, case, lane) -> int | None:
    """The child's allocated social worker and IRO get their own items directly."""
    return assignment.direct_assignee(session, case, assignment.role_for_lane(lane))


def _stage(workflow, ready, waiting) -> str | None:
    """The diagram (process) the case's current work is in, deepest first."""
    if workflow.completed:
        return "closed"
    tasks = ready or waiting
    if not tasks:
        return None
    deepest = max(tasks, key=lambda t: t.workflow.depth)
    return deepest.workflow.spec.name


def _sync_episode(session, case, workflow, actor) -> None:
    """Copy the facts the diagrams record onto the episode row (R5 history, R20 found)."""
    episode = session.get(Episode, case.episode_id)
    facts = _latest_facts(workflow, ("risk_grade", "found_at"))
    grade, data = facts.get("risk_grade", (None, {}))
    if grade and grade != episode.risk_grade:
        episode.risk_grade = grade
        session.add(RiskAssessment(
            episode_id=episode.id, grade=grade,
            reason=_risk_reason(data),
            assessed_by_id=actor.user_id, assessed_by=actor.name, assessed_at=clock.now()))
    found_at, data = facts.get("found_at", (None, {}))
    if found_at and episode.found_at is None:
        episode.found_at = _due(found_at)
        found = data.get("found") or {}
        episode.found_where = _found_words(found)
        episode.found_by = found.get("found_by")
        outbox.episode_news(session, case, episode,
                            "A child you reported missing has been found")
    if workflow.completed and episode.status != "closed":
        episode.status = "closed"
        episode.closed_at = clock.now()
        outbox.episode_news(session, case, episode,
                            "The episode of a child you reported missing is closed")


def _found_words(found: dict) -> str | None:
    """Where the child was found, in words for the episode's pages: the choice (R20) and the
    place typed beside it."""
    from .commands.deliver_message import FOUND_WHERE

    choice = found.get("found_where")
    words = FOUND_WHERE.get(choice, choice)
    detail = found.get("found_where_detail")
    if words and detail:
        return f"{words}: {detail}"[:500]
    return words or detail or None


def _latest_facts(workflow, keys) -> dict[str, tuple]:
    """{key: (value, data)} from the most recently completed task that holds each key."""
    best: dict[str, tuple] = {}
    for task in store.every_task(workflow):
        if task.state != TaskState.COMPLETED:
            continue
        for key in keys:
            if task.data.get(key) is None:
                continue
            if key not in best or task.last_state_change > best[key][2]:
                best[key] = (task.data[key], task.data, task.last_state_change)
    return {key: (value, data) for key, (value, data, _) in best.items()}


# The fields the grading forms keep "why" in (grade_risk, regrade_risk and review_risk).
RISK_REASON_FIELDS = ("risk_change_reason", "risk_grade_reason", "risk_reason")


def _risk_reason(data) -> str:
    return next((str(data[f]) for f in RISK_REASON_FIELDS if data.get(f)), "")
