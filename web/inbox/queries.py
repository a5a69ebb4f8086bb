"""The inbox's queries: on the work-item projection and its indexes, never on case state."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import and_, func, select, tuple_

from engine.models import Case, Child, Episode, ProcessVersion, User, WorkItem

from ..access import CASE_ROLES, visible_cases
from ..inputs import MAX_ID
from ..templating import SOON

PAGE_SIZE = 25
# Counts stop here. A team's tab can hold tens of thousands of items, and counting every
# one on each page made the inbox slower the more work there was (issue 16: 111 ms at
# 100,000 open items); past this many the page says "more than 1,000".
COUNT_LIMIT = 1000
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
    total: int  # counted up to COUNT_LIMIT + 1, which means "more than COUNT_LIMIT"
    overdue: int  # of the items that match the filters, counted as far


# What the API documents for `after`, and all it takes: 16 digits of microseconds reach
# three centuries either side of 1970, inside what a datetime holds.
KEY_PATTERN = re.compile(r"(n|-?[0-9]{1,16})\.([0-9]{1,10})")


class Key(NamedTuple):
    """Where a page starts: after this item in the list's order (due time, then id; items
    without a deadline last, by id)."""

    due_at: dt.datetime | None
    id: int

    def __str__(self) -> str:
        if self.due_at is None:
            return f"n.{self.id}"
        return f"{(self.due_at - _EPOCH) // _MICROSECOND}.{self.id}"

    @classmethod
    def parse(cls, raw: str | None) -> Key | None:
        """A key from a link (`?after=`), or None for anything else (then the page number
        says where the page starts)."""
        match = KEY_PATTERN.fullmatch(raw or "")
        if match is None:
            return None
        due, item = match.groups()
        # An id no column holds (past PostgreSQL's INTEGER) comes after every item there is.
        item_id = min(int(item), MAX_ID)
        if due == "n":
            return cls(None, item_id)
        return cls(_EPOCH + int(due) * _MICROSECOND, item_id)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
# After every item: a page past the end is empty.
_END = Key(None, MAX_ID)


def key_of(item: WorkItem) -> Key:
    return Key(item.due_at, item.id)


def has_items(session, user: User, tab: str, filters: Filters, now: dt.datetime) -> bool:
    """Whether the tab has any item: the first the index finds, not a count of them all
    (a team's tab can hold thousands)."""
    return count(session, _filtered(user, tab, filters, now), join_case=bool(filters.stage),
                 limit=1) > 0


def page_of_items(session, user: User, tab: str, filters: Filters, page: int,
                  now: dt.datetime, *, after: Key | None = None) -> Page:
    """One page of a tab, soonest due first (so overdue first) and items without a deadline
    last, with the tab's total and how many of them are overdue.

    Keyset pagination: a page is read from its start key on, along the (state, role,
    due_at) index, never by skipping rows with OFFSET through the joins. `after` is the
    key of the previous page's last item (the links carry it); without one, the key of
    page `page` is found on the work-item index alone. Dated and undated items are read
    separately so that each read walks the index in order and stops at the page, instead
    of sorting every matching row on `due_at IS NULL`."""
    conditions = _filtered(user, tab, filters, now)
    join_case = bool(filters.stage)
    total, overdue = session.execute(select(
        _counted(conditions, join_case),
        _counted([*conditions, WorkItem.due_at < now], join_case))).one()
    if after is None and page > 1:
        after = _key_before(session, conditions, (page - 1) * PAGE_SIZE, join_case=join_case)
    return Page(_page_after(session, conditions, after), total, overdue)


def count(session, conditions, *, join_case: bool = False, limit: int | None = None) -> int:
    """How many items match, counted no further than `limit` (COUNT_LIMIT + 1, which
    means "more than COUNT_LIMIT"): the index walk stops there."""
    return session.scalar(select(_counted(conditions, join_case, limit)))


def _counted(conditions, join_case: bool, limit: int | None = None):
    """The count of `count` as a scalar subquery, so one statement can hold several."""
    query = _on_items(select(WorkItem.id).where(*conditions), join_case)
    limit = COUNT_LIMIT + 1 if limit is None else limit
    return select(func.count()).select_from(query.limit(limit).subquery()).scalar_subquery()


def _on_items(query, join_case: bool):
    """A query of work items, joined to their case when the stage filter needs it."""
    return query.join(Case, WorkItem.case_id == Case.id) if join_case else query


def _key_before(session, conditions, offset: int, *, join_case: bool) -> Key:
    """The key of the item just before position `offset`: read on the work items alone
    (and their case, for the stage filter), so skipping rows costs an index walk. Dated
    items come first, so the position is among them unless there are fewer than that."""
    def first(query, skip):
        return session.execute(_on_items(query, join_case).offset(skip).limit(1)).first()

    dated = [*conditions, WorkItem.due_at.is_not(None)]
    row = first(select(WorkItem.due_at, WorkItem.id).where(*dated)
                .order_by(WorkItem.due_at, WorkItem.id), offset - 1)
    if row is None:
        dated_total = count(session, dated, join_case=join_case, limit=offset)
        row = first(select(WorkItem.due_at, WorkItem.id)
                    .where(*conditions, WorkItem.due_at.is_(None)).order_by(WorkItem.id),
                    offset - 1 - dated_total)
    return Key(row.due_at, row.id) if row is not None else _END


def _page_after(session, conditions, after: Key | None) -> list:
    rows = []
    if after is None or after.due_at is not None:
        dated = conditions + [WorkItem.due_at.is_not(None)]
        if after is not None:
            # A row comparison: the (role, due_at, id) index of open items walks from it.
            dated.append(tuple_(WorkItem.due_at, WorkItem.id) > tuple_(after.due_at,
                                                                       after.id))
        rows += _rows(session, dated, (WorkItem.due_at, WorkItem.id), PAGE_SIZE)
    if len(rows) < PAGE_SIZE:
        undated = conditions + [WorkItem.due_at.is_(None)]
        if after is not None and after.due_at is None:
            undated.append(WorkItem.id > after.id)
        rows += _rows(session, undated, (WorkItem.id,), PAGE_SIZE - len(rows))
    return rows


def _rows(session, conditions, order, limit: int):
    return session.execute(
        select(WorkItem, Case, Child, Episode, User.name)
        .join(Case, WorkItem.case_id == Case.id)
        .outerjoin(User, WorkItem.assignee_id == User.id)
        .outerjoin(Child, Case.child_id == Child.id)
        .outerjoin(Episode, Case.episode_id == Episode.id)
        .where(*conditions).order_by(*order).limit(limit)).all()


def overdue_counts(session, user: User, now: dt.datetime,
                   known: dict[str, int] | None = None) -> dict[str, int]:
    """Overdue items per tab, counted as far as `count` counts; `known` gives tabs already
    counted (the page just read)."""
    counts = dict(known or {})
    for tab in ("mine", "team"):
        if tab not in counts:
            counts[tab] = count(session, [_scope(user, tab), WorkItem.due_at < now])
    return counts


def stages(session) -> list[str]:
    """The stages a case can be in, for the filter: the published processes (a small
    table), not a scan of the user's work."""
    return sorted(session.scalars(select(ProcessVersion.process_id).distinct()))
