"""Each person's notifications: reminders of deadlines coming up and escalations of
deadlines missed (engine.notifications)."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from engine.commands import MarkNotificationsRead
from engine.executor import run
from engine.notifications import outbox

from ..access import actor, role_required
from ..database import get_session
from . import bp


@bp.route("/notifications")
@role_required()
def index():
    session = get_session()
    return render_template("notifications/index.html",
                           notifications=outbox.for_user(session, current_user.id),
                           unread=outbox.unread_count(session, current_user.id))


@bp.route("/notifications/read", methods=["POST"])
@role_required()
def mark_read():
    marked = run(get_session(), MarkNotificationsRead(everything=True), actor())
    if marked:
        flash(f"{marked} {'notification' if marked == 1 else 'notifications'} marked as read",
              "success")
    return redirect(url_for("notifications.index"))
