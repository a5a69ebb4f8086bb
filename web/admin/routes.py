"""What administrators look after: cases the timer worker set aside because an engine
step failed. The list names the diagram element and the error, never the child."""

from flask import flash, redirect, render_template, url_for

from engine.commands import RetryCase
from engine.commands.retry_case import RETRY_ROLES, failed_cases
from engine.errors import Conflict, NotFound
from engine.executor import run

from ..access import actor, role_required
from ..database import get_session
from . import bp


@bp.route("/cases-in-error")
@role_required(*RETRY_ROLES)
def cases_in_error():
    return render_template("admin/cases_in_error.html", cases=failed_cases(get_session()))


@bp.route("/cases-in-error/<int:case_id>/retry", methods=["POST"])
@role_required(*RETRY_ROLES)
def retry(case_id: int):
    try:
        run(get_session(), RetryCase(case_id), actor())
    except (Conflict, NotFound) as exc:
        flash(f"Case {case_id} was not retried: {exc}.", "error")
    else:
        flash(f"Case {case_id} is running again; the worker will fire its due timers.",
              "success")
    return redirect(url_for("admin.cases_in_error"))
