"""The inbox's queries: on the work-item projection and its indexes, never on case state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from engine.models import Case, Child, Episode, User, WorkItem

from ..access import CASE_ROLES, visible_cases
from ..templating import SOON

PAGE_SIZE = 25
DUE_STATES = {"overdue": "Overdue", "soon": "Due within 4 hours", "later": "Due later",
              "none": "No deadline"}


@dataclass
class Filters:
    role: str | None = None
    stage: str | None = None
    due: str | None = None


def _scope(user: User, tab: str):
    """The condition for one tab: `mine` (assigned to me) or `team` (unclaimed, for my
    roles, in cases I may see)."""
    if tab == "mine":
        return and_(WorkItem.state == "open", WorkItem.assignee_id == user.id)
    roles = sorted(user.role_keys & CASE_ROLES)
    return and_(WorkItem.state == "open", WorkItem.assignee_id.is_(None),
                WorkItem.role.in_(roles), WorkItem.case_id.in_(visible_cases(user)))


def _filtered(user, tab, filters: Filters, now: dt.datetime):
    conditions = [_scope(user, tab)]
    if filters.role:
        conditions.append(WorkItem.role == filters.role)
    if filters.stage:
        conditions.append(Case.stage == filters.stage)
    if filters.due == "overdue":
        conditions.append(WorkItem.due_at < now)
    elif filters.due == "soon":
        conditions.append(and_(WorkItem.due_at >= now, WorkItem.due_at <= now + SOON))
    elif filters.due == "later":
        conditions.append(WorkItem.due_at > now + SOON)
    elif filters.due == "none":
        conditions.append(WorkItem.due_at.is_(None))
    return conditions


def page_of_items(session, user: User, tab: str, filters: Filters, page: int,
                  now: dt.datetime):
    """One page of a tab, soonest due first (no deadline last), and the tab's total."""
    conditions = _filtered(user, tab, filters, now)
    rows = session.execute(
        select(WorkItem, Case.stage, Child, Episode)
        .join(Case, WorkItem.case_id == Case.id)
        .outerjoin(Child, Case.child_id == Child.id)
        .outerjoin(Episode, Case.episode_id == Episode.id)
        .where(*conditions)
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    total = session.scalar(select(func.count()).select_from(WorkItem)
                           .join(Case, WorkItem.case_id == Case.id).where(*conditions))
    return rows, total


def overdue_counts(session, user: User, now: dt.datetime) -> dict[str, int]:
    counts = {}
    for tab in ("mine", "team"):
        counts[tab] = session.scalar(select(func.count()).select_from(WorkItem).where(
            _scope(user, tab), WorkItem.due_at < now))
    return counts


def stages(session, user: User) -> list[str]:
    """The stages the user's open work is in, for the filter."""
    return sorted(s for s in session.scalars(
        select(Case.stage).distinct().join(WorkItem, WorkItem.case_id == Case.id)
        .where(or_(_scope(user, "mine"), _scope(user, "team")))) if s)
