from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from engine.commands.sign_in import BeginSignIn, EndSessions, FinishSignIn
from engine.executor import SYSTEM, Actor, run
from engine.models import User

from ..database import get_session
from . import bp

FAILED = "Enter a correct email address and password"
LOCKED = "Too many attempts to sign in. Wait 15 minutes, then try again"

# Compared against when the email is unknown, so a wrong email takes as long as a wrong
# password and timing does not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not anyone's password")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    errors: dict[str, str] = {}
    email = ""
    if session.pop("expired", False):
        flash("You were signed out because you had not done anything for 30 minutes", "info")
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        if not email:
            errors["email"] = "Enter your email address"
        if not password:
            errors["password"] = "Enter your password"  # noqa: S105 (a message)
        if not errors:
            errors = _authenticate(email, password)
            if not errors:
                return redirect(_next_url())
    return render_template("auth/sign_in.html", errors=errors, email=email), (
        429 if errors.get("email") == LOCKED else 400 if errors else 200)


def _authenticate(email: str, password: str) -> dict[str, str]:
    db = get_session()
    address = request.remote_addr or "unknown"
    attempt = run(db, BeginSignIn(email, address), SYSTEM)
    if attempt.locked:
        return {"email": LOCKED}
    user = db.scalar(select(User).where(func.lower(User.email) == email.casefold()))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    ok = ok and user is not None and user.active and not user.is_service
    run(db, FinishSignIn(email, address, attempt, user.id if ok else None),
        Actor.for_user(user) if ok else SYSTEM)
    if not ok:
        return {"email": FAILED}
    start_session(user)
    return {}


def start_session(user: User) -> None:
    """A fresh session for `user`, bound to their current session generation."""
    session.clear()
    login_user(user)
    session["generation"] = user.session_generation


def _next_url() -> str:
    target = request.args.get("next", "")
    # Only a path on this site: never an absolute or scheme-relative URL.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("inbox.index")


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    if current_user.is_authenticated:
        # Ends this session and every other session of the user (other devices, copies).
        run(get_session(), EndSessions(current_user.id, "signed_out"),
            Actor.for_user(current_user))
        logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))
