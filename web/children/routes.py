"""A child's page: details, flags, who is allocated, every episode, open work and a
timeline from the audit trail."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import or_, select

from engine import audit, clock
from engine.models import AuditEvent, Case, Episode, User, WorkItem

from ..access import actor, child_or_404, role_required, visible_cases
from ..database import get_session, transaction
from . import bp

TIMELINE_LIMIT = 200
# Audit actions shown on the timeline, in words; views and sign-ins are left out.
ACTIONS = {
    "child.created": "Record created",
    "episode.reported": "Reported",
    "case.started": "Case started",
    "work_item.completed": "Work completed",
    "work_item.claimed": "Work claimed",
    "work_item.released": "Work given back",
    "work_item.reassigned": "Work reassigned",
    "message.child_found": "Reported found",
    "timers.fired": "Deadline reached",
}


@bp.route("/children/<int:child_id>")
@role_required()
def show(child_id: int):
    session = get_session()
    child = child_or_404(session, child_id)
    episodes = session.scalars(select(Episode).where(Episode.child_id == child.id)
                               .order_by(Episode.last_seen_at.desc())).all()
    case_ids = select(Case.id).where(Case.child_id == child.id,
                                     Case.id.in_(visible_cases(current_user)))
    cases = {c.episode_id: c for c in session.scalars(
        select(Case).where(Case.child_id == child.id, Case.process_id == "episode"))}
    open_work = session.scalars(select(WorkItem).where(
        WorkItem.case_id.in_(case_ids), WorkItem.state == "open")
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at)).all()
    timeline = session.scalars(select(AuditEvent).where(
        or_(AuditEvent.child_id == child.id, AuditEvent.case_id.in_(case_ids)),
        AuditEvent.action.in_(ACTIONS)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(TIMELINE_LIMIT)).all()
    people = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_([i for i in (child.social_worker_id, child.iro_id) if i])))}
    with transaction() as db:
        audit.record(db, actor(), "child.viewed", "child", child.id, child_id=child.id)
    return render_template("children/show.html", child=child, episodes=episodes,
                           cases=cases, open_work=open_work, timeline=timeline,
                           actions=ACTIONS, people=people, now=clock.now())
