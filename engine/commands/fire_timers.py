from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import runtime
from ..models import Case, Timer


@dataclass
class FireTimers:
    """Fire whatever timers of one case are due now, and run the case on."""

    case_id: int

    def __call__(self, ctx) -> Case:
        case, workflow = runtime.load_case(ctx.session, self.case_id)
        due = [t.element_id for t in ctx.session.scalars(
            select(Timer).where(Timer.case_id == case.id, Timer.state == "waiting",
                                Timer.due_at <= ctx.now))]
        workflow.refresh_timers()
        runtime.run_engine(workflow)
        runtime.save_case(ctx.session, case, workflow, ctx.actor, "timers.fired",
                          {"elements": due})
        return case


def due_case_ids(session, now) -> list[int]:
    """Cases with a timer due, oldest due first."""
    rows = session.execute(
        select(Timer.case_id, Timer.due_at).where(Timer.state == "waiting",
                                                  Timer.due_at <= now)
        .order_by(Timer.due_at)).all()
    seen: dict[int, None] = {}
    for case_id, _ in rows:
        seen.setdefault(case_id, None)
    return list(seen)
