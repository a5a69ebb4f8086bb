"""Who is told about a work item: the person it is assigned to, else everyone with its role
in an organisation involved in the case.

The organisations involved in a case are the child's responsible and host authorities,
the police force of the episode, the organisation of whoever reported it, and the Home
Office when the child is subject to immigration restriction: the same organisations
whose people may see the case (engine/access.py), so nobody is told about a case they
cannot open. A case without a child tells nobody but an assignee.
"""

from __future__ import annotations

from sqlalchemy import select

from .. import access
from ..models import Case, User, UserRole, WorkItem


def for_item(session, case: Case, item: WorkItem) -> list[int]:
    """The ids of the active users to tell about `item`."""
    if item.assignee_id is not None:
        return list(session.scalars(select(User.id).where(User.id == item.assignee_id,
                                                          User.active.is_(True))))
    if item.role is None:
        return []
    organisations = involved_organisations(session, case)
    if not organisations:
        return []
    return list(session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == item.role, User.active.is_(True),
               User.organisation_id.in_(organisations))
        .order_by(User.id)))


def involved_organisations(session, case: Case) -> set[int]:
    return access.involved_organisations(session, case)
