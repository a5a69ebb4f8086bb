"""What happens after a piece of work is completed, read from the projections: the work
the completion created (who holds it and when it is due), what else is still open for
the child, and the case's next deadline. Nothing here loads case state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from engine.models import Case, Timer, User, WorkItem

# Work created by the same completion is written in its transaction, so its creation time
# is the completion time (to the clock's resolution); allow for a slow transaction.
SAME_STEP = dt.timedelta(seconds=30)


@dataclass
class Step:
    item: WorkItem
    holder: str | None  # a person's name, or None: the role's team


@dataclass
class NextSteps:
    created: list[Step]
    still_open: list[Step]
    next_deadline: Timer | None
    case_closed: bool


def _cases_of(session, case: Case) -> list[int]:
    if case.child_id is None:
        return [case.id]
    return list(session.scalars(select(Case.id).where(Case.child_id == case.child_id)))


def _steps(session, items) -> list[Step]:
    names = dict(session.execute(select(User.id, User.name).where(
        User.id.in_({i.assignee_id for i in items if i.assignee_id}))).all())
    return [Step(i, names.get(i.assignee_id)) for i in items]


def after_completion(session, item: WorkItem) -> NextSteps:
    case_ids = _cases_of(session, item.case)
    done_at = item.completed_at
    open_items = session.scalars(
        select(WorkItem).where(WorkItem.case_id.in_(case_ids), WorkItem.state == "open")
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)).all()
    created = [i for i in open_items
               if done_at and done_at - SAME_STEP <= i.created_at <= done_at + SAME_STEP
               and i.id != item.id]
    others = [i for i in open_items if i not in created][:5]
    deadline = session.scalars(
        select(Timer).where(Timer.case_id.in_(case_ids), Timer.state == "waiting")
        .order_by(Timer.due_at).limit(1)).first()
    return NextSteps(_steps(session, created), _steps(session, others), deadline,
                     item.case.status == "completed")
