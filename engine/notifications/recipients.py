"""Who is told about a work item: the person it is assigned to, else everyone with its role
in an organisation involved in the case.

The organisations involved in a case are the child's responsible and host authorities,
the police force of the episode, the organisation of whoever reported it, and the Home
Office when the child is subject to immigration restriction: the same organisations
whose people may see the case (engine/access.py), so nobody is told about a case they
cannot open. A case without a child tells nobody but an assignee.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import select

from .. import access
from ..models import Case, User, UserRole, WorkItem


def for_item(session, case: Case, item: WorkItem) -> list[int]:
    """The ids of the active users to tell about `item`."""
    if item.assignee_id is not None:
        return _looked_up(session, ("assignee", item.assignee_id), lambda: session.scalars(
            select(User.id).where(User.id == item.assignee_id, User.active.is_(True))))
    if item.role is None:
        return []
    organisations = involved_organisations(session, case)
    if not organisations:
        return []
    return _looked_up(session, (item.role, frozenset(organisations)), lambda: session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == item.role, User.active.is_(True),
               User.organisation_id.in_(organisations))
        .order_by(User.id)))


_REMEMBERED = "recipients_remembered"


@contextmanager
def remembered(session):
    """Inside the block, the people with a role in a set of organisations (or an assignee)
    are looked up once, not once for each item they are told about: for a caller that tells
    many people in a row and changes no account meanwhile (the timer worker's batch, whose
    escalations mostly go to the same team, issue 16)."""
    session.info[_REMEMBERED] = {}
    try:
        yield
    finally:
        session.info.pop(_REMEMBERED, None)


def _looked_up(session, key, query) -> list[int]:
    known = session.info.get(_REMEMBERED)
    if known is None:
        return list(query())
    if key not in known:
        known[key] = tuple(query())
    return list(known[key])


def involved_organisations(session, case: Case) -> set[int]:
    return access.involved_organisations(session, case)
