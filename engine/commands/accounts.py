"""Organisations and people: administrators invite, set roles and teams, deactivate; people
set and reset their passwords through one-time links sent by e-mail (the notification
outbox, so the worker's SMTP sender delivers them). Every change is audited, and every
change to who someone is (password, roles, organisation, deactivation) ends their
sessions at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from .. import audit
from ..access import ADMIN_ROLES
from ..assignment import ROLES
from ..errors import InvalidInput, NotFound, NotPermitted
from ..models import AccountToken, Notification, Organisation, User, UserRole
from .sign_in import end_sessions

ORGANISATION_KINDS = {
    "local_authority": "Local authority",
    "police": "Police force",
    "health": "Health",
    "provider": "Provider or children's home",
    "home_office": "Home Office",
    "education": "Education",
    "voluntary": "Voluntary organisation",
}
INVITE_LIFETIME = dt.timedelta(days=7)
RESET_LIFETIME = dt.timedelta(hours=1)
MIN_PASSWORD = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _admin(ctx) -> None:
    if not (ctx.actor.is_system or ctx.actor.roles & ADMIN_ROLES):
        raise NotPermitted("only administrators manage organisations and accounts")


def _unusable_password() -> str:
    # nobody knows it: the account signs in only after its owner sets a password
    return generate_password_hash(secrets.token_urlsafe(32))


@dataclass
class SaveOrganisation:
    """Add an organisation (no `organisation_id`) or change one."""

    code: str
    name: str
    kind: str
    organisation_id: int | None = None
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_email_claim: str = "email"

    def __call__(self, ctx) -> Organisation:
        _admin(ctx)
        errors = {}
        code = self.code.strip().casefold()
        if not _CODE.match(code):
            errors["code"] = ["Enter a short code of lower-case letters, digits and hyphens"]
        if not self.name.strip():
            errors["name"] = ["Enter the organisation's name"]
        if self.kind not in ORGANISATION_KINDS:
            errors["kind"] = ["Choose what kind of organisation it is"]
        if self.oidc_issuer and not self.oidc_issuer.startswith(("https://", "http://")):
            errors["oidc_issuer"] = ["Enter the issuer as a URL"]
        if self.oidc_issuer and not self.oidc_client_id:
            errors["oidc_client_id"] = ["Enter the client id the identity provider gave"]
        clash = ctx.session.scalar(select(Organisation).where(Organisation.code == code))
        if clash is not None and clash.id != self.organisation_id:
            errors["code"] = ["Another organisation has this code"]
        if errors:
            raise InvalidInput("the organisation cannot be saved", errors)
        if self.organisation_id is None:
            org = Organisation(code=code, name=self.name.strip(), kind=self.kind)
            ctx.session.add(org)
            action = "organisation.created"
        else:
            org = ctx.session.get(Organisation, self.organisation_id)
            if org is None:
                raise NotFound(f"there is no organisation {self.organisation_id}")
            org.code, org.name, org.kind = code, self.name.strip(), self.kind
            action = "organisation.changed"
        org.oidc_issuer = (self.oidc_issuer or "").rstrip("/") or None
        org.oidc_client_id = self.oidc_client_id or None
        if self.oidc_client_secret:  # blank on a change keeps the secret
            org.oidc_client_secret = self.oidc_client_secret
        org.oidc_email_claim = self.oidc_email_claim or "email"
        ctx.session.flush()
        audit.record(ctx.session, ctx.actor, action, "organisation", org.id,
                     detail={"code": org.code, "name": org.name, "kind": org.kind,
                             "sso": bool(org.oidc_issuer)})
        return org


def _check_roles(roles: list[str], errors: dict) -> None:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        errors["roles"] = [f"Unknown role {', '.join(unknown)}"]
    elif not roles:
        errors["roles"] = ["Choose at least one role"]


def _issue_token(ctx, user: User, purpose: str, lifetime: dt.timedelta, subject: str) -> str:
    """A one-time link for `user`, e-mailed through the outbox. Earlier unused links of the
    same purpose stop working."""
    for old in ctx.session.scalars(select(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None))):
        old.used_at = ctx.now
    token = secrets.token_urlsafe(32)
    ctx.session.add(AccountToken(user_id=user.id, purpose=purpose,
                                 token_hash=token_digest(token), created_at=ctx.now,
                                 expires_at=ctx.now + lifetime))
    ctx.session.add(Notification(user_id=user.id, kind="account", case_id=None,
                                 link=f"/account/password/{token}", subject=subject,
                                 created_at=ctx.now, email_next_at=ctx.now))
    return token


@dataclass
class InviteUser:
    email: str
    name: str
    organisation_id: int
    roles: list[str]
    team: str | None = None
    token: str = field(default="", init=False)

    def __call__(self, ctx) -> User:
        _admin(ctx)
        errors = {}
        email = self.email.strip()
        if not _EMAIL.match(email):
            errors["email"] = ["Enter an email address in the correct format, like "
                               "name@example.org"]
        elif ctx.session.scalar(select(User).where(func.lower(User.email) == email.casefold())):
            errors["email"] = ["Someone already has an account with this email address"]
        if not self.name.strip():
            errors["name"] = ["Enter the person's name"]
        if ctx.session.get(Organisation, self.organisation_id) is None:
            errors["organisation_id"] = ["Choose an organisation"]
        _check_roles(self.roles, errors)
        if errors:
            raise InvalidInput("the invitation cannot be sent", errors)
        user = User(email=email, name=self.name.strip(), password_hash=_unusable_password(),
                    organisation_id=self.organisation_id, team=(self.team or "").strip() or None,
                    roles=[UserRole(role=r) for r in sorted(set(self.roles))])
        ctx.session.add(user)
        ctx.session.flush()
        self.token = _issue_token(ctx, user, "invite", INVITE_LIFETIME,
                                  "You are invited to Safeguard Flow: set your password")
        audit.record(ctx.session, ctx.actor, "user.invited", "user", user.id,
                     detail={"email": email, "organisation_id": self.organisation_id,
                             "roles": sorted(set(self.roles)), "team": user.team})
        return user


@dataclass
class RequestPasswordReset:
    """Send a reset link if an active account has this e-mail; say nothing either way (the
    page answers the same, so it does not reveal who has an account)."""

    email: str
    token: str | None = field(default=None, init=False)

    def __call__(self, ctx) -> None:
        user = ctx.session.scalar(select(User).where(
            func.lower(User.email) == self.email.strip().casefold()))
        if user is None or not user.active or user.is_service:
            return
        self.token = _issue_token(ctx, user, "reset", RESET_LIFETIME,
                                  "Reset your Safeguard Flow password")
        audit.record(ctx.session, ctx.actor, "user.password_reset_requested", "user", user.id)


def valid_token(session, token: str, now) -> AccountToken | None:
    row = session.scalar(select(AccountToken).where(
        AccountToken.token_hash == token_digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    if not row.user.active:
        return None
    return row


def password_problems(password: str, user: User) -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"Password must be {MIN_PASSWORD} characters or more")
    if password.casefold() in (user.email.casefold(), user.name.casefold()):
        problems.append("Password must not be your name or email address")
    return problems


@dataclass
class SetPasswordWithToken:
    token: str
    password: str
    confirm: str

    def __call__(self, ctx) -> User:
        row = valid_token(ctx.session, self.token, ctx.now)
        if row is None:
            raise NotFound("this link has expired or has been used")
        user = row.user
        problems = password_problems(self.password, user)
        if self.password != self.confirm:
            problems.append("Passwords must match")
        if problems:
            raise InvalidInput("the password cannot be set", {"password": problems})
        row.used_at = ctx.now
        user.password_hash = generate_password_hash(self.password)
        user.password_set_at = ctx.now
        end_sessions(ctx, user, "password_changed")
        audit.record(ctx.session, ctx.actor, "user.password_set", "user", user.id,
                     detail={"via": row.purpose})
        return user


@dataclass
class ChangeUser:
    """An administrator changes someone's roles, team or organisation. Ends their
    sessions: what they may see has changed."""

    user_id: int
    roles: list[str]
    team: str | None = None
    organisation_id: int | None = None

    def __call__(self, ctx) -> User:
        _admin(ctx)
        user = ctx.session.get(User, self.user_id, with_for_update={"of": User})
        if user is None or user.is_service:
            raise NotFound(f"there is no account {self.user_id}")
        errors = {}
        _check_roles(self.roles, errors)
        org_id = self.organisation_id or user.organisation_id
        if ctx.session.get(Organisation, org_id) is None:
            errors["organisation_id"] = ["Choose an organisation"]
        if errors:
            raise InvalidInput("the account cannot be changed", errors)
        before = {"roles": sorted(user.role_keys), "team": user.team,
                  "organisation_id": user.organisation_id}
        user.roles = [UserRole(role=r) for r in sorted(set(self.roles))]
        user.team = (self.team or "").strip() or None
        user.organisation_id = org_id
        ctx.session.flush()
        after = {"roles": sorted(set(self.roles)), "team": user.team,
                 "organisation_id": org_id}
        if after != before:
            end_sessions(ctx, user, "roles_changed")
            audit.record(ctx.session, ctx.actor, "user.changed", "user", user.id,
                         detail={"before": before, "after": after})
        return user


@dataclass
class SetUserActive:
    user_id: int
    active: bool

    def __call__(self, ctx) -> User:
        _admin(ctx)
        user = ctx.session.get(User, self.user_id, with_for_update={"of": User})
        if user is None or user.is_service:
            raise NotFound(f"there is no account {self.user_id}")
        if user.id == ctx.actor.user_id and not self.active:
            raise InvalidInput("you cannot deactivate yourself",
                               {"active": ["Ask another administrator to do it"]})
        if user.active != self.active:
            user.active = self.active
            if not self.active:
                end_sessions(ctx, user, "deactivated")
            audit.record(ctx.session, ctx.actor,
                         "user.reactivated" if self.active else "user.deactivated",
                         "user", user.id)
        return user
