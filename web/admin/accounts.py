"""Administrators manage organisations (with their single sign-on settings), people
(invite, roles and team, deactivate) and API keys. Every change is an engine command,
audited; the pages only read and render."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import clock
from engine.access import ADMIN_ROLES
from engine.assignment import ROLES
from engine.commands.accounts import (
    ORGANISATION_KINDS,
    ChangeUser,
    InviteUser,
    SaveOrganisation,
    SetUserActive,
)
from engine.commands.api_keys import CreateApiKey, RevokeApiKey
from engine.commands.audit_check import check_audit_trail
from engine.errors import InvalidInput, NotFound
from engine.executor import run
from engine.models import ApiKey, AuditCheck, Organisation, User

from ..access import actor, role_required
from ..database import get_session
from . import bp


def _errors(exc: InvalidInput) -> dict[str, str]:
    return {k: v[0] for k, v in exc.errors.items()}


def _organisations():
    return get_session().scalars(select(Organisation).order_by(Organisation.name)).all()


def role_items(chosen) -> list[dict]:
    """GOV.UK checkbox items for every role, ticked where `chosen`."""
    return [{"value": key, "text": name, "checked": key in chosen}
            for key, name in ROLES.items()]


def org_items(chosen) -> list[dict]:
    items = [{"value": "", "text": "Choose an organisation"}]
    return items + [{"value": str(o.id), "text": o.name, "selected": str(o.id) == str(chosen)}
                    for o in _organisations()]


def kind_items(chosen) -> list[dict]:
    items = [{"value": "", "text": "Choose a kind"}]
    return items + [{"value": k, "text": n, "selected": k == chosen}
                    for k, n in ORGANISATION_KINDS.items()]


@bp.app_context_processor
def _form_helpers():
    return {"role_items": role_items, "org_items": org_items, "kind_items": kind_items}


@bp.route("/organisations", methods=["GET", "POST"])
@role_required(*ADMIN_ROLES)
def organisations():
    form, errors = request.form, {}
    if request.method == "POST":
        try:
            org = run(get_session(), SaveOrganisation(
                form.get("code", ""), form.get("name", ""), form.get("kind", "")), actor())
        except InvalidInput as exc:
            errors = _errors(exc)
        else:
            flash(f"{org.name} is added.", "success")
            return redirect(url_for("admin.organisations"))
    return render_template("admin/organisations.html", organisations=_organisations(),
                           kinds=ORGANISATION_KINDS, form=form, errors=errors), (
        400 if errors else 200)


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
@role_required(*ADMIN_ROLES)
def organisation(org_id: int):
    org = get_session().get(Organisation, org_id) or abort(404)
    form, errors = (request.form if request.method == "POST" else {}), {}
    if request.method == "POST":
        try:
            run(get_session(), SaveOrganisation(
                form.get("code", ""), form.get("name", ""), form.get("kind", ""), org.id,
                oidc_issuer=form.get("oidc_issuer", "").strip() or None,
                oidc_client_id=form.get("oidc_client_id", "").strip() or None,
                oidc_client_secret=form.get("oidc_client_secret", "") or None,
                oidc_email_claim=form.get("oidc_email_claim", "").strip() or "email"),
                actor())
        except InvalidInput as exc:
            errors = _errors(exc)
        else:
            flash(f"{form.get('name')} is saved.", "success")
            return redirect(url_for("admin.organisations"))
    return render_template("admin/organisation.html", org=org, kinds=ORGANISATION_KINDS,
                           form=form, errors=errors), (400 if errors else 200)


@bp.route("/users")
@role_required(*ADMIN_ROLES)
def users():
    people = get_session().scalars(select(User).where(User.is_service.is_(False))
                                   .order_by(User.name)).all()
    return render_template("admin/users.html", people=people, roles=ROLES)


@bp.route("/users/invite", methods=["GET", "POST"])
@role_required(*ADMIN_ROLES)
def invite():
    form, errors = request.form, {}
    if request.method == "POST":
        try:
            user = run(get_session(), InviteUser(
                form.get("email", ""), form.get("name", ""),
                form.get("organisation_id", type=int) or 0, form.getlist("roles"),
                form.get("team")), actor())
        except InvalidInput as exc:
            errors = _errors(exc)
        else:
            flash(f"{user.name} is invited. The email with their link goes out within a "
                  "minute; the link works once, for 7 days.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/invite.html", form=form, errors=errors, roles=ROLES,
                           organisations=_organisations()), (400 if errors else 200)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required(*ADMIN_ROLES)
def user(user_id: int):
    person = get_session().get(User, user_id)
    if person is None or person.is_service:
        abort(404)
    errors = {}
    if request.method == "POST":
        form = request.form
        try:
            if form.get("action") in ("deactivate", "reactivate"):
                run(get_session(), SetUserActive(person.id, form["action"] == "reactivate"),
                    actor())
                flash(f"{person.name} is {form['action']}d."
                      + (" Their sessions have ended." if form["action"] == "deactivate"
                         else ""), "success")
            else:
                run(get_session(), ChangeUser(person.id, form.getlist("roles"),
                                              form.get("team"),
                                              form.get("organisation_id", type=int)), actor())
                flash(f"{person.name}'s account is saved. They sign in again to use the "
                      "new roles.", "success")
        except InvalidInput as exc:
            errors = _errors(exc)
        else:
            return redirect(url_for("admin.user", user_id=person.id))
    return render_template("admin/user.html", person=person, roles=ROLES, errors=errors,
                           organisations=_organisations()), (400 if errors else 200)


@bp.route("/api-keys", methods=["GET", "POST"])
@role_required(*ADMIN_ROLES)
def api_keys():
    form, errors, plain = request.form, {}, None
    if request.method == "POST":
        expires = None
        if form.get("expires"):
            try:
                expires = dt.datetime.fromisoformat(form["expires"]).replace(tzinfo=dt.UTC)
            except ValueError:
                errors["expires"] = "Enter the expiry date as YYYY-MM-DD"
        if not errors:
            try:
                _, plain = run(get_session(), CreateApiKey(
                    form.get("organisation_id", type=int) or 0, form.getlist("roles"),
                    form.get("name", ""), expires), actor())
            except InvalidInput as exc:
                errors = _errors(exc)
    keys = get_session().scalars(select(ApiKey).order_by(ApiKey.id.desc())).all()
    return render_template("admin/api_keys.html", keys=keys, plain=plain, form=form,
                           errors=errors, roles=ROLES, organisations=_organisations(),
                           now=clock.now()), (400 if errors else 200)


@bp.route("/api-keys/<int:key_id>/revoke", methods=["POST"])
@role_required(*ADMIN_ROLES)
def revoke_api_key(key_id: int):
    try:
        key = run(get_session(), RevokeApiKey(key_id=key_id), actor())
    except NotFound:
        abort(404)
    flash(f"The key for {key.name} is revoked: it is refused from now on.", "success")
    return redirect(url_for("admin.api_keys"))


@bp.route("/audit", methods=["GET", "POST"])
@role_required(*ADMIN_ROLES)
def audit_trail():
    session = get_session()
    if request.method == "POST":
        check = check_audit_trail(session, actor=actor())
        flash("The audit trail is whole." if check.ok else
              f"The audit trail is not whole: {check.message}",
              "success" if check.ok else "error")
        return redirect(url_for("admin.audit_trail"))
    checks = session.scalars(select(AuditCheck).order_by(AuditCheck.at.desc()).limit(30)).all()
    return render_template("admin/audit.html", checks=checks)
