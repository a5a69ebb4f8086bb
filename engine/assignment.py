"""Roles, and which role a diagram's lane stands for."""

from __future__ import annotations

ROLES: dict[str, str] = {
    "carer": "Carer",
    "police": "Police",
    "police_supervisor": "Police supervisor",
    # R36: the senior police line above the supervisor, for police-side escalations.
    "police_inspector": "Police inspector",
    "mach": "MACH",
    "social_worker": "Social worker",
    "team_manager": "Team manager",
    "iro": "IRO",
    "rhi_worker": "RHI worker",
    "edt": "EDT",
    "metco": "METCO",
    "service_manager": "Service manager",
    "home_office": "Home Office",
    "health": "Health",
    "process_owner": "Process owner",
    "admin": "Administrator",
    "dpo": "Data protection officer",
}

_BY_NAME = {name.casefold(): key for key, name in ROLES.items()}
_BY_NAME.update({key.casefold(): key for key in ROLES})


def role_for_lane(lane: str | None) -> str | None:
    """The role key a lane is named after (by display name or key), or None."""
    if not lane:
        return None
    return _BY_NAME.get(lane.strip().casefold())


def role_name(key: str | None) -> str:
    return ROLES.get(key or "", key or "")


def involved_organisation_ids(session, case) -> set[int]:
    """The organisations with a part in a case (the rule is `engine.access`'s)."""
    from .access import involved_organisations

    return involved_organisations(session, case)


def candidate_users(session, case, role: str | None) -> list:
    """Who could take a work item of `role` on `case`: active holders of the role in an
    involved organisation."""
    from sqlalchemy import select

    from .models import User, UserRole

    if role is None:
        return []
    return list(session.scalars(
        select(User).join(UserRole).where(
            UserRole.role == role, User.active.is_(True),
            User.organisation_id.in_(involved_organisation_ids(session, case)))
        .order_by(User.name)))


def direct_assignee(session, case, role: str | None) -> int | None:
    """Who gets a new work item of `role` on `case` directly: the child's social worker or
    IRO allocated today (engine/child_record), read when the item is created, so a worker
    allocated after the episode started gets the next item."""
    from . import child_record, clock

    child = case.child
    if child is None or role not in child_record.ALLOCATION_ROLES:
        return None
    return child_record.allocated_on(session, child, role, clock.london(clock.now()).date())
