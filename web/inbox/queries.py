"""The inbox's queries: on the work-item projection and its indexes, never on case state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import and_, case, func, select

from engine.models import Case, Child, Episode, ProcessVersion, User, WorkItem

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
                WorkItem.role.in_(roles), WorkItem.case_id.in_(visible_cases(user, open_only=True)))


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


class Page(NamedTuple):
    rows: list
    total: int
    overdue: int  # of the items that match the filters


def page_of_items(session, user: User, tab: str, filters: Filters, page: int,
                  now: dt.datetime, *, count_only: bool = False) -> Page:
    """One page of a tab, soonest due first and items without a deadline last, with the
    tab's total and how many of them are overdue. Dated and undated items are read
    separately so that each read walks the (state, role, due_at) index in order and stops
    at the page, instead of sorting every matching row on `due_at IS NULL`."""
    conditions = _filtered(user, tab, filters, now)
    dated = conditions + [WorkItem.due_at.is_not(None)]
    undated = conditions + [WorkItem.due_at.is_(None)]
    total, dated_total, overdue = _counts(session, conditions, now,
                                          join_case=bool(filters.stage))
    if count_only:
        return Page([], total, overdue)
    offset = (page - 1) * PAGE_SIZE
    rows = []
    if offset < dated_total:
        rows += _rows(session, dated, (WorkItem.due_at, WorkItem.id), offset, PAGE_SIZE)
    if len(rows) < PAGE_SIZE:
        rows += _rows(session, undated, (WorkItem.id,), max(offset - dated_total, 0),
                      PAGE_SIZE - len(rows))
    return Page(rows, total, overdue)


def _rows(session, conditions, order, offset: int, limit: int):
    return session.execute(
        select(WorkItem, Case, Child, Episode, User.name)
        .join(Case, WorkItem.case_id == Case.id)
        .outerjoin(User, WorkItem.assignee_id == User.id)
        .outerjoin(Child, Case.child_id == Child.id)
        .outerjoin(Episode, Case.episode_id == Episode.id)
        .where(*conditions).order_by(*order).limit(limit).offset(offset)).all()


def _counts(session, conditions, now, *, join_case: bool) -> tuple[int, int, int]:
    """(all, with a due time, overdue) in one pass over the index."""
    query = select(func.count(), func.count(WorkItem.due_at),
                   func.count(case((WorkItem.due_at < now, 1)))).select_from(WorkItem)
    if join_case:  # only the stage filter needs the case row
        query = query.join(Case, WorkItem.case_id == Case.id)
    return tuple(session.execute(query.where(*conditions)).one())


def overdue_counts(session, user: User, now: dt.datetime,
                   known: dict[str, int] | None = None) -> dict[str, int]:
    """Overdue items per tab; `known` gives tabs already counted (the page just read)."""
    counts = dict(known or {})
    for tab in ("mine", "team"):
        if tab not in counts:
            counts[tab] = session.scalar(select(func.count()).select_from(WorkItem).where(
                _scope(user, tab), WorkItem.due_at < now))
    return counts


def stages(session) -> list[str]:
    """The stages a case can be in, for the filter: the published processes (a small
    table), not a scan of the user's work."""
    return sorted(session.scalars(select(ProcessVersion.process_id).distinct()))
