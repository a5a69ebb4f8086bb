"""Report a missing child: find or add the child, then the minimum report (R1, R3, R4).
Also: report that a child has been found (R20)."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask import session as session_store
from flask_login import current_user
from sqlalchemy import select

from engine import child_search, clock
from engine.access import FOUND_ROLES, REPORT_ROLES
from engine.child_record import ETHNIC_CODES
from engine.child_record import LEGAL_STATUSES as LEGAL_STATUS_WORDS
from engine.commands import CreateChild, ReportEpisode, ReportFound
from engine.commands.create_child import FLAGS
from engine.commands.deliver_message import FOUND_BY, FOUND_WHERE
from engine.commands.report_episode import (
    EpisodeAlreadyOpen,
    latest_safety_plan,
    open_episode,
)
from engine.errors import Conflict, InvalidInput
from engine.executor import run
from engine.models import Case, Child, Episode, Organisation

from .. import formfields
from ..access import (
    actor,
    can_see_child,
    child_or_404,
    record_search,
    record_view,
    refused,
    role_required,
    visible_children,
)
from ..database import get_session
from ..templating import london
from . import bp

FORM_KEY = "missing_report"
SEARCH_LIMIT = 20


@bp.route("/report", methods=["GET", "POST"])
@role_required(*REPORT_ROLES)
def find_child():
    """Search by name among the children the user may see; anyone who may report can also
    find a child by exact last name and date of birth, without browsing others. The search
    is a POST so that names and dates of birth never appear in URLs or server logs."""
    session = get_session()
    form = request.form
    name = form.get("name", "").strip()
    dob = _date(form.get("dob-day"), form.get("dob-month"), form.get("dob-year"))
    results = None
    query = child_search.parse(name, dob, "name")
    if not query.empty:
        results = child_search.find(session, current_user, query, reporters_exception=True,
                                    limit=SEARCH_LIMIT)
        _grant(*(c.id for c in results))
        record_search([c.id for c in results])
    reported = _reported_by_me(session)
    return render_template("report/find_child.html", name=name, results=results, dob=form,
                           reported=reported)


def _reported_by_me(session) -> list[Episode]:
    """The episodes this person reported, newest first, so that a carer can see what
    became of each child (found, closed). Who was shown them is audited like a search."""
    episodes = session.scalars(
        select(Episode).where(Episode.reported_by_id == current_user.id,
                              Episode.child_id.in_(visible_children(current_user)))
        .order_by(Episode.reported_at.desc(), Episode.id.desc()).limit(SEARCH_LIMIT)).all()
    if episodes:
        record_search(sorted({e.child_id for e in episodes}), via="reported by me")
    return list(episodes)


@bp.route("/report/new-child", methods=["GET", "POST"])
@role_required(*REPORT_ROLES)
def new_child():
    session = get_session()
    authorities = session.scalars(select(Organisation).where(
        Organisation.kind == "local_authority").order_by(Organisation.name)).all()
    values = request.form if request.method == "POST" else {}
    errors = {}
    if request.method == "POST":
        dob = _date(values.get("date_of_birth-day"), values.get("date_of_birth-month"),
                    values.get("date_of_birth-year"))
        command = CreateChild(
            first_name=values.get("first_name", ""), last_name=values.get("last_name", ""),
            date_of_birth=dob, responsible_org_id=values.get("responsible_org_id", type=int),
            legal_status=values.get("legal_status", ""),
            ethnic_code=values.get("ethnic_code", ""), placement=values.get("placement", ""),
            flags={f: True for f in values.getlist("flags")})
        try:
            child = run(session, command, actor())
        except InvalidInput as exc:
            errors = {k: v[0] for k, v in exc.errors.items()}
            if "date_of_birth" in errors and any(values.get(f"date_of_birth-{p}")
                                                 for p in ("day", "month", "year")) \
                    and dob is None:
                errors["date_of_birth"] = "Date of birth must be a real date"
        else:
            _grant(child.id)
            return redirect(url_for("report.report_form", child_id=child.id))
    return render_template("report/new_child.html", values=values, errors=errors,
                           authorities=authorities, legal_statuses=LEGAL_STATUS_WORDS,
                           flags=FLAGS, ethnic_codes=ETHNIC_CODES,
                           field_ids={"date_of_birth": "date_of_birth-day"},
                           error_order=["first_name", "last_name", "date_of_birth",
                                        "ethnic_code", "legal_status",
                                        "responsible_org_id"]), (
        400 if errors else 200)


@bp.route("/report/children/<int:child_id>", methods=["GET", "POST"])
@role_required(*REPORT_ROLES)
def report_form(child_id: int):
    session = get_session()
    child = session.get(Child, child_id)
    granted = child is not None and child.id in session_store.get("report_grants", [])
    if child is None or not (granted or can_see_child(session, current_user, child.id)):
        refused("child")
        abort(404)
    values, errors, already = {}, {}, None
    if request.method == "POST":
        values = formfields.values_from(FORM_KEY, request.form)
        try:
            data = formfields.data_from(FORM_KEY, values)
            episode = run(session, ReportEpisode(child.id, data, identified=granted),
                          actor())
        except EpisodeAlreadyOpen as exc:
            # One absence, one episode: point to the open one instead.
            errors, already = exc.errors, {"message": str(exc), "case_id": exc.case_id}
        except InvalidInput as exc:
            errors = exc.errors
        else:
            case_id = session.scalar(select(Case.id).where(Case.episode_id == episode.id,
                                                           Case.process_id == "episode"))
            how = "missing" if episode.category == "M" else "away from placement"
            flash(f"{child.first_name} is reported {how}. The police and children's "
                  "services have the report.", "success")
            return redirect(url_for("cases.show", case_id=case_id))
    record_view("child", child.id, child_id=child.id, page="report_form")
    fields = formfields.fields(FORM_KEY, values, errors)
    if already is None and request.method == "GET":
        current = open_episode(session, child.id)
        if current is not None:
            already = {"message": f"{child.first_name} is already reported missing or away "
                                  f"(since {london(current.last_seen_at)}).",
                       "case_id": session.scalar(select(Case.id).where(
                           Case.episode_id == current.id, Case.process_id == "episode"))}
    return render_template("report/report_form.html", child=child, fields=fields,
                           already=already, safety_plan=latest_safety_plan(session, child.id),
                           errors=errors, error_order=formfields.names_in_order(fields),
                           form=formfields.definition(FORM_KEY)), (400 if errors else 200)


@bp.route("/episodes/<int:episode_id>/found", methods=["GET", "POST"])
@role_required(*FOUND_ROLES)
def found(episode_id: int):
    session = get_session()
    episode = session.get(Episode, episode_id)
    if episode is None:
        refused("episode")
        abort(404)
    child = child_or_404(session, episode.child_id)
    values = request.form if request.method == "POST" else {}
    errors = {}
    if request.method == "POST":
        found_at, problem = formfields.datetime_from_parts(values, "found_at")
        if problem or not found_at:
            errors["found_at"] = problem or "Enter the date and time the child was found"
        else:
            when = dt.datetime.fromisoformat(found_at)
            try:
                case = run(session, ReportFound(
                    episode.id, when, values.get("found_where", "").strip(),
                    values.get("found_by", "").strip(),
                    values.get("not_missing") == "yes",
                    values.get("found_where_detail", "").strip()), actor())
            except InvalidInput as exc:
                errors = {k: v[0] for k, v in exc.errors.items()}
            except Conflict:
                errors["found_at"] = "This episode is not waiting for news of the child"
            else:
                flash(f"{child.first_name} is recorded as found.", "success")
                return redirect(url_for("cases.show", case_id=case.id))
    record_view("child", child.id, child_id=child.id, page="found")
    typed = (formfields.posted_parts(values, "found_at") if request.method == "POST"
             else formfields.time_parts(clock.now()))
    return render_template("report/found.html", child=child, episode=episode, values=values,
                           errors=errors, found_at=typed,
                           field_ids={"found_at": "found_at-day"},
                           found_where_items=_choices(FOUND_WHERE, values.get("found_where")),
                           found_by_items=_choices(FOUND_BY, values.get("found_by"))), (
        400 if errors else 200)


def _choices(words: dict[str, str], chosen) -> list[dict]:
    return [{"value": value, "text": text, "checked": value == chosen}
            for value, text in words.items()]


def _grant(*child_ids: int) -> None:
    """Let this session report the children it has just found or added, though the user
    may not otherwise see them (a carer's children belong to the council)."""
    granted = session_store.get("report_grants", [])
    session_store["report_grants"] = (granted + [i for i in child_ids
                                                 if i not in granted])[-SEARCH_LIMIT:]


def _date(day, month, year) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except (TypeError, ValueError):
        return None
