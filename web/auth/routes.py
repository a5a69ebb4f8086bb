from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from engine import audit
from engine.executor import Actor
from engine.models import User

from ..database import get_session, transaction
from . import bp, throttle

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
    if throttle.is_locked(db, email, address):
        return {"email": LOCKED}
    user = db.scalar(select(User).where(func.lower(User.email) == email.casefold()))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    ok = ok and user is not None and user.active
    with transaction() as db:
        if not ok:
            throttle.record_failure(db, email, address)
        else:
            throttle.clear_account(db, email)
            audit.record(db, Actor.for_user(user), "user.signed_in", "user", user.id)
    if not ok:
        return {"email": FAILED}
    session.clear()
    login_user(user)
    return {}


def _next_url() -> str:
    target = request.args.get("next", "")
    # Only a path on this site: never an absolute or scheme-relative URL.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("inbox.index")


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    if current_user.is_authenticated:
        with transaction() as db:
            audit.record(db, Actor.for_user(current_user), "user.signed_out", "user",
                         current_user.id)
        logout_user()
    session.clear()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))
