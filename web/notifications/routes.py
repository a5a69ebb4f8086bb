"""Each person's notifications: new work, reminders of deadlines coming up, escalations of
deadlines missed, news of a child they reported (engine.notifications); and whether new
work is also e-mailed to them."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.commands import MarkNotificationsRead, SetEmailNewWork
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


@bp.route("/notifications/settings", methods=["POST"])
@role_required()
def settings():
    wanted = request.form.get("email_new_work") == "yes"
    run(get_session(), SetEmailNewWork(wanted), actor())
    flash("You will be e-mailed when there is new work for you" if wanted else
          "You will not be e-mailed about new work. It still appears here and in your inbox",
          "success")
    return redirect(url_for("notifications.index"))
