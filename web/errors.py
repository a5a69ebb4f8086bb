"""Error pages in GOV.UK voice; the JSON API answers with problem details instead."""

from __future__ import annotations

import logging

from flask import make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import MethodNotAllowed

from engine.errors import CaseFailed

log = logging.getLogger("safeguard.web")

PAGES = {
    400: ("There is a problem with your request", "Go back and try again."),
    403: ("You do not have access to this page",
          "Your role does not let you do this. Ask your team manager if you need access."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("There is a problem with your request", "Go back and try again."),
    429: ("Too many requests", "Wait a few minutes, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later."),
}


def init_app(app) -> None:
    for code in PAGES:
        app.register_error_handler(code, _page)
    app.register_error_handler(CSRFError, _stale_form)
    app.register_error_handler(CaseFailed, _case_failed)


def _keep_what_was_typed(session) -> None:
    """A work item's form that could not be completed is kept as the person's draft."""
    if request.endpoint != "tasks.submit":
        return
    from engine.commands import SaveDraft
    from engine.executor import run
    from engine.models import WorkItem

    from . import formfields
    from .access import actor

    item = session.get(WorkItem, (request.view_args or {}).get("item_id"))
    if item is not None and item.form_key:
        run(session, SaveDraft(item.id, formfields.values_from(item.form_key, request.form)),
            actor())


def _case_failed(exc: CaseFailed):
    """A diagram's script, condition or loop stopped at its bound. The command rolled
    back, so nothing was lost; the case is set aside in error for an administrator (who
    sees it with the element and line) and the person is told so in plain words."""
    from engine.commands.fire_timers import MarkCaseFailed
    from engine.executor import SYSTEM, run

    from .database import get_session

    session = get_session()
    session.rollback()
    _keep_what_was_typed(session)
    if exc.case_id is not None:
        run(session, MarkCaseFailed(exc.case_id, exc), SYSTEM)
    log.warning("case %s stopped in error: %s", exc.case_id, exc)
    if request.path.startswith("/api/"):
        from .api.problems import problem

        return problem(409, "The case stopped at a fault in its diagram and is set aside "
                            "for an administrator; nothing was saved. " + str(exc))
    return render_template(
        "errors/error.html", title="This step could not be completed",
        message="The procedure's diagram has a fault at this step, so the case has been "
                "set aside. Nothing you entered has been lost: the work is still open "
                "and what was there before is unchanged. An administrator has been told "
                "and will put the diagram right, then the case carries on."), 409


def _page(error):
    code = getattr(error, "code", 500) or 500
    if request.path.startswith("/api/"):
        from .api.problems import problem

        response = problem(code, PAGES.get(code, PAGES[500])[0])
    else:
        title, message = PAGES.get(code, PAGES[500])
        response = make_response(
            render_template("errors/error.html", title=title, message=message), code)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        # RFC 9110: a 405 says which methods the resource has.
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def _stale_form(error):
    if request.path.startswith("/api/"):
        from .api.problems import problem

        return problem(400, "CSRF token missing")
    return render_template(
        "errors/error.html", title="This form has expired",
        message="The page was open too long or you signed out in another tab. Go back, "
                "reload the page and submit it again: nothing has been saved."), 400
