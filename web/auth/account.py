"""One-time links: set a password from an invitation, reset a forgotten one."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from engine import clock
from engine.commands.accounts import RequestPasswordReset, SetPasswordWithToken, valid_token
from engine.commands.second_factor import needs_second_factor
from engine.errors import InvalidInput, NotFound
from engine.executor import SYSTEM, Actor, run

from ..database import get_session
from . import bp
from .routes import begin_second_factor

EXPIRED = ("This link has expired or has already been used. Ask for a new one below, or "
           "ask your administrator to invite you again.")


@bp.route("/account/password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    session = get_session()
    row = valid_token(session, token, clock.now())
    if row is None:
        flash(EXPIRED, "info")
        return redirect(url_for("auth.reset_password"))
    errors = {}
    if request.method == "POST":
        try:
            user = run(session, SetPasswordWithToken(token, request.form.get("password", ""),
                                                     request.form.get("confirm", "")),
                       Actor.for_user(row.user))
        except NotFound:
            flash(EXPIRED, "info")
            return redirect(url_for("auth.reset_password"))
        except InvalidInput as exc:
            errors = {"password": exc.errors["password"][0]}
        else:
            if (current_app.config["SECOND_FACTOR"] and needs_second_factor(user)
                    and user.totp_secret is None):
                # This browser holds the e-mailed link: it sets up the second factor now.
                begin_second_factor(user, url_for("inbox.index"), may_enrol=True)
                flash("Your password is set. Now set up your security codes.", "success")
                return redirect(url_for("auth.set_up_second_factor"))
            flash("Your password is set. Sign in with it now.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/set_password.html", errors=errors, user=row.user,
                           invited=row.purpose == "invite"), (400 if errors else 200)


@bp.route("/account/reset", methods=["GET", "POST"])
def reset_password():
    errors, sent = {}, False
    email = request.form.get("email", "").strip() if request.method == "POST" else ""
    if request.method == "POST":
        if not email:
            errors["email"] = "Enter your email address"
        else:
            run(get_session(), RequestPasswordReset(email), SYSTEM)
            sent = True
    return render_template("auth/reset_password.html", errors=errors, email=email,
                           sent=sent), (400 if errors else 200)
