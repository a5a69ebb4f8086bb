from __future__ import annotations

import logging
from dataclasses import dataclass, field
from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload, undefer

from .. import audit, child_record, runtime
from ..errors import CaseFailed, Conflict
from ..models import Case, Timer, WorkItem
from ..notifications import recipients

log = logging.getLogger("safeguard.worker")


@dataclass
class FireTimers:
    """Fire whatever timers of one case are due now, and run the case on.

    A timer is due once its time has passed (SpiffWorkflow fires it only then, never at
    the instant itself). Its row is marked fired by the projections in this transaction.
    Nothing due: nothing changes.
    """

    case_id: int

    def __call__(self, ctx) -> Case:
        return fire(ctx, self.case_id)[0]


def fire(ctx, case_id: int, waiting: list[Timer] | None = None,
         open_items: list[WorkItem] | None = None) -> tuple[Case, list[Timer]]:
    """Fire a case's due timers; the case and the timer rows that fired. `waiting` and
    `open_items`: the case's waiting timer rows (soonest first) and open work items, if
    the caller has read them in this transaction, else they are read here."""
    step = _step(ctx, case_id, waiting)
    if step is None:
        return ctx.session.get(Case, case_id), []
    _save(ctx, step, open_items)
    return step.case, step.fired


@dataclass
class _Step:
    """A case whose due timers have fired in memory, not yet saved."""

    case: Case
    workflow: object
    waiting: list[Timer]
    fired: list[Timer]
    loaded: str  # the stored state it was loaded from


def _step(ctx, case_id: int, waiting: list[Timer] | None) -> _Step | None:
    """Load the case, fire its due timers and run it on, in memory only: nothing of the
    session changes, so a step that raises needs nothing undone. None: nothing was due."""
    if waiting is None:
        waiting = _waiting_rows(ctx.session, case_id)
    due = [row for row in waiting if row.due_at < ctx.now]
    if not due:
        return None
    case, workflow = runtime.load_case(ctx.session, case_id)
    loaded = case.state
    workflow.refresh_timers()
    fired = [row for row in due if _has_fired(workflow, row)]
    runtime.run_engine(workflow)
    return _Step(case, workflow, waiting, fired, loaded)


def _save(ctx, step: _Step, open_items: list[WorkItem] | None, flush: bool = True) -> None:
    # Saving also puts right a row whose due time disagrees with the case state, so a
    # row that was not really due is not taken again and again. The projections are
    # handed the rows just read rather than reading them again.
    runtime.save_case(ctx.session, step.case, step.workflow, ctx.actor, "timers.fired",
                      {"elements": [row.element_id for row in step.fired]},
                      timer_rows=step.waiting, open_items=open_items, flush=flush)


def _has_fired(workflow, row: Timer) -> bool:
    task = workflow.get_task_from_id(UUID(row.task_id))
    return task is None or task.state != TaskState.WAITING


def _waiting_rows(session, case_id) -> list[Timer]:
    """Every waiting timer row of the case, soonest first: those due fire, and the
    projections bring all of them into line with the case state."""
    return _by_case(session, Timer, [case_id], Timer.state == "waiting").get(case_id, [])


def _by_case(session, model, case_ids, *where) -> dict[int, list]:
    """{case id: its rows of `model` that match}, soonest due first, in one statement."""
    found: dict[int, list] = {}
    for row in session.scalars(select(model).where(model.case_id.in_(case_ids), *where)
                               .order_by(model.case_id, model.due_at, model.id)):
        found.setdefault(row.case_id, []).append(row)
    return found


def due_case_ids(session, now) -> list[int]:
    """Cases with a timer due, oldest due first."""
    rows = session.execute(
        select(Timer.case_id, Timer.due_at).where(Timer.state == "waiting",
                                                  Timer.due_at < now)
        .order_by(Timer.due_at)).all()
    seen: dict[int, None] = {}
    for case_id, _ in rows:
        seen.setdefault(case_id, None)
    return list(seen)


@dataclass
class Fired:
    case_id: int
    elements: list[str] = field(default_factory=list)  # empty: nothing was due after all


def due_cases(session, now, limit: int) -> list[int]:
    """Up to `limit` running cases with a timer due, the most overdue first: the worker's
    list for one pass. Read without locks; `FireDueTimers` takes each case in turn."""
    rows = session.execute(
        select(Timer.case_id).join(Case, Case.id == Timer.case_id)
        .where(Timer.state == "waiting", Timer.due_at < now, Case.status == "running")
        .order_by(Timer.due_at).limit(limit)).scalars()
    return list(dict.fromkeys(rows))


@dataclass
class FireDueTimers:
    """The worker's step for one case from `due_cases`: take it, fire its due timers and
    run it on, all in this one transaction.

    The case row is taken `FOR UPDATE SKIP LOCKED` (on PostgreSQL), so several workers
    take different cases and none waits for another; a case another worker or a person
    holds right now is skipped (None) and comes back on a later pass. If the engine step
    raises, the transaction rolls back and the worker marks the case in error
    (`MarkCaseFailed`), so other cases carry on.
    """

    case_id: int

    def __call__(self, ctx) -> Fired | None:
        # Loaded whole (with the child, which the projections read), so `fire` finds them
        # in the session instead of reading them again.
        taken = ctx.session.scalar(
            select(Case).options(joinedload(Case.child))
            .where(Case.id == self.case_id, Case.status == "running")
            .with_for_update(of=Case, skip_locked=True))
        if taken is None:
            return None
        _, rows = fire(ctx, self.case_id)
        return Fired(self.case_id, [row.element_id for row in rows])


class SaveFailed(Exception):  # noqa: N818 - a case's fault, named for what failed
    """Saving one case of a `FireDueTimersBatch` raised after others were saved (in the
    session, not yet written): the batch must be rolled back whole. The worker then marks
    the case in error on its own and fires the rest again."""

    def __init__(self, case_id: int, error: Exception):
        super().__init__(f"case {case_id}: {error}")
        self.case_id, self.error = case_id, error


@dataclass
class FireDueTimersBatch:
    """The worker's step for several cases from `due_cases` at once, in one transaction:
    each case is taken as `FireDueTimers` takes it (`SKIP LOCKED`). The cases are
    independent (each its own rows), so firing them together changes nothing but the
    cost: one commit, one take of the audit chain's lock (the chain written at the end,
    `audit.deferred`, so another worker's batch is never held up by this one's engine
    work), one look-up of the people each role's escalations tell (`recipients.remembered`),
    and one flush, whose inserts and updates go out a table at a time for the whole batch
    rather than a statement each per case (issue 16). A worker killed mid-batch
    commits none of it; the batch is fired again whole.

    First every case is fired in memory (`_step`): one whose engine step raises has
    changed nothing, and is marked in error (`MarkCaseFailed`) while the others carry on.
    Then each is saved. A case an earlier save in the batch changed (an episode that ended
    its side cases) is left to a later pass, which loads it as it now is. A save that
    raises raises `SaveFailed`: the worker marks that case alone and fires the rest again.

    `stopping()` is asked between cases: a worker told to stop commits the cases it has
    fired and leaves the rest. Returns {case id: outcome}, in the order given: a `Fired`,
    None (another transaction held it, it is no longer running, or it was left), or the
    error message it was marked with (a str)."""

    case_ids: list[int]
    stopping: object = None

    def __call__(self, ctx) -> dict[int, Fired | str | None]:
        session = ctx.session
        # Taken whole, state and child included, so firing each reads nothing again. Held
        # here by id: the session keeps only weak references, so rows nothing holds would
        # be dropped at once and each case and child read again (issue 16).
        taken = {case.id: case for case in session.scalars(
            select(Case).options(joinedload(Case.child), undefer(Case.state))
            .where(Case.id.in_(self.case_ids), Case.status == "running")
            .order_by(Case.id).with_for_update(of=Case, skip_locked=True))}
        # What the projections of each case start from, for the whole batch in two
        # statements rather than two for each case (issue 16). Only this transaction,
        # which holds the cases, changes their rows.
        timers = _by_case(session, Timer, list(taken), Timer.state == "waiting")
        items = _by_case(session, WorkItem, list(taken), WorkItem.state == "open")
        outcomes: dict[int, Fired | str | None] = dict.fromkeys(self.case_ids)
        with audit.deferred(session), recipients.remembered(session):
            steps = self._step_each(ctx, taken, timers, outcomes)
            for step in steps:
                case = step.case
                if case.status != "running" or case.state != step.loaded:
                    continue  # changed by a case saved before it in this batch
                try:
                    # Not flushed case by case: the case rows are held FOR UPDATE, so no
                    # revision can move, and the batch is written in one flush.
                    _save(ctx, step, items.get(case.id, []), flush=False)
                except SQLAlchemyError:
                    raise
                except Exception as exc:  # noqa: BLE001 - the case's fault, set aside
                    raise SaveFailed(case.id, exc) from exc
                outcomes[case.id] = Fired(case.id, [row.element_id for row in step.fired])
        return outcomes

    def _step_each(self, ctx, taken, timers, outcomes) -> list[_Step]:
        """Fire each taken case in memory, the children's records read ahead for all (no
        record changes until the saves); a case whose step raises is marked in error."""
        steps = []
        children = {case.child_id for case in taken.values() if case.child_id is not None}
        with child_record.periods_read_ahead(ctx.session, children):
            for case_id in self.case_ids:
                if case_id not in taken:
                    continue
                if self.stopping is not None and self.stopping():
                    break
                try:
                    step = _step(ctx, case_id, timers.get(case_id, []))
                except SQLAlchemyError:
                    raise  # the database's trouble: the whole batch is tried again
                except Conflict:
                    continue
                except Exception as exc:  # noqa: BLE001 - the case's fault, set aside
                    outcomes[case_id] = MarkCaseFailed(case_id, exc)(ctx)
                    continue
                if step is None:
                    outcomes[case_id] = Fired(case_id)
                else:
                    steps.append(step)
        return steps


@dataclass
class MarkCaseFailed:
    """Set a case aside in error, with the element and message of what raised, until
    someone retries it (`RetryCase`). Nothing if it is no longer running (another worker
    got there first)."""

    case_id: int
    exc: Exception

    def __call__(self, ctx) -> str | None:
        case = ctx.session.scalar(select(Case).where(Case.id == self.case_id)
                                  .with_for_update())
        if case is None or case.status != "running":
            return None
        exc = self.exc
        element = getattr(exc, "element", None)
        message = str(exc) if isinstance(exc, CaseFailed) else f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, CaseFailed):
            log.error("case %s failed unexpectedly", case.id, exc_info=exc)
        case.status = "error"
        case.error = message
        case.error_element = element
        case.failed_at = ctx.now
        audit.record(ctx.session, ctx.actor, "case.failed", "case", case.id,
                     case_id=case.id, child_id=case.child_id,
                     detail={"element": element, "error": message})
        return message
