"""Error pages in GOV.UK voice; the JSON API answers with problem details instead."""

from __future__ import annotations

from flask import render_template, request
from flask_wtf.csrf import CSRFError

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


def _page(error):
    code = getattr(error, "code", 500) or 500
    if request.path.startswith("/api/"):
        from .api.problems import problem

        return problem(code, PAGES.get(code, PAGES[500])[0])
    title, message = PAGES.get(code, PAGES[500])
    return render_template("errors/error.html", title=title, message=message), code


def _stale_form(error):
    if request.path.startswith("/api/"):
        from .api.problems import problem

        return problem(400, "CSRF token missing")
    return render_template(
        "errors/error.html", title="This form has expired",
        message="The page was open too long or you signed out in another tab. Go back, "
                "reload the page and submit it again: nothing has been saved."), 400
