"""Administrators: which local authorities and police forces are "ours" (the
partnership every here / elsewhere / placed-by-another-authority decision is made
against)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine.child_record import SetPartnership
from engine.errors import InvalidInput
from engine.executor import run
from engine.models import Organisation, PartnershipOrganisation

from ..access import actor, role_required
from ..database import get_session
from . import bp


@bp.route("/admin/partnership", methods=["GET", "POST"])
@role_required("admin")
def partnership():
    session = get_session()
    orgs = session.scalars(select(Organisation).where(Organisation.kind.in_(
        ("local_authority", "police"))).order_by(Organisation.kind, Organisation.name)).all()
    chosen = {str(i) for i in session.scalars(select(PartnershipOrganisation.organisation_id))}
    errors = {}
    if request.method == "POST":
        chosen = set(request.form.getlist("organisation_ids"))
        try:
            run(session, SetPartnership([int(i) for i in chosen if i.isdigit()]), actor())
        except InvalidInput as exc:
            errors = {k: v[0] for k, v in exc.errors.items()}
        else:
            flash("The partnership is saved. Decisions taken from now on use it.", "success")
            return redirect(url_for("children.partnership"))
    return render_template("children/partnership.html", orgs=orgs, chosen=chosen,
                           errors=errors), (400 if errors else 200)
