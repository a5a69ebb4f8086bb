"""R13: taking in another authority's notification about their child (missing from a
placement here, or newly placed here). The MACH (out of hours, the EDT) records it on the
child's page; processes/inbound_notification.bpmn says what is then done."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from engine.commands.receive_notification import NOTIFICATION_ROLES, ReceiveNotification
from engine.errors import InvalidInput
from engine.executor import run

from .. import formfields
from ..access import actor, child_or_404, record_view, role_required
from ..database import get_session
from . import bp

FORM_KEY = "inbound_notification"


@bp.route("/children/<int:child_id>/notification", methods=["GET", "POST"])
@role_required(*NOTIFICATION_ROLES)
def receive_notification(child_id: int):
    session = get_session()
    child = child_or_404(session, child_id)
    values, errors = {}, {}
    if request.method == "POST":
        values = formfields.values_from(FORM_KEY, request.form)
        try:
            data = formfields.data_from(FORM_KEY, values)
            case = run(session, ReceiveNotification(child.id, data), actor())
        except InvalidInput as exc:
            errors = exc.errors
        else:
            flash(f"The notification about {child.first_name} is recorded. The MACH now "
                  "flags the record, considers who else to tell and, if the child is "
                  "missing here, makes sure the police here have a report.", "success")
            return redirect(url_for("cases.show", case_id=case.id))
    record_view("child", child.id, child_id=child.id, page="receive_notification")
    fields = formfields.fields(FORM_KEY, values, errors)
    return render_template("children/notification.html", child=child, fields=fields,
                           errors=errors, error_order=[f["name"] for f in fields]), (
        400 if errors else 200)
