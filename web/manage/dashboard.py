"""The managers' dashboard (R45): statutory deadlines per clock with a drill-down to the
cases, what is happening now, and the patterns; each figure as a chart, a table and a
CSV; and a printable report for council members and the partnership. Only the children
the viewer may see are counted (`visible_children`)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Response, abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from engine import assignment, clock, dashboard
from engine.dashboard import CLOCKS, OUTCOMES, PERIODS, Filters
from engine.models import Organisation

from ..access import record_search, role_required, visible_children
from ..database import get_session
from . import bp

# Team managers, service managers, and the partnership's managers in the police and the
# missing and exploited coordinator's team.
DASHBOARD_ROLES = ("team_manager", "service_manager", "police_supervisor", "police_inspector",
                   "metco")
TEAMS = [(k, n) for k, n in assignment.ROLES.items() if k not in ("process_owner", "admin")]


def _filters() -> tuple[Filters, dict]:
    period = request.args.get("period") or "12m"
    if period not in PERIODS:
        period = "12m"
    organisation = request.args.get("organisation", type=int)
    team = request.args.get("team") or None
    if team not in assignment.ROLES:
        team = None
    args = {"period": period}
    if organisation is not None:
        args["organisation"] = organisation
    if team:
        args["team"] = team
    return Filters(period, organisation, team), args


def _context(**extra):
    session = get_session()
    filters, args = _filters()
    start, end = filters.window(clock.now())
    return dict(
        filters=filters, args=args, periods=PERIODS, teams=TEAMS,
        organisations=session.execute(select(Organisation.id, Organisation.name).where(
            Organisation.kind == "local_authority").order_by(Organisation.name)).all(),
        window=(clock.london(start).date(), (clock.london(end) - dt.timedelta(days=1)).date()),
        now=clock.now(), **extra)


def _visible():
    """The ids of the children the manager may see, read once per request: the visibility
    query joins every case, so each figure filtering on it again would repeat that work."""
    from flask import g

    if "dashboard_visible" not in g:
        session = get_session()
        dashboard.tune_for_reports(session)
        g.dashboard_visible = dashboard.Visible(
            session.scalars(visible_children(current_user)).all(),
            session.get_bind().dialect.name)
    return g.dashboard_visible


@bp.route("/")
@role_required(*DASHBOARD_ROLES)
def dashboard_index():
    session = get_session()
    filters, _ = _filters()
    counts = dashboard.deadline_counts(session, filters, _visible())  # one statement
    return render_template(
        "manage/deadlines.html", tab="deadlines", outcomes=OUTCOMES,
        figure=dashboard.deadlines(session, filters, None, counts=counts),
        by_team=dashboard.deadlines_by(session, filters, None, "team", counts=counts),
        by_org=dashboard.deadlines_by(session, filters, None, "organisation", counts=counts),
        **_context())


@bp.route("/deadlines/<clock_name>/<outcome>")
@role_required(*DASHBOARD_ROLES)
def deadline_cases(clock_name, outcome):
    if outcome not in OUTCOMES:
        abort(404)
    filters, _ = _filters()
    rows = dashboard.deadline_cases(get_session(), filters, _visible(), clock_name, outcome)
    return render_template(
        "manage/deadline_cases.html", tab="deadlines", rows=rows,
        clock_label=CLOCKS.get(clock_name, clock_name.replace("_", " ").capitalize()),
        outcome_label=OUTCOMES[outcome], **_context())


@bp.route("/now")
@role_required(*DASHBOARD_ROLES)
def dashboard_now():
    session = get_session()
    filters, _ = _filters()
    missing = dashboard.missing_now(session, filters, _visible())
    escalations = dashboard.open_escalations(session, filters, _visible())
    # The lists name children: audited like a search that showed them.
    record_search(sorted({m.child_id for m in missing} | {e.child_id for e in escalations}),
                  via="dashboard")
    return render_template(
        "manage/now.html", tab="now", missing=missing,
        overdue=dashboard.overdue_work(session, filters, _visible()),
        escalations=escalations, **_context())


@bp.route("/patterns")
@role_required(*DASHBOARD_ROLES)
def dashboard_patterns():
    session = get_session()
    filters, _ = _filters()
    found = dashboard.patterns(session, filters, _visible(),
                               organisations=[current_user.organisation_id])
    return render_template("manage/patterns.html", tab="patterns", **found, **_context())


@bp.route("/report")
@role_required(*DASHBOARD_ROLES)
def printable_report():
    """For council members and the Safeguarding Children Partnership: it leaves the
    partnership, so counts from 1 to 4 are shown as "fewer than 5"."""
    session = get_session()
    filters, _ = _filters()
    found = dashboard.patterns(session, filters, _visible(),
                               organisations=[current_user.organisation_id])
    return render_template(
        "manage/report.html", deadlines=dashboard.deadlines(session, filters, _visible()),
        figures=found["figures"], show=dashboard.suppress, **_context())


def _figure(session, name, filters):
    visible = _visible()
    simple = {
        "deadlines": lambda: dashboard.deadlines(session, filters, visible),
        "deadlines-by-team": lambda: dashboard.deadlines_by(session, filters, visible, "team"),
        "deadlines-by-organisation": lambda: dashboard.deadlines_by(session, filters, visible,
                                                                    "organisation"),
        "overdue": lambda: dashboard.overdue_work(session, filters, visible),
    }
    if name in simple:
        return simple[name]()
    for figure in dashboard.patterns(session, filters, visible,
                                     organisations=[current_user.organisation_id])["figures"]:
        if figure.name == name:
            return figure
    abort(404)


@bp.route("/figures/<name>.csv")
@role_required(*DASHBOARD_ROLES)
def figure_csv(name):
    """One figure's table as CSV. `?report=1` gives the report's version, with counts
    under 5 shown as "fewer than 5"."""
    filters, args = _filters()
    figure = _figure(get_session(), name, filters)
    show = dashboard.suppress if request.args.get("report") else str
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([figure.title, *figure.columns])
    for row in figure.rows:
        writer.writerow([row.label, *(show(n) for n in row.counts)])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}-{filters.period}.csv"'})


def figure_csv_url(figure, args, report=False):
    extra = {"report": 1} if report else {}
    return url_for("manage.figure_csv", name=figure.name, **args, **extra)


@bp.record_once
def _globals(state):
    state.app.add_template_global(figure_csv_url, "figure_csv_url")
    state.app.add_template_global(dashboard.pct, "pct")
