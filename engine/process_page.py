"""Where cases sit on one diagram: open work and waiting timers per element, from the
projection tables only (never case state), for the process page and its table.

Filters: the organisation responsible for the child, the team (the role whose inbox holds
the work) and the episode's risk grade. `visible` is a select of the case ids the viewer
may see (the web app's one visibility helper); None means every case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from .models import Case, Child, Episode, Timer, WorkItem


@dataclass(frozen=True)
class Filters:
    organisation_id: int | None = None
    team: str | None = None
    risk_grade: str | None = None

    def apply(self, query, table, visible=None, case_joined=False):
        """Narrow `query` over `table` (WorkItem or Timer) by case-level filters."""
        if visible is not None:
            query = query.where(table.case_id.in_(visible))
        if self.team and table is WorkItem:
            query = query.where(WorkItem.role == self.team)
        elif self.team:
            # a timer belongs to the team whose task it bounds
            query = query.where(select(WorkItem.id).where(
                WorkItem.case_id == Timer.case_id, WorkItem.task_id == Timer.bounds_task_id,
                WorkItem.role == self.team).exists())
        if (self.organisation_id is not None or self.risk_grade) and not case_joined:
            query = query.join(Case, Case.id == table.case_id)
        if self.organisation_id is not None:
            query = query.join(Child, Child.id == Case.child_id).where(
                Child.responsible_org_id == self.organisation_id)
        if self.risk_grade:
            query = query.join(Episode, Episode.id == Case.episode_id).where(
                Episode.risk_grade == self.risk_grade)
        return query


@dataclass
class ElementCount:
    element_id: str
    name: str
    open: int = 0
    overdue: int = 0
    timers: int = 0


def _ids(process_id: str | set[str]) -> set[str]:
    return {process_id} if isinstance(process_id, str) else set(process_id)


def element_counts(session, process_id: str | set[str], now: dt.datetime,
                   filters: Filters = Filters(), visible=None) -> dict[str, ElementCount]:
    """{element id: counts} for every element of `process_id` where a case waits.
    Give a set to include the diagram's embedded subprocesses (`versions.scopes`)."""
    items = filters.apply(
        select(WorkItem.element_id, func.max(WorkItem.name), func.count(),
               func.sum(case((and_(WorkItem.due_at.is_not(None), WorkItem.due_at < now), 1),
                             else_=0)))
        .where(WorkItem.process_id.in_(_ids(process_id)), WorkItem.state == "open")
        .group_by(WorkItem.element_id), WorkItem, visible)
    counts = {element: ElementCount(element, name, count, int(overdue or 0))
              for element, name, count, overdue in session.execute(items)}
    timers = filters.apply(
        select(Timer.element_id, func.max(Timer.name), func.count())
        .where(Timer.process_id.in_(_ids(process_id)), Timer.state == "waiting")
        .group_by(Timer.element_id), Timer, visible)
    for element, name, count in session.execute(timers):
        counts.setdefault(element, ElementCount(element, name or "A deadline")).timers = count
    return counts


def call_activity_counts(session, calls: dict[str, tuple[str, str]], now: dt.datetime,
                         filters: Filters = Filters(), visible=None) -> dict[str, ElementCount]:
    """{call activity element id: counts}: the cases with open work in the called process,
    and how many of them have overdue work there."""
    called = {process for process, _ in calls.values()}
    late = and_(WorkItem.due_at.is_not(None), WorkItem.due_at < now)
    query = filters.apply(
        select(WorkItem.process_id, func.count(WorkItem.case_id.distinct()),
               func.count(case((late, WorkItem.case_id)).distinct()))
        .where(WorkItem.process_id.in_(called), WorkItem.state == "open")
        .group_by(WorkItem.process_id), WorkItem, visible)
    by_process = {process: (cases, overdue) for process, cases, overdue in session.execute(query)}
    return {element: ElementCount(element, name, *by_process[process])
            for element, (process, name) in calls.items() if process in by_process}


@dataclass
class CaseAtElement:
    case_id: int
    work_item_id: int
    child_name: str | None
    role: str | None
    due_at: dt.datetime | None
    overdue: bool


def cases_at(session, process_id: str | set[str], element_id: str, now: dt.datetime,
             filters: Filters = Filters(), visible=None, limit: int = 500) -> list[CaseAtElement]:
    """The open work at one element, most overdue first."""
    query = filters.apply(
        select(WorkItem.case_id, WorkItem.id, WorkItem.role, WorkItem.due_at,
               Case.child_id)
        .join(Case, Case.id == WorkItem.case_id)
        .where(WorkItem.process_id.in_(_ids(process_id)), WorkItem.element_id == element_id,
               WorkItem.state == "open")
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id).limit(limit),
        WorkItem, visible, case_joined=True)
    rows = session.execute(query).all()
    children = {c.id: c.full_name for c in session.scalars(
        select(Child).where(Child.id.in_({r.child_id for r in rows if r.child_id})))}
    return [CaseAtElement(r.case_id, r.id, children.get(r.child_id), r.role, r.due_at,
                          r.due_at is not None and r.due_at < now) for r in rows]
