"""A database connection that dies under a request (a restarted PostgreSQL, a killed
backend) or a write lock that could not be had is no error page in normal use:

- a pooled connection is checked before use (engine.db: pool_pre_ping), so one killed
  between requests is replaced unseen;
- a read (GET, HEAD) whose connection dies under it is run again once, on a fresh one;
- a command safe to repeat is repeated by engine.executor;
- anything else is a "try again" page (503) that keeps what was typed: the form comes back
  with every answer in it, ready to send again. The API answers 503 problem details.
"""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from sqlalchemy.exc import DBAPIError

from engine.executor import ConnectionLost

log = logging.getLogger("safeguard.web")


class SafeguardFlask(Flask):
    def dispatch_request(self):
        try:
            return super().dispatch_request()
        except DBAPIError as exc:
            if not (exc.connection_invalidated and request.method in ("GET", "HEAD")
                    and not g.get("read_retried")):
                raise
            log.warning("%s %s: the database connection was lost; reading again",
                        request.method, request.path)
            g.read_retried = True
            _fresh_session()
            return super().dispatch_request()


def _fresh_session() -> None:
    """End the dead transaction; the session's next query takes a fresh connection. (The
    session stays: the signed-in user and what the page has loaded belong to it.)"""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def try_again(exc):
    """The database could not be reached or the change may not have been saved."""
    _fresh_session()
    if isinstance(exc, DBAPIError) and not (exc.connection_invalidated
                                            or "locked" in str(exc.orig).lower()):
        raise exc  # a bug, not the database's trouble: the 500 handler logs it
    log.warning("%s %s: %s", request.method, request.path, exc)
    if request.path.startswith("/api/"):
        from .api.problems import problem

        response = problem(503, "The database could not be reached, or the change may not "
                                "have been saved. Look at the record, then try again.")
        response.headers["Retry-After"] = "5"
        return response
    typed = [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token"] \
        if request.method == "POST" else []
    return render_template("errors/try_again.html", typed=typed, action=request.path,
                           saving=isinstance(exc, ConnectionLost)), 503


def init_app(app) -> None:
    app.register_error_handler(ConnectionLost, try_again)
    app.register_error_handler(DBAPIError, try_again)
