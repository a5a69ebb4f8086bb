from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .. import audit
from ..models import Case, Timer, WorkItem
from ..notifications import outbox


@dataclass
class SendDueReminders:
    """Tell whoever holds a task that its deadline is coming, once per deadline.

    Takes waiting deadline timers whose reminder time has come (`FOR UPDATE SKIP LOCKED`
    on PostgreSQL, so two workers never take the same one), writes the notifications and
    marks each timer reminded, all in this transaction. A deadline already past gets no
    reminder: its escalation says more. Returns how many were sent.
    """

    limit: int = 100

    def __call__(self, ctx) -> int:
        now = ctx.now
        timers = ctx.session.scalars(
            select(Timer).where(Timer.state == "waiting", Timer.reminder_at <= now)
            .order_by(Timer.reminder_at).limit(self.limit)
            .with_for_update(skip_locked=True)).all()
        sent = 0
        for timer in timers:
            # Cleared once dealt with, so the (state, reminder_at) index holds only
            # reminders still to send.
            timer.reminder_at = None
            if timer.due_at <= now:
                continue  # the deadline passed first (the worker was down): no reminder
            timer.reminded_at = now
            sent += 1
            case = ctx.session.get(Case, timer.case_id)
            item = ctx.session.scalar(select(WorkItem).where(
                WorkItem.case_id == timer.case_id, WorkItem.task_id == timer.bounds_task_id,
                WorkItem.state == "open"))
            told = outbox.remind(ctx.session, case, item, timer) if item is not None else []
            audit.record(ctx.session, ctx.actor, "reminder.sent", "timer", timer.id,
                         case_id=case.id, child_id=case.child_id,
                         detail={"element": timer.element_id, "due_at": timer.due_at.isoformat(),
                                 "work_item": item.id if item is not None else None,
                                 "users": told})
        return sent
