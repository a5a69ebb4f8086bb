from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .. import audit, runtime
from ..errors import CaseFailed
from ..models import Case, Timer

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


def fire(ctx, case_id: int) -> tuple[Case, list[Timer]]:
    """Fire a case's due timers; the case and the timer rows that fired."""
    case, workflow = runtime.load_case(ctx.session, case_id)
    due = _due_rows(ctx.session, case.id, ctx.now)
    if not due:
        return case, []
    before = {row.id: row.due_at for row in due}
    workflow.refresh_timers()
    runtime.run_engine(workflow)
    runtime.save_case(ctx.session, case, workflow, ctx.actor, "timers.fired",
                      {"elements": [row.element_id for row in due]})
    stuck = [row for row in due if row.state == "waiting" and row.due_at == before[row.id]]
    if stuck:
        # The row and the case state disagree; firing again would loop for ever.
        raise CaseFailed(f"timer '{stuck[0].element_id}' was due at "
                         f"{stuck[0].due_at.isoformat()} but the case did not fire it",
                         element=stuck[0].element_id)
    return case, [row for row in due if row.state == "fired"]


def _due_rows(session, case_id, now) -> list[Timer]:
    return list(session.scalars(
        select(Timer).where(Timer.case_id == case_id, Timer.state == "waiting",
                            Timer.due_at < now).order_by(Timer.due_at)))


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
    elements: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class FireDueTimers:
    """The worker's step: take the running case whose timer is most overdue, fire its due
    timers and run it on, all in this one transaction.

    On PostgreSQL the case row is taken `FOR UPDATE SKIP LOCKED`, so several workers take
    different cases and none waits for another; a case someone is saving right now is
    left for the next pass. If the engine step raises, the case is marked in error (with
    the element and message) instead and left alone until someone retries it
    (`RetryCase`); other cases carry on. Returns None when nothing is due.
    """

    def __call__(self, ctx) -> Fired | None:
        case_id = claim_next_case(ctx.session, ctx.now)
        if case_id is None:
            return None
        try:
            with ctx.session.begin_nested():
                _, rows = fire(ctx, case_id)
        except SQLAlchemyError:
            raise  # the database's trouble, not the case's: retried on the next pass
        except Exception as exc:
            return Fired(case_id, error=mark_failed(ctx, case_id, exc))
        return Fired(case_id, [row.element_id for row in rows])


def claim_next_case(session, now) -> int | None:
    return session.scalar(
        select(Case.id).join(Timer, Timer.case_id == Case.id)
        .where(Timer.state == "waiting", Timer.due_at < now, Case.status == "running")
        .order_by(Timer.due_at, Timer.id).limit(1)
        .with_for_update(of=Case, skip_locked=True))


def mark_failed(ctx, case_id: int, exc: Exception) -> str:
    element = getattr(exc, "element", None)
    message = str(exc) if isinstance(exc, CaseFailed) else f"{type(exc).__name__}: {exc}"
    if not isinstance(exc, CaseFailed):
        log.error("case %s failed unexpectedly", case_id, exc_info=exc)
    case = ctx.session.get(Case, case_id)
    case.status = "error"
    case.error = message
    case.error_element = element
    case.failed_at = ctx.now
    audit.record(ctx.session, ctx.actor, "case.failed", "case", case.id, case_id=case.id,
                 child_id=case.child_id, detail={"element": element, "error": message})
    return message
