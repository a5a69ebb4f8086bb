"""Everything held on a child, for a subject access request: the record, each episode
with its report and risk grades, every case with its work and the data entered, and who
viewed or changed any of it (the audit trail). Read only; the caller audits the export."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select

from .models import AuditEvent, Case, Child, Episode, Organisation, User, WorkItem

FORMAT = "safeguard-flow subject access export 1"


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _row(obj, *skip: str) -> dict:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns
            if c.key not in skip}


def export(session, child_id: int, now: dt.datetime) -> dict:
    child = session.get(Child, child_id)
    if child is None:
        raise LookupError(child_id)
    orgs = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    episodes = session.scalars(select(Episode).where(Episode.child_id == child.id)
                               .order_by(Episode.id)).all()
    cases = session.scalars(select(Case).where(Case.child_id == child.id)
                            .order_by(Case.id)).all()
    case_ids = [c.id for c in cases]
    items = session.scalars(select(WorkItem).where(WorkItem.case_id.in_(case_ids))
                            .order_by(WorkItem.id)).all() if case_ids else []
    events = session.scalars(select(AuditEvent).where(or_(
        AuditEvent.child_id == child.id, AuditEvent.case_id.in_(case_ids or [-1])))
        .order_by(AuditEvent.id)).all()
    people = dict(session.execute(select(User.id, User.organisation_id)).all())
    record = _row(child)
    record["responsible_organisation"] = orgs.get(child.responsible_org_id)
    record["host_organisation"] = orgs.get(child.host_org_id)
    return {
        "format": FORMAT,
        "exported_at": _plain(now),
        "child": record,
        "episodes": [{**_row(e), "police_force": orgs.get(e.police_org_id),
                      "risk_assessments": [_row(r) for r in e.risk_assessments]}
                     for e in episodes],
        # the engine's stored state is internal; the case's facts and its work are here
        "cases": [{**_row(c, "state", "spec_versions"),
                   "work": [_row(i) for i in items if i.case_id == c.id]} for c in cases],
        "who_viewed_or_changed": [
            {"at": _plain(e.at), "who": e.actor,
             "organisation": orgs.get(people.get(e.actor_id)), "action": e.action,
             "record": f"{e.record_type} {e.record_id}" if e.record_id else e.record_type,
             "from": (e.detail or {}).get("page") or (e.detail or {}).get("via")
             or ("system" if e.actor_id is None else None)}
            for e in events],
    }
