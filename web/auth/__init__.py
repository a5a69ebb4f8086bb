"""Signing in and out (flask-login), sessions that end after inactivity or when the user's
session generation moves on, and throttling."""

from __future__ import annotations

from flask import Blueprint, current_app, session
from flask_login import LoginManager, current_user, logout_user
from sqlalchemy.orm import joinedload

from engine import clock
from engine.models import User

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to see this page"
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str):
    from ..database import get_session

    # Its roles in the same statement: every signed-in request reads them.
    user = get_session().get(User, int(user_id), options=[joinedload(User.roles)])
    if user is None or not user.active or user.is_service:
        return None
    # A session signed in before the user's last sign-out, deactivation, password or role
    # change carries an older generation: it has ended, wherever its cookie is.
    if session.get("generation") != user.session_generation:
        return None
    return user


def init_app(app) -> None:
    login_manager.init_app(app)
    sso.init_app(app)

    @app.before_request
    def end_idle_sessions():
        """Sign out whoever has been idle too long. Read on our clock, so tests can move it."""
        if not current_user.is_authenticated:
            return
        now = clock.now().timestamp()
        last_seen = session.get("seen")
        limit = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
        if last_seen is not None and now - last_seen > limit:
            logout_user()
            session.clear()
            session["expired"] = True
            return
        session["seen"] = now


from . import account, routes, sso  # noqa: E402,F401
