"""Process pages for managers, from the projection tables; the case diagram, from one
case's state. Managers see only the cases `visible_cases` gives them."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, abort, jsonify, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from engine import assignment, clock, process_page, runtime, versions
from engine import case_diagram as positions
from engine.access import MANAGER_ROLES
from engine.errors import NotFound
from engine.models import Organisation, WorkItem
from engine.process_page import Filters

from .. import labels
from ..access import case_or_404, record_view, role_required, visible_cases
from ..database import get_session
from . import bp

MANAGERS = tuple(sorted(MANAGER_ROLES))
RISK_GRADES = ("high", "medium", "low")


def _latest_or_404(session, process_id):
    try:
        return runtime.latest_version(session, process_id)
    except NotFound:
        abort(404)


def _filters() -> tuple[Filters, dict]:
    """The page's filters from the query string; unknown values are ignored."""
    args = {}
    organisation = request.args.get("organisation", type=int)
    team = request.args.get("team") or None
    grade = request.args.get("risk_grade") or None
    if team not in assignment.ROLES:
        team = None
    if grade not in RISK_GRADES:
        grade = None
    for key, value in (("organisation", organisation), ("team", team), ("risk_grade", grade)):
        if value is not None:
            args[key] = value
    return Filters(organisation, team, grade), args


def _options(session):
    return {
        "organisations": session.execute(select(Organisation.id, Organisation.name)
                                         .order_by(Organisation.name)).all(),
        "teams": [(k, n) for k, n in assignment.ROLES.items()
                  if k not in ("process_owner", "admin")],
        "risk_grades": RISK_GRADES,
    }


def _counts(session, version, filters, args):
    process_id = version.process_id
    scopes = versions.scopes(session, version)
    counts = process_page.element_counts(session, scopes, clock.now(), filters,
                                         visible=visible_cases(current_user))
    calls = versions.call_activities(session, version)
    counts.update(process_page.call_activity_counts(session, calls, clock.now(), filters,
                                                    visible=visible_cases(current_user)))
    rows = sorted(counts.values(), key=lambda c: (-c.open, c.element_id))
    for row in rows:
        if row.element_id in calls:
            # a call activity's cases are on the diagram it calls
            row.url = url_for(".process", process_id=calls[row.element_id][0], **args)
        else:
            row.url = url_for(".element", process_id=process_id, element_id=row.element_id,
                              **args) if row.open else None
    return rows


@bp.route("/processes/")
@role_required(*MANAGERS)
def index():
    session = get_session()
    return render_template("diagrams/index.html", latest=versions.latest_versions(session))


@bp.route("/processes/<process_id>")
@role_required(*MANAGERS)
def process(process_id):
    session = get_session()
    version = _latest_or_404(session, process_id)
    filters, args = _filters()
    return render_template("diagrams/process.html", version=version, args=args,
                           options=_options(session), filters=filters,
                           counts_url=url_for(".counts", process_id=process_id, **args))


@bp.route("/processes/<process_id>/table")
@role_required(*MANAGERS)
def table(process_id):
    session = get_session()
    version = _latest_or_404(session, process_id)
    filters, args = _filters()
    return render_template("diagrams/table.html", version=version, args=args,
                           options=_options(session), filters=filters,
                           rows=_counts(session, version, filters, args))


@bp.route("/processes/<process_id>/counts.json")
@role_required(*MANAGERS)
def counts(process_id):
    session = get_session()
    version = _latest_or_404(session, process_id)
    filters, args = _filters()
    return jsonify(elements=[{**asdict(row), "url": row.url}
                             for row in _counts(session, version, filters, args)])


@bp.route("/processes/<process_id>/diagram.xml")
@role_required(*MANAGERS)
def process_xml(process_id):
    return Response(_latest_or_404(get_session(), process_id).xml,
                    mimetype="application/xml")


@bp.route("/processes/<process_id>/elements/<element_id>")
@role_required(*MANAGERS)
def element(process_id, element_id):
    session = get_session()
    version = _latest_or_404(session, process_id)
    filters, args = _filters()
    scopes = versions.scopes(session, version)
    rows = process_page.cases_at(session, scopes, element_id,
                                 clock.now(), filters, visible=visible_cases(current_user))
    # People see the step's name (the work items carry it), never its id.
    name = session.scalar(select(func.max(WorkItem.name)).where(
        WorkItem.process_id.in_(scopes), WorkItem.element_id == element_id))
    return render_template("diagrams/element.html", version=version, element_id=element_id,
                           element_name=name or "this step", rows=rows, args=args)


# --- the diagram on a case's page ------------------------------------------------------

def case_diagram(case, process_id: str | None = None) -> dict | None:
    """What the case page's viewer needs: markers, links and where to fetch the XML.
    The case page has already checked the user may see the case."""
    process_id = process_id or case.process_id
    found = positions.positions(get_session(), case, process_id)
    if found is None:
        return None
    links = {element: url_for("diagrams.case_process", case_id=case.id, process_id=called)
             for element, called in found.calls.items()}

    def named(ids):
        # People read element names, never ids. An event the case waits at is what it
        # waits for; gateways (routing) and unnamed elements say nothing to them.
        words = []
        for i in sorted(ids, key=lambda i: found.names.get(i, i)):
            kind = found.kinds.get(i)
            if kind == "step":
                words.append(found.names[i])
            elif kind == "event":
                words.append(f"Waiting for: {found.names[i]}")
        return words or ([labels.element_label(None)] if ids else [])

    return {
        "process_id": process_id,
        "title": found.process_name or labels.stage_label(process_id),
        "version": found.version.version,
        "xml_url": url_for("diagrams.case_xml", case_id=case.id, process_id=process_id),
        # element ids, for the viewer's markers only
        "completed": sorted(found.completed),
        "current": sorted(found.current),
        "overdue": sorted(found.overdue),
        "links": links,
        # the same in words, for the list beside the picture
        "current_names": named(found.current),
        "overdue_names": named(found.overdue),
        "completed_names": [found.names[i] for i in sorted(found.completed)
                            if found.kinds.get(i) == "step"],
        "called": [{"name": found.names.get(element) or labels.stage_label(called),
                    "url": links[element]} for element, called in sorted(found.calls.items())
                   if element in links],
    }


@bp.route("/cases/<int:case_id>/diagrams/<process_id>")
@role_required()
def case_process(case_id, process_id):
    """A diagram the case calls, with where this case is on it."""
    session = get_session()
    case = case_or_404(session, case_id)
    diagram = case_diagram(case, process_id)
    if diagram is None:
        abort(404)
    # The page is named for the case, and so names the child: a view of the child's data.
    record_view("case", case.id, case_id=case.id, child_id=case.child_id,
                page="case_diagram")
    return render_template("diagrams/case_process.html", case=case, diagram=diagram)


@bp.route("/cases/<int:case_id>/diagrams/<process_id>/diagram.xml")
@role_required()
def case_xml(case_id, process_id):
    session = get_session()
    case = case_or_404(session, case_id)
    version = positions.diagram_version(session, case, process_id)
    if version is None:
        abort(404)
    return Response(version.xml, mimetype="application/xml")
