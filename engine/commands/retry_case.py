from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import audit
from ..access import RETRY_ROLES  # noqa: E402,F401 (the role set lives there)
from ..errors import Conflict, NotFound, NotPermitted
from ..models import Case


@dataclass
class RetryCase:
    """Put a case the worker marked in error back to running, so the worker fires its
    due timers again on its next pass (once the diagram or data is put right)."""

    case_id: int

    def __call__(self, ctx) -> Case:
        if not (ctx.actor.is_system or ctx.actor.roles & RETRY_ROLES):
            raise NotPermitted("only administrators can retry a case in error")
        case = ctx.session.get(Case, self.case_id)
        if case is None:
            raise NotFound(f"there is no case {self.case_id}")
        if case.status != "error":
            raise Conflict(f"case {case.id} is not in error (it is {case.status})")
        detail = {"element": case.error_element, "error": case.error}
        case.status = "running"
        case.error = case.error_element = case.failed_at = None
        audit.record(ctx.session, ctx.actor, "case.retried", "case", case.id, case_id=case.id,
                     child_id=case.child_id, detail=detail)
        return case


def failed_cases(session) -> list[Case]:
    """Cases in error, most recent failure first: what administrators are shown."""
    return list(session.scalars(select(Case).where(Case.status == "error")
                                .order_by(Case.failed_at.desc(), Case.id)))
