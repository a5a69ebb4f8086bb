"""A child's page: details, flags, who is allocated, every episode, open work and a
timeline from the audit trail."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from engine import child_record, clock
from engine.access import REPORT_ROLES, REQUEST_ROLES
from engine.commands import RequestStageTwo
from engine.commands.receive_notification import NOTIFICATION_ROLES
from engine.commands.report_episode import open_episode
from engine.errors import InvalidInput
from engine.executor import run
from engine.models import AuditEvent, Case, Episode, User, WorkItem

from ..access import actor, child_or_404, record_view, role_required, visible_cases
from ..database import get_session
from . import bp
from .record import HISTORY_ACTIONS, _words, location_shown, may_change

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
    **HISTORY_ACTIONS,
}
MEETING_NAMES = {"stage_one": "Stage One meeting", "stage_two": "Stage Two meeting",
                 "escalation": "Escalation beyond Stage Two"}


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
    meetings = session.scalars(select(Case).where(
        Case.id.in_(case_ids), Case.process_id.in_(MEETING_NAMES))
        .order_by(Case.created_at.desc())).all()
    current = child_record.summary(session, child)
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(
        [i for i in (current["social_worker_id"], current["iro_id"]) if i])))}
    missing = open_episode(session, child.id)
    record_view("child", child.id, child_id=child.id, page="child")
    shown = location_shown(session, child)
    return render_template("children/show.html", child=child, episodes=episodes,
                           cases=cases, open_work=open_work, timeline=timeline,
                           actions=ACTIONS, people=people, now=clock.now(),
                           meetings=meetings, meeting_names=MEETING_NAMES,
                           may_request=bool(current_user.role_keys & REQUEST_ROLES),
                           current=current, words=_words(), missing=missing,
                           may_report=bool(current_user.role_keys & REPORT_ROLES),
                           may_take_notification=bool(
                               current_user.role_keys & NOTIFICATION_ROLES),
                           may_change=may_change(child), location_shown=shown)


@bp.route("/children/<int:child_id>/stage-two-request", methods=["GET", "POST"])
@role_required(*REQUEST_ROLES)
def request_stage_two(child_id: int):
    """Any agency may ask for a Stage Two meeting for ongoing complex risk (R31); the
    Service Manager decides, and a refusal goes to the escalation policy (R33)."""
    session = get_session()
    child = child_or_404(session, child_id)
    reason = request.form.get("reason", "").strip() if request.method == "POST" else ""
    errors = {}
    if request.method == "POST":
        try:
            case = run(session, RequestStageTwo(child.id, reason), actor())
        except InvalidInput as exc:
            errors = {"reason": (exc.errors.get("reason") or [str(exc)])[0]}
            message = str(exc)
        else:
            flash("The Stage Two request has gone to the Service Manager.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    record_view("child", child.id, child_id=child.id, page="stage_two_request")
    return render_template("children/stage_two_request.html", child=child, reason=reason,
                           errors=errors, message=message if errors else None), (
        400 if errors else 200)
