from __future__ import annotations

import datetime as dt

from flask import g, jsonify, request
from sqlalchemy import select

from engine import case_timers, clock
from engine.access import work_item_for
from engine.commands import ClaimWorkItem, CompleteWorkItem, ReportEpisode, ReportFound
from engine.commands.access_audit import RecordLocationView
from engine.commands.deliver_message import FOUND_BY, FOUND_WHERE
from engine.commands.report_episode import EpisodeAlreadyOpen
from engine.errors import (
    AlreadyClaimed,
    AlreadyCompleted,
    CaseFailed,
    Conflict,
    EngineError,
    InvalidInput,
    NotFound,
    NotPermitted,
)
from engine.executor import Actor, run
from engine.models import Case, Child, Episode, WorkItem

from .. import csrf
from ..access import (
    can_see_case,
    can_see_child,
    record_search,
    record_view,
    refused,
    visible_children,
)
from ..database import get_session
from ..inbox.queries import COUNT_LIMIT, PAGE_SIZE, Filters, Key, key_of, page_of_items
from ..inputs import MAX_ID, MAX_PAGE, page_number
from . import bp, keys
from .problems import problem
from .registry import document, register

csrf.exempt(bp)  # API calls carry a key, not a cookie: CSRF cannot reach them

# An id the database can hold (web.inputs.MAX_ID); counts and revisions fit the same.
ID = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
# Some text besides spaces, as Python's and JavaScript's regular expressions both read it:
# Python also counts \x1c-\x1f and \x85 as spaces, JavaScript \ufeff (found by fuzzing).
NOT_BLANK = r"[^\s\x1c-\x1f\x85\ufeff]"
DATETIME = {"type": "string", "format": "date-time"}
WORK_ITEM = {"type": "object", "properties": {
    "id": ID, "case_id": ID, "name": {"type": "string"}, "role": {"type": "string"},
    "form_key": {"type": ["string", "null"]}, "state": {"type": "string"},
    "assignee_id": {"type": ["integer", "null"]}, "due_at": {"type": ["string", "null"]},
    "completed_by": {"type": ["string", "null"]}, "completed_at": {"type": ["string", "null"]},
    "form_schema": {"type": ["string", "null"],
                    "description": "#/components/schemas/Form_<form_key> validates `data`"}}}
CASE = {"type": "object", "properties": {
    "id": ID, "process_id": {"type": "string"}, "status": {"type": "string"},
    "stage": {"type": ["string", "null"]}, "revision": ID, "child_id": ID,
    "episode_id": {"type": ["integer", "null"]},
    "work_items": {"type": "array", "items": WORK_ITEM},
    "timers": {"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"}, "state": {"type": "string"}, "due_at": DATETIME}}}}}


@bp.before_request
def authenticate():
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    user = keys.user_for(get_session(), presented.strip()) if scheme == "Bearer" else None
    if user is None:
        refused("api_key")
        response = problem(401, "Send a valid API key as 'Authorization: Bearer <key>'")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    g.api_user = user
    return None


@bp.errorhandler(EngineError)
def engine_error(exc):
    if isinstance(exc, EpisodeAlreadyOpen):
        # One absence is one episode: say which one is open and where its case is.
        return problem(409, str(exc), errors=exc.errors, open_episode_id=exc.episode_id,
                       open_case=f"{bp.url_prefix}/cases/{exc.case_id}" if exc.case_id
                       else None)
    if isinstance(exc, CaseFailed):
        from ..errors import _case_failed

        return _case_failed(exc)
    if isinstance(exc, InvalidInput):
        return problem(422, str(exc), errors=exc.errors)
    if isinstance(exc, AlreadyCompleted):
        return problem(409, str(exc), completed_by=exc.by,
                       completed_at=exc.at.isoformat() if exc.at else None)
    if isinstance(exc, AlreadyClaimed):
        return problem(409, str(exc), claimed_by=exc.by)
    if isinstance(exc, Conflict):
        return problem(409, str(exc))
    if isinstance(exc, NotPermitted):
        refused("permission", g.get("api_user"))  # as a page's 403 is
        return problem(403, str(exc))
    if isinstance(exc, NotFound):
        refused("record", g.get("api_user"))
        return problem(404, str(exc))
    return problem(400, str(exc))


def _actor() -> Actor:
    return Actor.for_user(g.api_user)


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("send a JSON object", {"_body": ["Send a JSON object"]})
    return body


def _item(item_id: int, *, with_case: bool = False) -> WorkItem:
    item = work_item_for(get_session(), g.api_user, item_id, with_case=with_case)
    if item is None:
        raise NotFound(f"there is no work item {item_id} you can see")
    return item


def _iso(when):
    return when.astimezone(dt.UTC).isoformat() if when else None


def _item_json(item: WorkItem) -> dict:
    return {"id": item.id, "case_id": item.case_id, "name": item.name, "role": item.role,
            "form_key": item.form_key, "state": item.state, "assignee_id": item.assignee_id,
            "due_at": _iso(item.due_at), "completed_by": item.completed_by,
            "completed_at": _iso(item.completed_at),
            "form_schema": f"#/components/schemas/Form_{item.form_key}"
            if item.form_key else None}


@register(bp, "/openapi.json", "GET", "This document", response={"type": "object"})
def openapi():
    return jsonify(document())


@register(bp, "/episodes", "POST", "Report a child missing or away (R1, R3, R4)",
          request={"type": "object", "required": ["child_id", "report"], "properties": {
              "child_id": ID, "police_org_id": ID,
              "report": {"$ref": "#/components/schemas/Form_missing_report"}}},
          response={"type": "object", "properties": {"episode_id": ID, "case_id": ID}},
          status=201, errors=(403, 404, 409, 422))
def report_episode():
    body = _body()
    child_id = body.get("child_id")
    if not isinstance(child_id, int):
        raise InvalidInput("child_id is missing", {"child_id": ["Give the child's id"]})
    if not isinstance(body.get("report"), dict):
        raise InvalidInput("report is missing", {"report": ["Give the report object"]})
    session = get_session()
    episode = run(session, ReportEpisode(child_id, body["report"],
                                         police_org_id=body.get("police_org_id")), _actor())
    case_id = session.scalar(select(Case.id).where(Case.episode_id == episode.id,
                                                   Case.process_id == "episode"))
    return jsonify({"episode_id": episode.id, "case_id": case_id}), 201


@register(bp, "/episodes/<int:episode_id>/found", "POST",
          "Report that the child of an episode is found (R20); delivers `child_found`",
          request={"type": "object", "required": ["found_at", "found_where", "found_by"],
                   "properties": {
              "found_at": DATETIME, "found_where": {"enum": list(FOUND_WHERE)},
              "found_where_detail": {"type": "string"},
              "found_by": {"enum": list(FOUND_BY)}, "not_missing": {"type": "boolean"}}},
          response={"type": "object", "properties": {"case_id": ID}},
          errors=(403, 404, 409, 422))
def report_found(episode_id: int):
    body = _body()
    session = get_session()
    episode = session.get(Episode, episode_id)
    if episode is None or not can_see_child(session, g.api_user, episode.child_id):
        raise NotFound(f"there is no episode {episode_id} you can see")
    try:
        found_at = dt.datetime.fromisoformat(str(body.get("found_at", "")))
    except ValueError:
        raise InvalidInput("found_at is not a date and time", {
            "found_at": ["Give found_at as an ISO 8601 date and time with a time zone"]}
        ) from None
    case = run(session, ReportFound(episode.id, found_at, str(body.get("found_where", "")),
                                    str(body.get("found_by", "")),
                                    bool(body.get("not_missing", False)),
                                    str(body.get("found_where_detail", ""))), _actor())
    return jsonify({"case_id": case.id})


@register(bp, "/work-items", "GET", "The caller's work: assigned (mine) or unclaimed (team)",
          parameters=[
              {"name": "scope", "in": "query", "schema": {"enum": ["mine", "team"]}},
              {"name": "page", "in": "query",
               "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
              {"name": "after", "in": "query", "schema": {
                  "type": "string", "pattern": "^(n|-?[0-9]{1,16})\\.[0-9]{1,10}$"},
               "description": "The `next_after` of the previous page: the page starts "
                              "after that item (faster than a page number deep down)"}],
          response={"type": "object", "properties": {
              "items": {"type": "array", "items": WORK_ITEM},
              "total": {**ID, "description": f"How many items the list holds, counted up "
                                             f"to {COUNT_LIMIT:,} (see `more`)"},
              "more": {"type": "boolean",
                       "description": f"True when the list holds more than {COUNT_LIMIT:,} "
                                      "items: counting stops there"},
              "page": ID, "page_size": ID, "next_after": {"type": ["string", "null"]}}})
def list_work_items():
    scope = request.args.get("scope", "mine")
    if scope not in ("mine", "team"):
        raise InvalidInput("scope is mine or team", {"scope": ["Use 'mine' or 'team'"]})
    page = page_number()
    raw_after = request.args.get("after")
    after = Key.parse(raw_after)
    if raw_after and after is None:
        raise InvalidInput("after is not a page key", {
            "after": ["Give after as the next_after of the page before"]})
    rows, total, _ = page_of_items(get_session(), g.api_user, scope, Filters(), page,
                                   clock.now(), after=after)
    return jsonify({"items": [_item_json(row[0]) for row in rows],
                    "total": min(total, COUNT_LIMIT), "more": total > COUNT_LIMIT,
                    "page": page, "page_size": PAGE_SIZE,
                    "next_after": str(key_of(rows[-1][0])) if len(rows) == PAGE_SIZE
                    else None})


@register(bp, "/work-items/<int:item_id>/claim", "POST", "Claim an open work item",
          response=WORK_ITEM, errors=(403, 404, 409))
def claim_work_item(item_id: int):
    item = _item(item_id)
    return jsonify(_item_json(run(get_session(), ClaimWorkItem(item.id), _actor())))


@register(bp, "/work-items/<int:item_id>/complete", "POST",
          "Complete a work item with its form's data (validated by the form's schema)",
          request={"type": "object", "required": ["data"], "properties": {
              "data": {"type": "object",
                       "description": "Valid against #/components/schemas/Form_<form_key>"},
              "expected_revision": {
                  "type": "integer",
                  "description": "The case revision you read; refused if it has moved"}}},
          response=WORK_ITEM, errors=(403, 404, 409, 422))
def complete_work_item(item_id: int):
    body = _body()
    if not isinstance(body.get("data"), dict):
        raise InvalidInput("data is missing", {"data": ["Give the form's data as an object"]})
    item = _item(item_id, with_case=True)
    done = run(get_session(), CompleteWorkItem(item.id, body["data"],
                                               body.get("expected_revision")), _actor())
    return jsonify(_item_json(done))


@register(bp, "/cases/<int:case_id>", "GET",
          "A case: status, stage, revision, work items and timers", response=CASE,
          errors=(404,))
def read_case(case_id: int):
    session = get_session()
    case = session.get(Case, case_id)
    if case is None or not can_see_case(session, g.api_user, case_id):
        raise NotFound(f"there is no case {case_id} you can see")
    record_view("case", case.id, case_id=case.id, child_id=case.child_id, page="api",
                user=g.api_user)
    return jsonify(_case_json(session, case))


def _case_json(session, case: Case) -> dict:
    items = session.scalars(select(WorkItem).where(WorkItem.case_id == case.id)
                            .order_by(WorkItem.id)).all()
    timers = case_timers.of_case(session, case)
    return {"id": case.id, "process_id": case.process_id, "status": case.status,
            "stage": case.stage, "revision": case.revision, "child_id": case.child_id,
            "episode_id": case.episode_id, "work_items": [_item_json(i) for i in items],
            "timers": [{"name": t.name or t.element_id, "state": t.state,
                        "due_at": _iso(t.due_at)} for t in timers]}


@register(bp, "/children", "GET",
          "Find a child's id by exact last name and date of birth, among the children the "
          "key may see",
          parameters=[
              {"name": "last_name", "in": "query", "required": True,
               "schema": {"type": "string", "pattern": NOT_BLANK}},
              {"name": "date_of_birth", "in": "query", "required": True,
               "schema": {"type": "string", "format": "date"}}],
          response={"type": "object", "properties": {"children": {"type": "array", "items": {
              "type": "object", "properties": {"id": ID, "first_name": {"type": "string"},
                                               "last_name": {"type": "string"}}}}}},
          errors=(422,))
def find_children():
    from sqlalchemy import func

    last_name = request.args.get("last_name", "").strip()
    try:
        born = dt.date.fromisoformat(request.args.get("date_of_birth", ""))
    except ValueError:
        born = None
    errors = {}
    if not last_name:
        errors["last_name"] = ["Give the child's last name"]
    if born is None:
        errors["date_of_birth"] = ["Give the date of birth as YYYY-MM-DD"]
    if errors:
        raise InvalidInput("the search needs a last name and date of birth", errors)
    children = get_session().scalars(select(Child).where(
        func.lower(Child.last_name) == last_name.casefold(), Child.date_of_birth == born,
        Child.id.in_(visible_children(g.api_user))).order_by(Child.id).limit(20)).all()
    record_search([c.id for c in children], via="api", user=g.api_user)
    return jsonify({"children": [{"id": c.id, "first_name": c.first_name,
                                  "last_name": c.last_name} for c in children]})


# --- the child's record (issue 10) ---

PERIOD = {"type": "object", "properties": {
    "id": ID, "starts_on": {"type": "string", "format": "date"},
    "ends_on": {"type": ["string", "null"], "format": "date"}}}
RECORD = {"type": "object", "properties": {
    "id": ID, "first_name": {"type": "string"}, "last_name": {"type": "string"},
    "date_of_birth": {"type": "string", "format": "date"}, "sex": {"type": "string"},
    "ethnic_code": {"type": ["string", "null"]}, "upn": {"type": ["string", "null"]},
    "la_child_id": {"type": ["string", "null"]}, "responsible_org_id": ID,
    "legal_status": {"type": "string"}, "revision": ID, "direction": {"type": "string"},
    "open_to_social_worker": {"enum": ["here", "elsewhere", "no"]},
    "location_withheld": {"type": "boolean"}, "flags": {"type": "object"},
    "legal_status_periods": {"type": "array", "items": PERIOD},
    "placements": {"type": "array", "items": PERIOD},
    "allocations": {"type": "array", "items": PERIOD}}}


def _record_json(session, child) -> dict:
    from engine import child_record
    from engine.models import Allocation, LegalStatusPeriod, Placement

    from ..access import may_see_location

    shown = may_see_location(session, g.api_user, child)

    def rows(model, fields):
        return [{"id": r.id, "starts_on": r.starts_on.isoformat(),
                 "ends_on": r.ends_on.isoformat() if r.ends_on else None,
                 **{f: getattr(r, f) for f in fields}}
                for r in session.scalars(select(model).where(model.child_id == child.id)
                                         .order_by(model.starts_on))]

    current = child_record.summary(session, child)
    placements = rows(Placement, ("address", "postcode", "placement_type", "provider_type",
                                  "provider_org_id", "urn", "local_authority_id"))
    if not shown:  # R43: withheld from enquirers
        for row in placements:
            row["address"] = row["postcode"] = None
    flags = child.flags or {}
    record_view("child", child.id, child_id=child.id, page="api")
    if flags.get("location_withheld"):
        run(session, RecordLocationView(child.id, shown, {"via": "api"}), _actor())
    return {"id": child.id, "first_name": child.first_name, "last_name": child.last_name,
            "date_of_birth": child.date_of_birth.isoformat(), "sex": child.sex,
            "ethnic_code": child.ethnic_code, "upn": child.upn,
            "la_child_id": child.la_child_id, "responsible_org_id": child.responsible_org_id,
            "legal_status": current["legal_status"], "revision": child.revision,
            "direction": current["direction"],
            "open_to_social_worker": current["open_to_social_worker"],
            "location_withheld": bool(flags.get("location_withheld")), "flags": flags,
            "legal_status_periods": rows(LegalStatusPeriod, ("legal_status", "ls_code",
                                                              "cin_code", "rne_code",
                                                              "rec_code")),
            "placements": placements,
            "allocations": rows(Allocation, ("role", "user_id"))}


def _visible_child(child_id: int):
    session = get_session()
    child = session.get(Child, child_id)
    if child is None or not can_see_child(session, g.api_user, child_id):
        raise NotFound(f"there is no child {child_id} you can see")
    return session, child


@register(bp, "/children/<int:child_id>/record", "GET",
          "A child's record: identity, periods of care, placements, allocations, flags, "
          "and where the child is placed seen from the partnership", response=RECORD,
          errors=(404,))
def read_child_record(child_id: int):
    session, child = _visible_child(child_id)
    return jsonify(_record_json(session, child))


@register(bp, "/children/<int:child_id>/record/<kind>", "POST",
          "Add (or, with period_id, change) a legal status period, placement or "
          "allocation; kind is legal_status, placement or allocation",
          parameters=[{"name": "kind", "in": "path", "required": True,
                       "schema": {"enum": ["legal_status", "placement", "allocation"]}}],
          request={"type": "object", "required": ["values"], "properties": {
              "values": {"type": "object"}, "reason": {"type": "string"},
              "period_id": ID, "expected_revision": ID}},
          response=RECORD, status=201, errors=(403, 404, 409, 422))
def save_child_period(child_id: int, kind: str):
    from engine.child_record import SavePeriod

    body = _body()
    if not isinstance(body.get("values"), dict):
        raise InvalidInput("values is missing", {"values": ["Give the period's values"]})
    session, child = _visible_child(child_id)
    run(session, SavePeriod(child.id, kind, body["values"], str(body.get("reason", "")),
                            body.get("period_id"), body.get("expected_revision")), _actor())
    session.rollback()
    return jsonify(_record_json(session, session.get(Child, child.id))), 201


@register(bp, "/children/<int:child_id>/flags", "POST",
          "Change flags on a child's record, with why",
          request={"type": "object", "required": ["values", "reason"], "properties": {
              "values": {"type": "object"}, "reason": {"type": "string", "pattern": NOT_BLANK},
              "expected_revision": ID}},
          response=RECORD, errors=(403, 404, 409, 422))
def set_child_flags(child_id: int):
    from engine.child_record import SetFlags

    body = _body()
    if not isinstance(body.get("values"), dict):
        raise InvalidInput("values is missing", {"values": ["Give the flags to change"]})
    session, child = _visible_child(child_id)
    run(session, SetFlags(child.id, body["values"], str(body.get("reason", "")),
                          body.get("expected_revision")), _actor())
    session.rollback()
    return jsonify(_record_json(session, session.get(Child, child.id)))


@register(bp, "/children/<int:child_id>/notifications", "POST",
          "Take in another authority's notification about their child: missing from a "
          "placement here, or placed here (R13). Starts the inbound-notification case",
          request={"type": "object", "required": ["notification"], "properties": {
              "notification": {"$ref": "#/components/schemas/Form_inbound_notification"}}},
          response=CASE, status=201, errors=(403, 404, 422))
def receive_child_notification(child_id: int):
    from engine.commands.receive_notification import ReceiveNotification

    body = _body()
    if not isinstance(body.get("notification"), dict):
        raise InvalidInput("notification is missing",
                           {"notification": ["Give the notification's details"]})
    session, child = _visible_child(child_id)
    case = run(session, ReceiveNotification(child.id, body["notification"]), _actor())
    session.rollback()
    return jsonify(_case_json(session, session.get(Case, case.id))), 201


@register(bp, "/children/<int:child_id>/identity", "POST",
          "Change a child's names, date of birth, sex, ethnicity, UPN, the council's child "
          "id or the responsible authority, with why (R2)",
          request={"type": "object", "required": ["values", "reason"], "properties": {
              "values": {"type": "object", "minProperties": 1, "properties": {
                  "first_name": {"type": "string"}, "last_name": {"type": "string"},
                  "date_of_birth": {"type": "string", "format": "date"},
                  "sex": {"enum": ["M", "F", "U"]}, "ethnic_code": {"type": "string"},
                  "upn": {"type": ["string", "null"]},
                  "la_child_id": {"type": ["string", "null"]}, "responsible_org_id": ID}},
              "reason": {"type": "string", "pattern": NOT_BLANK}, "expected_revision": ID}},
          response=RECORD, errors=(403, 404, 409, 422))
def update_child_identity(child_id: int):
    from engine.child_record import UpdateIdentity

    body = _body()
    if not isinstance(body.get("values"), dict):
        raise InvalidInput("values is missing", {"values": ["Give the details to change"]})
    values = {k: v for k, v in body["values"].items() if k in UpdateIdentity.FIELDS}
    session, child = _visible_child(child_id)
    run(session, UpdateIdentity(child.id, values, str(body.get("reason", "")),
                                body.get("expected_revision")), _actor())
    session.rollback()
    return jsonify(_record_json(session, session.get(Child, child.id)))


SEARCH_RESULT = {"type": "object", "properties": {"children": {"type": "array", "items": {
    "type": "object", "properties": {
        "id": ID, "first_name": {"type": "string"}, "last_name": {"type": "string"},
        "date_of_birth": {"type": "string", "format": "date"},
        "la_child_id": {"type": ["string", "null"]}, "responsible_org_id": ID,
        "missing_episode_id": {"type": ["integer", "null"]}}}}}}


@register(bp, "/children/search", "POST",
          "Find children by name, date of birth or id (ours or the council's) among those "
          "the key may see; as the Find a child page (sent in the body, so that names "
          "never appear in URLs)",
          request={"type": "object", "properties": {
              "q": {"type": "string", "description": "Words of the name, a date of birth "
                                                      "as dd/mm/yyyy, or an id"},
              "date_of_birth": {"type": "string", "format": "date"}},
              # something to look for: words, or a date of birth
              "anyOf": [{"required": ["q"], "properties": {"q": {"pattern": NOT_BLANK}}},
                        {"required": ["date_of_birth"]}]},
          response=SEARCH_RESULT, errors=(422,))
def search_children():
    from engine import child_search
    from engine.commands.report_episode import open_episode

    body = _body()
    born = None
    if body.get("date_of_birth") not in (None, ""):
        try:
            born = dt.date.fromisoformat(str(body["date_of_birth"]))
        except ValueError:
            raise InvalidInput("date_of_birth is not a date", {
                "date_of_birth": ["Give the date of birth as YYYY-MM-DD"]}) from None
    query = child_search.parse(str(body.get("q") or ""), born)
    if query.errors:
        raise InvalidInput("the search has errors", query.errors)
    if query.empty:
        raise InvalidInput("nothing to search for", {
            "q": ["Give a name, a date of birth or an id"]})
    session = get_session()
    children = child_search.find(session, g.api_user, query)
    record_search([c.id for c in children], via="api", user=g.api_user)
    out = []
    for child in children:
        missing = open_episode(session, child.id)
        out.append({"id": child.id, "first_name": child.first_name,
                    "last_name": child.last_name,
                    "date_of_birth": child.date_of_birth.isoformat(),
                    "la_child_id": child.la_child_id,
                    "responsible_org_id": child.responsible_org_id,
                    "missing_episode_id": missing.id if missing else None})
    return jsonify({"children": out})
