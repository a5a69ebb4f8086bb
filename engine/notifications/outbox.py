"""Notification rows: written in the transaction of the event that causes them, read back
as each person's in-app list, and delivered by e-mail by `sender`.

A notification says what the work is, when it is or was due, and where to find it;
never anything about the child (the e-mail leaves our systems).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from .. import clock
from ..models import Case, Notification, Timer, User, WorkItem
from . import recipients


def remind(session, case: Case, item: WorkItem, timer: Timer) -> list[int]:
    """Tell whoever holds `item` that its deadline is coming. Returns the user ids told."""
    return _tell(session, case, item, "reminder", f"Due soon: {item.name}", timer.due_at)


def escalation_created(session, case: Case, item: WorkItem,
                       missed_due: dt.datetime | None) -> list[int]:
    """Tell the responsible managers that a deadline was missed and `item` is theirs."""
    return _tell(session, case, item, "escalation", f"Overdue: {item.name}", missed_due)


def new_work(session, case: Case, item: WorkItem) -> list[int]:
    """Tell whoever the new `item` is for (its assignee, else everyone with its role in
    the case's organisations) that it is there: in-app always, by e-mail unless they
    turned that off (`User.email_new_work`)."""
    return _tell(session, case, item, "new_work", f"New work: {item.name}", item.due_at)


def episode_news(session, case: Case, episode, subject: str) -> list[int]:
    """Tell the person who reported the episode that the child is found, or that the
    episode is closed. The words name no child: the e-mail leaves our systems."""
    if episode.reported_by_id is None:
        return []
    user = session.get(User, episode.reported_by_id)
    if user is None or not user.active:
        return []
    now = clock.now()
    session.add(Notification(user_id=user.id, kind="episode", case_id=case.id,
                             link=f"/report/children/{episode.child_id}",
                             subject=subject[:400], created_at=now, email_next_at=now))
    return [user.id]


def episode_reported(session, case: Case, episode) -> list[int]:
    """R7: the product tells the child's allocated social worker and IRO itself, in the
    app, that the child has been reported missing (the who-is-told record then says so).
    In-app only: the words name no child, and nothing goes out by e-mail."""
    from .. import child_record

    child = case.child
    if child is None:
        return []
    today = clock.london(clock.now()).date()
    told = []
    for role in ("social_worker", "iro"):
        user_id = child_record.allocated_on(session, child, role, today)
        if user_id is None or user_id in told:
            continue
        user = session.get(User, user_id)
        if user is None or not user.active:
            continue
        session.add(Notification(user_id=user_id, kind="episode", case_id=case.id,
                                 subject="A child allocated to you has been reported "
                                         "missing", created_at=clock.now(),
                                 email_state="off", email_next_at=None))
        told.append(user_id)
    return told


def _tell(session, case, item, kind, subject, due_at) -> list[int]:
    now = clock.now()
    told = []
    user_ids = recipients.for_item(session, case, item)
    quiet = set()
    if kind == "new_work" and user_ids:
        quiet = set(session.scalars(select(User.id).where(
            User.id.in_(user_ids), User.email_new_work.is_(False))))
    for user_id in user_ids:
        # In-app only for those who turned off e-mail of new work: nothing to send.
        mailed = user_id not in quiet
        session.add(Notification(user_id=user_id, kind=kind, case_id=case.id, work_item=item,
                                 subject=subject[:400], due_at=due_at, created_at=now,
                                 email_state="pending" if mailed else "off",
                                 email_next_at=now if mailed else None))
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
