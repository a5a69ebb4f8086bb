"""Notification rows: written in the transaction of the event that causes them, read back
as each person's in-app list, and delivered by e-mail by `sender`.

A notification says what the work is, when it is or was due, and where to find it;
never anything about the child (the e-mail leaves our systems).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from .. import clock
from ..models import Case, Notification, Timer, WorkItem
from . import recipients


def remind(session, case: Case, item: WorkItem, timer: Timer) -> list[int]:
    """Tell whoever holds `item` that its deadline is coming. Returns the user ids told."""
    return _tell(session, case, item, "reminder", f"Due soon: {item.name}", timer.due_at)


def escalation_created(session, case: Case, item: WorkItem,
                       missed_due: dt.datetime | None) -> list[int]:
    """Tell the responsible managers that a deadline was missed and `item` is theirs."""
    return _tell(session, case, item, "escalation", f"Overdue: {item.name}", missed_due)


def _tell(session, case, item, kind, subject, due_at) -> list[int]:
    now = clock.now()
    told = []
    for user_id in recipients.for_item(session, case, item):
        session.add(Notification(user_id=user_id, kind=kind, case_id=case.id, work_item=item,
                                 subject=subject[:400], due_at=due_at, created_at=now,
                                 email_next_at=now))
        told.append(user_id)
    return told


def for_user(session, user_id: int, *, limit: int = 50) -> list[Notification]:
    """A person's notifications, newest first."""
    return list(session.scalars(
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def unread_count(session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))
