"""The DfE SSDA903 return's page (R46): the tables as CSV downloads and every problem to
put right before submission, from the record and from the DfE's own validator."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path

from flask import Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from engine import clock
from engine.errors import NotFound, NotPermitted
from engine.executor import run
from engine.models import Child
from engine.returns import source, ssda903, validator
from engine.returns.commands import (
    RETURN_ROLES,
    BuildAnnexA,
    BuildReturn903,
    RecordReturnCheck,
)

from ..access import actor, role_required, visible_children
from ..database import get_session
from ..returns_cli import la_code
from . import bp

TABLE_NAMES = {"Header": "Child details", "Episodes": "Periods of care",
               "Missing": "Missing and away episodes"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = {"header": "Header", "episodes": "Episodes", "missing": "Missing"}


def latest_complete_year(today: dt.date | None = None) -> int:
    """The newest collection year that has ended: in December 2026, 2025-26 ("2026")."""
    today = today or clock.london(clock.now()).date()
    return today.year if today.month >= 4 else today.year - 1


def _year() -> int:
    latest = latest_complete_year() + 1  # the year in progress can be looked at too
    year = request.args.get("year", type=int) or latest - 1
    if not 2015 <= year <= latest:
        abort(404)
    return year


def _build(year: int, purpose: str) -> ssda903.Return903:
    try:
        return run(get_session(), BuildReturn903(year, current_user.organisation_id, purpose),
                   actor())
    except (NotFound, NotPermitted):
        abort(403)


@bp.route("/returns/903")
@role_required(*RETURN_ROLES)
def return_903():
    year = _year()
    result = _build(year, "viewed")
    session = get_session()
    findings, unavailable, failed = [], None, []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            checked = validator.validate(result.write(Path(tmp)), year, la_code())
            findings, failed = checked.findings, checked.failed_rules
            run(session, RecordReturnCheck(year, current_user.organisation_id, len(findings),
                                           len(result.problems),
                                           len({f.child for f in findings})), actor())
        except validator.ValidatorUnavailable as error:
            unavailable = str(error)
    links = _child_links(session, {f.child for f in findings} | {p.child for p in result.problems})
    years = list(range(latest_complete_year() + 1, latest_complete_year() - 4, -1))
    return render_template(
        "manage/return_903.html", year=year, years=years, result=result, findings=findings,
        unavailable=unavailable, failed=failed, links=links, table_names=TABLE_NAMES,
        by_rule=Counter((f.rule, f.message) for f in findings).most_common(),
        period=ssda903.collection_year(year))


def _child_links(session, idents: set[str]) -> dict[str, int]:
    """{903 child id: our child id} for the children the user may open."""
    if not idents:
        return {}
    ours = {int(i) for i in idents if i.isdigit()}
    column = getattr(Child, "la_child_id", None)
    query = select(Child).where(Child.id.in_(visible_children(current_user)))
    if column is not None:
        query = query.where(Child.id.in_(ours) | column.in_(idents))
    else:
        query = query.where(Child.id.in_(ours))
    return {source.child_id(c): c.id for c in get_session().scalars(query)
            if source.child_id(c) in idents}


@bp.route("/returns/903/<int:year>/<name>.csv")
@role_required(*RETURN_ROLES)
def return_903_csv(year, name):
    if name not in FILES or not 2015 <= year <= latest_complete_year() + 1:
        abort(404)
    result = _build(year, "downloaded")
    return Response(result.csv_text(FILES[name]), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="ssda903-{year}-{name}.csv"'})


@bp.route("/returns/annex-a.xlsx")
@role_required(*RETURN_ROLES)
def annex_a_xlsx():
    today = clock.london(clock.now()).date()
    try:
        data = run(get_session(), BuildAnnexA(current_user.organisation_id, today), actor())
    except (NotFound, NotPermitted):
        abort(403)
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="annex-a-list-8-{today:%Y-%m-%d}.xlsx"'})
