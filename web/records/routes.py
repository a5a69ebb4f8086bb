from __future__ import annotations

import json

from flask import Response, render_template
from flask_login import current_user
from sqlalchemy import or_, select

from engine import clock, subject_access
from engine.access import DPO_ROLES, RECORD_AUDIT_ROLES
from engine.models import AuditEvent, Case, Organisation, User

from ..access import child_or_404, record_view, role_required
from ..database import get_session
from ..inputs import page_number
from . import bp

PAGE_SIZE = 100
# What each audited action means, in words; others are shown as they are written.
WORDS = {
    "child.viewed": "Viewed the record", "case.viewed": "Viewed a case",
    "work_item.viewed": "Viewed work", "child.searched": "Found in a search",
    "child.created": "Created the record", "episode.reported": "Reported missing or away",
    "case.started": "Started a case", "work_item.completed": "Completed work",
    "work_item.claimed": "Claimed work", "work_item.released": "Gave work back",
    "work_item.reassigned": "Reassigned work", "message.child_found": "Reported found",
    "timers.fired": "Deadline reached", "child.exported": "Exported for subject access",
    "meeting.triggered": "Meeting case opened", "meeting.episode_added": "Added to a meeting",
}
PAGES = {"child": "Child's page", "case": "Case page", "work_item": "Work item page",
         "stage_two_request": "Stage Two request page", "found": "Report found page",
         "report_form": "Missing report page", "api": "API", "who_has_seen":
         "Who has seen this record", "subject_access": "Subject access export"}


@bp.route("/children/<int:child_id>/who-has-seen")
@role_required(*RECORD_AUDIT_ROLES)
def who_has_seen(child_id: int):
    session = get_session()
    child = child_or_404(session, child_id)
    page = page_number()
    case_ids = select(Case.id).where(Case.child_id == child.id)
    events = session.scalars(select(AuditEvent).where(or_(
        AuditEvent.child_id == child.id, AuditEvent.case_id.in_(case_ids)))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    people = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_({e.actor_id for e in events if e.actor_id})))}
    orgs = dict(session.execute(select(Organisation.id, Organisation.name)).all())
    record_view("child", child.id, child_id=child.id, page="who_has_seen")
    return render_template("records/who_has_seen.html", child=child,
                           events=events[:PAGE_SIZE], more=len(events) > PAGE_SIZE,
                           page=page, people=people, orgs=orgs, words=WORDS, pages=PAGES,
                           may_export=bool(set(request_roles()) & DPO_ROLES))


def request_roles():
    return current_user.role_keys


@bp.app_context_processor
def _links():
    def may_see_access_log() -> bool:
        return current_user.is_authenticated and bool(current_user.role_keys
                                                      & RECORD_AUDIT_ROLES)

    return {"may_see_access_log": may_see_access_log}


@bp.route("/children/<int:child_id>/subject-access")
@role_required(*DPO_ROLES)
def subject_access_export(child_id: int):
    session = get_session()
    child = child_or_404(session, child_id)
    body = subject_access.export(session, child.id, clock.now())
    record_view("child", child.id, child_id=child.id, page="subject_access")
    name = f"subject-access-child-{child.id}-{clock.now():%Y%m%d}.json"
    return Response(json.dumps(body, indent=2, ensure_ascii=False),
                    mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
