"""Signing in with a password and, for accounts that can see child data, a second factor;
signing out. Every attempt goes through the throttle (`engine.commands.sign_in`)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from engine import clock
from engine.commands.second_factor import (
    CheckSecondFactor,
    EnrolTotp,
    needs_second_factor,
    new_secret,
    provisioning_uri,
)
from engine.commands.sign_in import BeginSignIn, EndSessions, FinishSignIn
from engine.errors import InvalidInput
from engine.executor import SYSTEM, Actor, run
from engine.models import Organisation, User

from ..database import get_session
from . import bp

FAILED = "Enter a correct email address and password"
LOCKED = "Too many attempts to sign in. Wait 15 minutes, then try again"
WRONG_CODE = "Enter the code your authenticator app shows now, or a recovery code"
PENDING_SECONDS = 300  # the second factor must follow the password within 5 minutes

# Compared against when the email is unknown, so a wrong email takes as long as a wrong
# password and timing does not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not anyone's password")


def _address() -> str:
    return request.remote_addr or "unknown"


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
            errors, then = _authenticate(email, password)
            if not errors:
                return redirect(then)
    sso = get_session().scalars(select(Organisation).where(
        Organisation.oidc_issuer.is_not(None), Organisation.active.is_(True))
        .order_by(Organisation.name)).all()
    return render_template("auth/sign_in.html", errors=errors, email=email, sso=sso), (
        429 if errors.get("email") == LOCKED else 400 if errors else 200)


def _authenticate(email: str, password: str) -> tuple[dict[str, str], str]:
    db = get_session()
    attempt = run(db, BeginSignIn(email, _address()), SYSTEM)
    if attempt.locked:
        return {"email": LOCKED}, ""
    user = db.scalar(select(User).where(func.lower(User.email) == email.casefold()))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    ok = ok and user is not None and user.active and not user.is_service
    second = ok and current_app.config["SECOND_FACTOR"] and needs_second_factor(user)
    run(db, FinishSignIn(email, _address(), attempt, user.id if ok else None,
                         complete=not second), Actor.for_user(user) if ok else SYSTEM)
    if not ok:
        return {"email": FAILED}, ""
    if second:
        begin_second_factor(user, _next_url())
        return {}, url_for("auth.second_factor" if user.totp_secret
                           else "auth.set_up_second_factor")
    start_session(user)
    return {}, _next_url()


def begin_second_factor(user: User, then: str, *, may_enrol: bool = False) -> None:
    """The password is given; the second factor is to follow in this browser. Only a
    browser that has just used the account's one-time link (from the invitation or a reset
    e-mail) may enrol a factor: a password alone, which someone else may have learnt, never
    can."""
    session.clear()
    session["pending"] = {"user": user.id, "generation": user.session_generation,
                          "at": clock.now().timestamp(), "next": then, "enrol": may_enrol}


def start_session(user: User) -> None:
    """A fresh session for `user`, bound to their current session generation."""
    session.clear()
    login_user(user)
    session["generation"] = user.session_generation


def _pending_user() -> User | None:
    """The user who has given their password and not yet their second factor."""
    pending = session.get("pending")
    if not pending or clock.now().timestamp() - pending["at"] > PENDING_SECONDS:
        return None
    user = get_session().get(User, pending["user"])
    if user is None or not user.active or user.session_generation != pending["generation"]:
        return None
    return user


@bp.route("/sign-in/second-factor", methods=["GET", "POST"])
def second_factor():
    user = _pending_user()
    if user is None or user.totp_secret is None:
        return redirect(url_for("auth.sign_in"))
    errors = {}
    if request.method == "POST":
        code = request.form.get("code", "").strip()
        db = get_session()
        attempt = run(db, BeginSignIn(user.email, _address()), SYSTEM)
        if attempt.locked:
            errors["code"] = LOCKED
        elif code and run(db, CheckSecondFactor(user.id, code), Actor.for_user(user)):
            run(db, FinishSignIn(user.email, _address(), attempt, user.id,
                                 step="second_factor"), Actor.for_user(user))
            then = session["pending"]["next"]
            start_session(user)
            return redirect(then)
        else:
            run(db, FinishSignIn(user.email, _address(), attempt, None,
                                 step="second_factor"), SYSTEM)
            errors["code"] = WRONG_CODE
    return render_template("auth/second_factor.html", errors=errors), (
        429 if errors.get("code") == LOCKED else 400 if errors else 200)


@bp.route("/sign-in/set-up-second-factor", methods=["GET", "POST"])
def set_up_second_factor():
    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    if user.totp_secret is not None:  # enrolled already: a password alone cannot re-enrol
        return redirect(url_for("auth.second_factor"))
    pending = session["pending"]
    if not pending.get("enrol"):
        return render_template("auth/finish_from_link.html", email=user.email), 403
    if "secret" not in pending:
        pending["secret"] = new_secret()
        session.modified = True
    errors = {}
    if request.method == "POST":
        try:
            codes = run(get_session(), EnrolTotp(user.id, pending["secret"],
                                                 request.form.get("code", "")),
                        Actor.for_user(user))
        except InvalidInput as exc:
            errors = {k: v[0] for k, v in exc.errors.items()}
        else:
            run(get_session(), FinishSignIn(user.email, _address(), _no_attempt(), user.id,
                                            step="second_factor_enrolled"),
                Actor.for_user(user))
            then = pending["next"]
            start_session(user)
            return render_template("auth/recovery_codes.html", codes=codes, then=then)
    return render_template("auth/set_up_second_factor.html", errors=errors,
                           secret=pending["secret"],
                           uri=provisioning_uri(pending["secret"], user.email)), (
        400 if errors else 200)


def _no_attempt():
    from engine.commands.sign_in import Attempt

    return Attempt(False, [])


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
