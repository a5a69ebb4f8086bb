"""Single sign-on with an organisation's own OpenID Connect provider (Authlib).

Each organisation may have an issuer, a client id and secret, and the claim that carries
the e-mail address. The provider proves who someone is; it never decides what they may
do: the e-mail must belong to an active account an administrator invited into that
organisation, whose roles are ours. Nobody is created from the provider's word alone.
"""

from __future__ import annotations

import hashlib

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import abort, redirect, render_template, session, url_for
from sqlalchemy import func, select

from engine.commands.sign_in import Attempt, FinishSignIn
from engine.executor import SYSTEM, Actor, run
from engine.models import Organisation, User

from ..database import get_session
from . import bp
from .routes import _address, start_session

oauth = OAuth()
NOT_INVITED = ("Your organisation's sign-in worked, but there is no Safeguard Flow account "
               "for {email} at {org}. Ask your administrator to invite you.")


def init_app(app) -> None:
    oauth.init_app(app)


def _client(org: Organisation):
    # The name changes with the settings, so a changed secret or issuer takes effect at once.
    settings = f"{org.oidc_issuer}|{org.oidc_client_id}|{org.oidc_client_secret}"
    name = f"org{org.id}_{hashlib.sha256(settings.encode()).hexdigest()[:12]}"
    client = oauth.create_client(name)
    if client is None:
        oauth.register(
            name, client_id=org.oidc_client_id, client_secret=org.oidc_client_secret,
            server_metadata_url=f"{org.oidc_issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email", "code_challenge_method": "S256"})
        client = oauth.create_client(name)
    return client


def _sso_org(org_id=None, code=None) -> Organisation:
    query = select(Organisation).where(Organisation.oidc_issuer.is_not(None),
                                       Organisation.active.is_(True))
    query = query.where(Organisation.id == org_id) if org_id else query.where(
        Organisation.code == code)
    org = get_session().scalar(query)
    if org is None:
        abort(404)
    return org


@bp.route("/sign-in/sso/<code>")
def sso_start(code: str):
    org = _sso_org(code=code)
    session["sso_org"] = org.id
    return _client(org).authorize_redirect(url_for("auth.sso_callback", _external=True))


@bp.route("/auth/callback")
def sso_callback():
    if "sso_org" not in session:
        return redirect(url_for("auth.sign_in"))
    org = _sso_org(org_id=session["sso_org"])
    client = _client(org)
    try:
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if org.oidc_email_claim not in claims:
            claims.update(client.userinfo(token=token))
    except OAuthError as exc:
        return _refuse(org, "", f"Your organisation's sign-in did not complete: "
                                f"{exc.description or exc.error}")
    email = str(claims.get(org.oidc_email_claim) or "").strip()
    if not email or claims.get("email_verified") is False:
        return _refuse(org, email, "Your organisation's sign-in did not give a verified "
                                   "email address. Ask your administrator.")
    db = get_session()
    user = db.scalar(select(User).where(func.lower(User.email) == email.casefold(),
                                        User.organisation_id == org.id))
    if user is None or not user.active or user.is_service:
        return _refuse(org, email, NOT_INVITED.format(email=email, org=org.name))
    then = session.get("sso_next") or url_for("inbox.index")
    run(db, FinishSignIn(email, _address(), Attempt(False, []), user.id, step="sso"),
        Actor.for_user(user))
    start_session(user)
    return redirect(then)


def _refuse(org: Organisation, email: str, message: str):
    run(get_session(), FinishSignIn(email or f"sso:{org.code}", _address(), Attempt(False, []),
                                    None, step="sso"), SYSTEM)
    session.pop("sso_org", None)
    return render_template("auth/sign_in.html", errors={"email": message}, email=email,
                           sso=[org]), 403
