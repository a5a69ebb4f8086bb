"""Administrators load their authority's looked-after children from the SSDA903 Header
and Episodes tables the council's case management system writes: the same command as
`safeguard children import`. A file that is not the table is refused whole, with nothing
stored; otherwise every row not taken is listed with its file, row and reason."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from engine import child_import_tables as tables
from engine import clock
from engine.access import ADMIN_ROLES
from engine.child_import import ImportChildren
from engine.errors import InvalidInput, NotPermitted
from engine.executor import run

from ..access import actor, role_required
from ..database import get_session
from . import bp

# A large authority's two tables are a few megabytes; refuse anything far beyond that.
MAX_BYTES = 20 * 1024 * 1024
FILES = {"header": "Header", "episodes": "Episodes"}


@bp.route("/children-import", methods=["GET", "POST"])
@role_required(*ADMIN_ROLES)
def children_import():
    authority = current_user.organisation
    is_council = authority is not None and authority.kind == "local_authority"
    errors: dict[str, str] = {}
    report = None
    if request.method == "POST" and is_council:
        texts = {}
        if (request.content_length or 0) > MAX_BYTES:
            errors["header"] = "The files are too large: send at most 20 MB"
        else:
            for field, table in FILES.items():
                upload = request.files.get(field)
                if upload is None or not upload.filename:
                    errors[field] = f"Choose the {table} file (a CSV file)"
                    continue
                try:
                    texts[field] = tables.decode(upload.read(), table)
                except tables.TableError as exc:
                    errors[field] = str(exc)
        if not errors:
            try:
                read = tables.read(texts["header"], texts["episodes"],
                                   clock.london(clock.now()).date())
            except tables.TableError as exc:
                errors["episodes" if exc.table == "Episodes" else "header"] = str(exc)
        if not errors:
            names = ", ".join(request.files[f].filename for f in FILES)
            try:
                report = run(get_session(), ImportChildren(authority.id, read, names),
                             actor())
            except (InvalidInput, NotPermitted) as exc:
                errors["header"] = str(exc)
    return render_template("admin/children_import.html", errors=errors, report=report,
                           authority=authority, is_council=is_council,
                           error_order=list(FILES)), (400 if errors else 200)
