"""Who may see what, and the role sets: the one place that decides.

Pages and the API ask through `web.access` (thin wrappers that add the signed-in user
and a 404), commands and notifications ask here. A subject is anything with a user id,
role keys, an organisation id and that organisation's kind: a `User` or an `Actor`.

A person sees a case when their organisation is involved in it and their role has a part
in the procedure, or when they are the child's allocated social worker or IRO.
Organisations involved: the child's responsible authority, the host (placing) authority,
the police force of the episode, the organisation of whoever reported it, and the Home
Office for children subject to immigration restriction. The SQL (`visible_cases`) and the
Python (`involved_organisations`, for who is told about work) say the same thing; a test
holds them together.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased, joinedload, undefer

from .assignment import ROLES
from .models import Case, Child, Episode, Organisation, Placement, User, WorkItem

# --- the role sets (every `role_required`, command check and menu reads these) ---

ADMIN_ROLES = frozenset({"admin"})
# Process owners edit and publish diagrams; administrators may publish too (a release).
OWNER_ROLES = frozenset({"process_owner", "admin"})
PUBLISH_ROLES = OWNER_ROLES
RETRY_ROLES = ADMIN_ROLES
# Roles that work on cases; process owners, administrators and the DPO do not see
# children through the procedure.
CASE_ROLES = frozenset(ROLES) - {"process_owner", "admin", "dpo"}
# Who may report a child missing: carers and providers, the police, children's services,
# and the Home Office, which often knows first that a child subject to immigration
# restriction has gone (R38).
REPORT_ROLES = frozenset({"carer", "police", "mach", "social_worker", "team_manager", "edt",
                          "home_office"})
FOUND_ROLES = frozenset({"carer", "police", "mach", "social_worker", "team_manager", "iro",
                         "edt", "home_office"})
# R31: "a request from any agency for ongoing complex risk".
REQUEST_ROLES = frozenset({"police", "police_supervisor", "police_inspector", "mach",
                           "social_worker", "team_manager", "iro", "rhi_worker", "metco",
                           "service_manager", "health", "home_office"})
REASSIGN_ROLES = frozenset({"team_manager", "police_supervisor", "police_inspector",
                            "service_manager"})
MANAGER_ROLES = frozenset({"team_manager", "service_manager"})
# "Who has seen this record": the data protection officer and managers.
RECORD_AUDIT_ROLES = frozenset({"dpo"}) | MANAGER_ROLES
# The DPO answers for the records of their own organisation's children.
DPO_ROLES = frozenset({"dpo"})
# Who may look for a child (the search shows only those the visibility rule lets them
# see): everyone who works on cases, administrators (their authority's records) and the
# data protection officer.
FIND_ROLES = CASE_ROLES | ADMIN_ROLES | DPO_ROLES
# Roles of the responsible authority that work with the child directly (R43).
LOCATION_COUNCIL_ROLES = frozenset({"social_worker", "team_manager", "service_manager", "iro",
                                     "metco"})
LOCATION_POLICE_ROLES = frozenset({"police", "police_supervisor", "police_inspector", "mach"})
# R8: "every child report is reviewed in the MACH by a police officer". The MACH is
# multi-agency, so the role alone does not say police: the work on these elements is done
# by a holder of the lane's role whose organisation is a police force.
POLICE_OFFICER_WORK = frozenset({"mach_review"})


def work_refusal(who, item) -> str | None:
    """Why the subject may not do (complete or claim) the open work item, or None. The
    one place that decides who may do work: the item's role, its assignee, and for R8
    work a police organisation."""
    who = subject(who)
    if who.user_id is None and "system" in who.roles:
        return None
    if item.assignee_id is not None and item.assignee_id != who.user_id:
        return "this work is assigned to someone else"
    if item.assignee_id != who.user_id and item.role not in who.roles:
        return f"this work is for the {item.role} role"
    if item.element_id in POLICE_OFFICER_WORK and who.organisation_kind != "police":
        return "this review is done by a police officer in the MACH"
    return None


@dataclass(frozen=True)
class Subject:
    user_id: int | None
    roles: frozenset[str]
    organisation_id: int | None
    organisation_kind: str | None


def subject(who) -> Subject:
    """A `User` or an `Actor` as the rule sees them."""
    if isinstance(who, Subject):
        return who
    if isinstance(who, User):
        kind = who.organisation.kind if who.organisation is not None else None
        return Subject(who.id, who.role_keys, who.organisation_id, kind)
    return Subject(who.user_id, frozenset(who.roles), who.organisation_id,
                   getattr(who, "organisation_kind", None))


def _child_conditions(who: Subject) -> list:
    """Conditions on `Child` alone that give the subject a reason to see the child."""
    if who.user_id is None:
        return []
    conditions = [Child.social_worker_id == who.user_id, Child.iro_id == who.user_id]
    if who.roles & CASE_ROLES:
        conditions += [Child.responsible_org_id == who.organisation_id,
                       Child.host_org_id == who.organisation_id]
        if who.organisation_kind == "home_office":
            conditions.append(Child.flags["subject_to_restriction"].as_boolean().is_(True))
    if who.roles & DPO_ROLES:
        conditions.append(Child.responsible_org_id == who.organisation_id)
    if "carer" in who.roles:
        # A provider's carers see the children placed with them now.
        conditions.append(Child.id.in_(select(Placement.child_id).where(
            Placement.provider_org_id == who.organisation_id, Placement.ends_on.is_(None))))
    if who.roles & ADMIN_ROLES:
        # Administrators keep (and import) the records of their authority's children.
        conditions.append(Child.responsible_org_id == who.organisation_id)
    return conditions


# A case whose work can still be open: open work items live only in these (an error case
# keeps its work until an administrator retries it).
OPEN_CASE_STATUSES = ("running", "error")


def visible_cases(who, *, open_only: bool = False):
    """`select(Case.id)` of every case the subject may see; use as `Case.id.in_(...)`.
    `open_only` limits it to cases that can hold open work: lists of open work use it, so
    that the planner joins the council's running cases, not every case it ever closed."""
    who = subject(who)
    reporter = aliased(User)
    conditions = _child_conditions(who)
    if who.roles & CASE_ROLES:
        conditions += [Episode.police_org_id == who.organisation_id,
                       reporter.organisation_id == who.organisation_id]
    if not conditions:
        return select(Case.id).where(Case.id.is_(None))
    query = (select(Case.id).join(Child, Case.child_id == Child.id)
             .outerjoin(Episode, Case.episode_id == Episode.id)
             .outerjoin(reporter, Episode.reported_by_id == reporter.id)
             .where(or_(*conditions)))
    return query.where(Case.status.in_(OPEN_CASE_STATUSES)) if open_only else query


def visible_children(who):
    """`select(Child.id)` of every child the subject may see: through the child's own
    record, or through a case of theirs the subject may see."""
    who = subject(who)
    through_cases = select(Case.child_id).where(Case.id.in_(visible_cases(who)))
    return select(Child.id).where(or_(*_child_conditions(who), Child.id.in_(through_cases)))


def work_item_for(session, who, item_id: int, *, with_case: bool = False):
    """The work item if the subject may see it (it is assigned to them, or its case is
    visible), else None, in one statement. `with_case` loads its case with the state, the
    child and the episode in that statement too: completing the item needs them all."""
    visible = visible_cases(who).where(Case.id == WorkItem.case_id).exists()
    query = select(WorkItem, visible).where(WorkItem.id == item_id)
    if with_case:
        query = query.options(joinedload(WorkItem.case).options(
            undefer(Case.state), joinedload(Case.child), joinedload(Case.episode)))
    row = session.execute(query).first()
    if row is None:
        return None
    item, seen = row
    return item if seen or item.assignee_id == subject(who).user_id else None


def can_see_case(session, who, case_id: int) -> bool:
    return session.scalar(visible_cases(who).where(Case.id == case_id)) is not None


def can_see_child(session, who, child_id: int) -> bool:
    return session.scalar(visible_children(who).where(Child.id == child_id)) is not None


def placement_provider_ids(session, child: Child) -> set[int]:
    """The organisations that provide the child's current placement (from the dated
    placements; the older single column for records that have none)."""
    providers = set(session.scalars(select(Placement.provider_org_id).where(
        Placement.child_id == child.id, Placement.ends_on.is_(None),
        Placement.provider_org_id.is_not(None))))
    if child.placement_provider_id:
        providers.add(child.placement_provider_id)
    return providers


def may_report(session, who, child: Child) -> bool:
    """A reason to know the child, needed to report them: the subject already sees them,
    or their organisation is the child's responsible authority, host authority or the
    placement's provider."""
    who = subject(who)
    if who.user_id is None and "system" in who.roles:
        return True
    if who.organisation_id in ({child.responsible_org_id, child.host_org_id}
                               | placement_provider_ids(session, child)) - {None}:
        return True
    return can_see_child(session, who, child.id)


def involved_organisations(session, case) -> set[int]:
    """The organisations with a part in a case (see the module's docstring): whose people
    with a case role may see it and are told about its work."""
    child, episode = case.child, case.episode
    if child is None:
        return set()
    found = {child.responsible_org_id, child.host_org_id}
    if episode is not None:
        found.add(episode.police_org_id)
        if episode.reported_by_id is not None:
            found.add(session.scalar(select(User.organisation_id)
                                     .where(User.id == episode.reported_by_id)))
    if (child.flags or {}).get("subject_to_restriction"):
        found.update(session.scalars(select(Organisation.id)
                                     .where(Organisation.kind == "home_office")))
    found.discard(None)
    return found


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
    if roles & LOCATION_COUNCIL_ROLES and org == child.responsible_org_id:
        return True
    if roles & LOCATION_POLICE_ROLES and session.scalar(select(Episode.id).where(
            Episode.child_id == child.id, Episode.police_org_id == org).limit(1)):
        return True
    if "carer" in roles and session.scalar(select(Placement.id).where(
            Placement.child_id == child.id, Placement.provider_org_id == org,
            Placement.ends_on.is_(None)).limit(1)):
        return True
    return False
