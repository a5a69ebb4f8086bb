"""Who may see what. Every page and API call asks these helpers; nothing else decides.

A user sees a case when their organisation is involved in it and their role has a part in
the procedure, or when they are the child's allocated social worker or IRO. Organisations
involved: the child's responsible authority, the host (placing) authority, the police
force of the episode, the organisation of whoever reported it, and the Home Office for
children subject to immigration restriction.
"""

from __future__ import annotations

import functools

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from engine.assignment import ROLES
from engine.executor import Actor
from engine.models import Case, Child, Episode, Placement, User

# Roles that work on cases; process owners and administrators do not see children.
CASE_ROLES = frozenset(ROLES) - {"process_owner", "admin"}


def role_required(*roles: str):
    """Not signed in: to the sign-in page. Signed in without one of `roles`: 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if roles and not (current_user.role_keys & set(roles)):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def actor() -> Actor:
    return Actor.for_user(current_user)


def _child_conditions(user: User) -> list:
    """Conditions on `Child` alone that give the user a reason to see the child."""
    conditions = [Child.social_worker_id == user.id, Child.iro_id == user.id]
    if user.role_keys & CASE_ROLES:
        conditions += [Child.responsible_org_id == user.organisation_id,
                       Child.host_org_id == user.organisation_id]
        if user.organisation.kind == "home_office":
            conditions.append(Child.flags["subject_to_restriction"].as_boolean().is_(True))
    if "carer" in user.role_keys:
        # A provider's carers see the children placed with them now.
        conditions.append(Child.id.in_(select(Placement.child_id).where(
            Placement.provider_org_id == user.organisation_id, Placement.ends_on.is_(None))))
    if "admin" in user.role_keys:
        # Administrators keep (and import) the records of their authority's children.
        conditions.append(Child.responsible_org_id == user.organisation_id)
    return conditions


def visible_cases(user: User):
    """`select(Case.id)` of every case the user may see; use as `Case.id.in_(...)`."""
    reporter = aliased(User)
    conditions = _child_conditions(user)
    if user.role_keys & CASE_ROLES:
        conditions += [Episode.police_org_id == user.organisation_id,
                       reporter.organisation_id == user.organisation_id]
    return (select(Case.id).join(Child, Case.child_id == Child.id)
            .outerjoin(Episode, Case.episode_id == Episode.id)
            .outerjoin(reporter, Episode.reported_by_id == reporter.id)
            .where(or_(*conditions)))


def visible_children(user: User):
    """`select(Child.id)` of every child the user may see: through the child's own record,
    or through a case of theirs the user may see."""
    through_cases = select(Case.child_id).where(Case.id.in_(visible_cases(user)))
    return select(Child.id).where(or_(*_child_conditions(user), Child.id.in_(through_cases)))


def can_see_case(session, user: User, case_id: int) -> bool:
    return session.scalar(visible_cases(user).where(Case.id == case_id)) is not None


def can_see_child(session, user: User, child_id: int) -> bool:
    return session.scalar(visible_children(user).where(Child.id == child_id)) is not None


def case_or_404(session, case_id: int) -> Case:
    """The case if it exists and the current user may see it. 404 either way, so ids of
    cases the user may not see reveal nothing."""
    case = session.get(Case, case_id)
    if case is None or not can_see_case(session, current_user, case_id):
        abort(404)
    return case


def child_or_404(session, child_id: int) -> Child:
    child = session.get(Child, child_id)
    if child is None or not can_see_child(session, current_user, child_id):
        abort(404)
    return child


# Roles of the responsible authority that work with the child directly (R43).
_LOCATION_COUNCIL_ROLES = frozenset({"social_worker", "team_manager", "service_manager", "iro",
                                     "metco"})
_LOCATION_POLICE_ROLES = frozenset({"police", "police_supervisor", "mach"})


def may_see_location(session, user: User, child: Child) -> bool:
    """R43: while the child's location is withheld from enquirers, only people with a
    working need see where the child lives or was seen or found: the allocated social
    worker and IRO; the social work roles of the responsible authority; the police
    officers of the force that holds the child's episodes; the carers of the current
    placement. Everyone else sees "withheld". The one place this is decided."""
    if not (child.flags or {}).get("location_withheld"):
        return True
    if user.id in (child.social_worker_id, child.iro_id):
        return True
    roles, org = user.role_keys, user.organisation_id
    if roles & _LOCATION_COUNCIL_ROLES and org == child.responsible_org_id:
        return True
    if roles & _LOCATION_POLICE_ROLES and session.scalar(select(Episode.id).where(
            Episode.child_id == child.id, Episode.police_org_id == org).limit(1)):
        return True
    if "carer" in roles and session.scalar(select(Placement.id).where(
            Placement.child_id == child.id, Placement.provider_org_id == org,
            Placement.ends_on.is_(None)).limit(1)):
        return True
    return False
