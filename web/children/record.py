"""The child's record pages: view it, change each part (identity, legal status periods,
placements, allocations, flags) with a reason, and its history (who changed what, when,
why). Every change is an engine command; what was typed is kept when it is refused."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from engine import child_record, clock
from engine.child_record import (
    ALLOCATION_ROLES,
    CE_LEVELS,
    DIRECTIONS,
    ETHNIC_CODES,
    FLAGS,
    LEGAL_STATUSES,
    PLACEMENT_TYPES,
    PROVIDER_TYPES,
    RECORD_ROLES,
    RESTRICTION_GROUNDS,
    SEXES,
    SavePeriod,
    SetFlags,
    UpdateIdentity,
)
from engine.commands.access_audit import RecordLocationView
from engine.errors import Conflict, InvalidInput
from engine.executor import run
from engine.models import (
    Allocation,
    AuditEvent,
    ChildFlagChange,
    LegalStatusPeriod,
    Organisation,
    Placement,
    User,
    UserRole,
)

from ..access import actor, child_or_404, may_see_location, role_required
from ..access import record_view as audit_view
from ..database import get_session
from . import bp

OPEN_TO = {"here": "Yes, by a social worker here", "elsewhere":
           "Yes, by a social worker in another authority", "no": "No"}
KIND_TITLES = {"legal_status": "legal status", "placement": "placement",
               "allocation": "allocation"}
HISTORY_LIMIT = 500
# The DfE's categories of need (903 CIN), in words.
CIN_WORDS = {"N1": "Abuse or neglect", "N2": "Child's disability",
             "N3": "Parental illness or disability", "N4": "Family in acute stress",
             "N5": "Family dysfunction", "N6": "Socially unacceptable behaviour",
             "N7": "Low income", "N8": "Absent parenting",
             "N9": "Cases other than children in need"}
# Record changes on the history page, in words.
HISTORY_ACTIONS = {
    "child.created": "Record created",
    "child.identity_changed": "Details changed",
    "child.flag_set": "Flag changed",
    "child.legal_status_saved": "Legal status recorded",
    "child.placement_saved": "Placement recorded",
    "child.allocation_saved": "Allocation recorded",
    "child.imported": "Loaded from the council's case management system",
    "episode.category_changed": "Episode category changed",
    "episode.times_corrected": "Episode times corrected",
    "work_item.reassigned": "Work given to the allocated worker",
}
FIELD_WORDS = {
    "first_name": "First name", "last_name": "Last name", "date_of_birth": "Date of birth",
    "sex": "Sex", "ethnic_code": "Ethnicity", "upn": "Unique pupil number",
    "la_child_id": "Council's child id", "responsible_org_id": "Responsible authority",
    "legal_status": "Legal status", "starts_on": "From", "ends_on": "Until",
    "ls_code": "Legal status code", "cin_code": "Category of need", "rne_code":
    "Reason for new episode", "rec_code": "Reason care ended", "address": "Address",
    "postcode": "Postcode", "placement_type": "Placement type", "provider_type":
    "Provider type", "provider_org_id": "Provider", "urn": "Ofsted number",
    "local_authority_id": "Local authority", "role": "Role", "user_id": "Person",
    "last_seen_at": "Last seen", "reported_at": "Reported", "found_at": "Found",
    "category": "Category",
}


def may_change(child) -> bool:
    return bool(current_user.role_keys & RECORD_ROLES)


def location_shown(session, child) -> bool:
    """R43 for this view: whether the location may be shown, and an audit event for every
    view of a withheld child's whereabouts, shown or not."""
    shown = may_see_location(session, current_user, child)
    if (child.flags or {}).get("location_withheld"):
        run(session, RecordLocationView(child.id, shown, {"page": request.path}), actor())
    return shown


def _day_words(day: dt.date | None) -> str:
    return day.strftime("%-d %B %Y") if day else ""


def _date_field(form, prefix: str) -> str:
    """The ISO date typed in a GOV.UK date input, "" when empty, or what was typed when it
    is not a date (so the command names the field)."""
    parts = [form.get(f"{prefix}-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return ""
    try:
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat()
    except ValueError:
        return "-".join(parts) or "x"


def _date_parts(value) -> dict:
    if isinstance(value, str) and value:
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return {}
    if isinstance(value, dt.date):
        return {"day": value.day, "month": value.month, "year": value.year}
    return {}


def _authorities(session):
    return session.scalars(select(Organisation).where(
        Organisation.kind == "local_authority").order_by(Organisation.name)).all()


def record_view(session, child) -> dict:
    """What the record page shows (also the API's child answer)."""
    now = clock.now()
    current = child_record.summary(session, child, now)
    orgs = {o.id: o for o in session.scalars(select(Organisation))}
    ids = set(session.scalars(select(Allocation.user_id).where(
        Allocation.child_id == child.id))) | {child.social_worker_id, child.iro_id}
    people = {u.id: u for u in session.scalars(select(User).where(
        User.id.in_([i for i in ids if i])))}
    return {
        "current": current, "orgs": orgs, "people": people,
        "legal": session.scalars(select(LegalStatusPeriod).where(
            LegalStatusPeriod.child_id == child.id).order_by(
            LegalStatusPeriod.starts_on.desc())).all(),
        "placements": session.scalars(select(Placement).where(
            Placement.child_id == child.id).order_by(Placement.starts_on.desc())).all(),
        "allocations": session.scalars(select(Allocation).where(
            Allocation.child_id == child.id).order_by(Allocation.starts_on.desc())).all(),
    }


@bp.route("/children/<int:child_id>/record")
@role_required()
def record(child_id: int):
    session = get_session()
    child = child_or_404(session, child_id)
    view = record_view(session, child)
    audit_view("child", child.id, child_id=child.id, page="record")
    shown = location_shown(session, child)
    return render_template("children/record.html", child=child, **view,
                           location_shown=shown, may_change=may_change(child),
                           words=_words())


def _words() -> dict:
    return {"legal": LEGAL_STATUSES, "directions": DIRECTIONS, "open_to": OPEN_TO,
            "sexes": SEXES, "ethnic": ETHNIC_CODES, "flags": FLAGS, "places":
            PLACEMENT_TYPES, "providers": PROVIDER_TYPES, "roles": ALLOCATION_ROLES,
            "grounds": RESTRICTION_GROUNDS, "day": _day_words, "iso_day": _iso_day_words}


def _iso_day_words(value) -> str:
    """A date kept as text (a date flag) in words; what is kept, if it is not a date."""
    try:
        return _day_words(dt.date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _editable_child(child_id: int):
    session = get_session()
    child = child_or_404(session, child_id)
    if not may_change(child):
        abort(403)
    audit_view("child", child.id, child_id=child.id)
    return session, child


def _revision(form) -> int | None:
    return form.get("revision", type=int)


@bp.route("/children/<int:child_id>/record/identity", methods=["GET", "POST"])
@role_required(*RECORD_ROLES)
def identity(child_id: int):
    session, child = _editable_child(child_id)
    errors, message = {}, None
    if request.method == "POST":
        form = request.form
        values = {"first_name": form.get("first_name", ""),
                  "last_name": form.get("last_name", ""),
                  "date_of_birth": _date_field(form, "date_of_birth"),
                  "sex": form.get("sex", ""), "ethnic_code": form.get("ethnic_code", ""),
                  "upn": form.get("upn", ""), "la_child_id": form.get("la_child_id", ""),
                  "responsible_org_id": form.get("responsible_org_id", "")}
        try:
            run(session, UpdateIdentity(child.id, values, form.get("reason", ""),
                                        _revision(form)), actor())
        except InvalidInput as exc:
            errors, message = {k: v[0] for k, v in exc.errors.items()}, str(exc)
        except Conflict as exc:
            errors, message = {"reason": str(exc)}, str(exc)
        else:
            flash(f"{child.first_name}'s details are saved.", "success")
            return redirect(url_for("children.record", child_id=child.id))
        shown = dict(form)
        shown["date_of_birth"] = _date_parts_from_form(form, "date_of_birth")
    else:
        shown = {"first_name": child.first_name, "last_name": child.last_name,
                 "date_of_birth": _date_parts(child.date_of_birth), "sex": child.sex,
                 "ethnic_code": child.ethnic_code or "NOBT", "upn": child.upn or "",
                 "la_child_id": child.la_child_id or "",
                 "responsible_org_id": str(child.responsible_org_id), "reason": "",
                 "revision": child.revision}
    return render_template("children/identity.html", child=child, values=shown,
                           errors=errors, message=message, authorities=_authorities(session),
                           words=_words(), field_ids={"date_of_birth": "date_of_birth-day"}), (
        400 if errors else 200)


def _date_parts_from_form(form, prefix) -> dict:
    return {p: form.get(f"{prefix}-{p}", "") for p in ("day", "month", "year")}


@bp.route("/children/<int:child_id>/record/flags", methods=["GET", "POST"])
@role_required(*RECORD_ROLES)
def flags(child_id: int):
    session, child = _editable_child(child_id)
    errors, message = {}, None
    current = dict(child.flags or {})
    if request.method == "POST":
        form = request.form
        values = {}
        for name, (kind, _) in FLAGS.items():
            if kind == "bool":
                values[name] = True if form.get(name) == "yes" else None
            elif kind == "date":
                values[name] = _date_field(form, name) or None
            else:
                values[name] = form.get(name) or None
        changed = {k: v for k, v in values.items() if current.get(k) != v}
        try:
            if not changed:
                raise InvalidInput("nothing changed", {"reason": [
                    "Nothing has changed: change a flag, or go back to the record"]})
            run(session, SetFlags(child.id, changed, form.get("reason", ""),
                                  _revision(form)), actor())
        except InvalidInput as exc:
            errors, message = {k: v[0] for k, v in exc.errors.items()}, str(exc)
        except Conflict as exc:
            errors, message = {"reason": str(exc)}, str(exc)
        else:
            flash(f"{child.first_name}'s flags are saved.", "success")
            return redirect(url_for("children.record", child_id=child.id))
        shown = {name: (form.get(name) if FLAGS[name][0] != "date"
                        else _date_parts_from_form(form, name)) for name in FLAGS}
        shown.update(reason=form.get("reason", ""), revision=form.get("revision", ""))
    else:
        shown = {}
        for name, (kind, _) in FLAGS.items():
            value = current.get(name)
            shown[name] = ("yes" if value else "no") if kind == "bool" else (
                _date_parts(value) if kind == "date" else value or "")
        shown.update(reason="", revision=child.revision)
    return render_template("children/flags.html", child=child, values=shown, errors=errors,
                           message=message, words=_words(), levels=CE_LEVELS,
                           field_ids={"looked_after_since": "looked_after_since-day"}), (
        400 if errors else 200)


@bp.route("/children/<int:child_id>/record/<kind>/new", methods=["GET", "POST"])
@bp.route("/children/<int:child_id>/record/<kind>/<int:period_id>", methods=["GET", "POST"])
@role_required(*RECORD_ROLES)
def period(child_id: int, kind: str, period_id: int | None = None):
    if kind not in child_record.PERIOD_MODELS:
        abort(404)
    session, child = _editable_child(child_id)
    model = child_record.PERIOD_MODELS[kind]
    row = None
    if period_id is not None:
        row = session.get(model, period_id)
        if row is None or row.child_id != child.id:
            abort(404)
    errors, message = {}, None
    if request.method == "POST":
        form = request.form
        values = {name: form.get(name, "") for name in _period_fields(kind)}
        values.update(starts_on=_date_field(form, "starts_on"),
                      ends_on=_date_field(form, "ends_on"))
        try:
            run(session, SavePeriod(child.id, kind, values, form.get("reason", ""),
                                    period_id, _revision(form)), actor())
        except InvalidInput as exc:
            errors, message = {k: v[0] for k, v in exc.errors.items()}, str(exc)
        except Conflict as exc:
            errors, message = {"reason": str(exc)}, str(exc)
        else:
            flash(f"The {KIND_TITLES[kind]} is saved.", "success")
            return redirect(url_for("children.record", child_id=child.id))
        shown = {name: form.get(name, "") for name in _period_fields(kind)}
        shown.update(starts_on=_date_parts_from_form(form, "starts_on"),
                     ends_on=_date_parts_from_form(form, "ends_on"),
                     reason=form.get("reason", ""), revision=form.get("revision", ""))
    else:
        shown = {name: str(getattr(row, name) or "") if row else "" for name in
                 _period_fields(kind)}
        if row is None and kind == "allocation":
            shown["role"] = request.args.get("role", "")
        shown.update(starts_on=_date_parts(row.starts_on) if row else {},
                     ends_on=_date_parts(row.ends_on) if row else {}, reason="",
                     revision=child.revision)
    return render_template(
        "children/period.html", child=child, kind=kind, row=row, values=shown,
        errors=errors, message=message, words=_words(), title=KIND_TITLES[kind],
        authorities=_authorities(session), providers=session.scalars(select(Organisation)
        .where(Organisation.kind == "provider").order_by(Organisation.name)).all(),
        workers=_workers(session), field_ids={"starts_on": "starts_on-day",
                                              "ends_on": "ends_on-day"}), (
        400 if errors else 200)


def _period_fields(kind: str) -> tuple[str, ...]:
    return {"legal_status": ("legal_status", "ls_code", "cin_code", "rne_code", "rec_code"),
            "placement": ("address", "postcode", "placement_type", "provider_type",
                          "provider_org_id", "urn", "local_authority_id"),
            "allocation": ("role", "user_id")}[kind]


def _workers(session) -> dict[str, list[User]]:
    """Active users holding each allocation role, for the allocation form."""
    out = {}
    for role in ALLOCATION_ROLES:
        out[role] = session.scalars(select(User).join(UserRole).where(
            UserRole.role == role, User.active.is_(True)).order_by(User.name)).all()
    return out


@bp.route("/children/<int:child_id>/history")
@role_required()
def history(child_id: int):
    """Who changed what on the record, when and why (R2; DATA.md: who viewed and changed
    each record)."""
    session = get_session()
    child = child_or_404(session, child_id)
    events = session.scalars(select(AuditEvent).where(
        AuditEvent.child_id == child.id, AuditEvent.action.in_(HISTORY_ACTIONS))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(HISTORY_LIMIT)).all()
    flag_changes = session.scalars(select(ChildFlagChange).where(
        ChildFlagChange.child_id == child.id).order_by(ChildFlagChange.id.desc())).all()
    orgs = {o.id: o.name for o in session.scalars(select(Organisation))}
    users = {u.id: u.name for u in session.scalars(select(User))}
    shown = location_shown(session, child)
    audit_view("child", child.id, child_id=child.id, page="history")
    return render_template("children/history.html", child=child, events=events,
                           actions=HISTORY_ACTIONS, flag_changes=flag_changes,
                           describe=lambda e: describe(e, orgs, users, shown),
                           words=_words())


def describe(event: AuditEvent, orgs: dict, users: dict, location_shown: bool) -> list[str]:
    """The changes of one history event, in words."""
    detail = event.detail or {}
    if event.action == "child.flag_set":
        name = FLAGS.get(detail.get("flag"), ("", detail.get("flag")))[1]
        return [f"{name}: {_value_words(detail.get('from'))} to "
                f"{_value_words(detail.get('to'))}"]
    lines = []
    for name, change in (detail.get("changes") or {}).items():
        if not isinstance(change, list) or len(change) != 2:
            continue
        if name in ("address", "postcode", "last_seen_where") and not location_shown:
            lines.append(f"{FIELD_WORDS.get(name, name)}: withheld")
            continue
        old, new = (_field_words(name, v, orgs, users) for v in change)
        lines.append(f"{FIELD_WORDS.get(name, name)}: {old} to {new}" if old
                     else f"{FIELD_WORDS.get(name, name)}: {new}")
    if event.action == "child.imported":
        lines[:0] = ["Child added"] if detail.get("new") else []
        lines += _imported_periods(detail.get("periods") or [], orgs, users, location_shown)
    if event.action == "episode.category_changed":
        lines.append(f"{_category(detail.get('from'))} to {_category(detail.get('to'))}")
    if detail.get("ended"):
        lines.append("The open one before it ends that day")
    return lines


def _imported_periods(periods: list, orgs, users, location_shown: bool) -> list[str]:
    """One line per period an import added or changed: what it is from when, and what
    changed."""
    lines = []
    for period in periods:
        kind = KIND_TITLES.get(period.get("kind"), "period").capitalize()
        try:
            since = _day_words(dt.date.fromisoformat(period.get("starts_on", "")))
        except ValueError:
            since = ""
        parts = []
        for name, change in (period.get("changes") or {}).items():
            # the DfE's own codes for what the words already say are left out
            if name in ("starts_on", "ls_code", "rne_code") or not isinstance(
                    change, list) or len(change) != 2:
                continue
            if name in ("address", "postcode") and not location_shown:
                parts.append(f"{FIELD_WORDS.get(name, name)}: withheld")
                continue
            new = _field_words(name, change[1], orgs, users) or "none"
            parts.append(f"{FIELD_WORDS.get(name, name)}: {new}")
        what = "added" if period.get("new") else "changed"
        lines.append(f"{kind} from {since} {what}" + (f" ({'; '.join(parts)})" if parts else ""))
    return lines


def _category(value) -> str:
    return {"M": "Missing", "A": "Away from placement"}.get(value, value or "")


def _value_words(value) -> str:
    if value is True:
        return "yes"
    if value in (None, False):
        return "not set"
    if isinstance(value, str) and value in RESTRICTION_GROUNDS:
        return RESTRICTION_GROUNDS[value]
    return str(value)


def _field_words(name, value, orgs, users) -> str:
    if value in (None, ""):
        return ""
    if name in ("responsible_org_id", "local_authority_id", "provider_org_id"):
        return orgs.get(value, str(value))
    if name == "user_id":
        return users.get(value, str(value))
    table = {"legal_status": LEGAL_STATUSES, "placement_type": PLACEMENT_TYPES,
             "cin_code": CIN_WORDS,
             "provider_type": PROVIDER_TYPES, "sex": SEXES, "ethnic_code": ETHNIC_CODES,
             "role": ALLOCATION_ROLES}.get(name)
    if table:
        return table.get(value, value)
    if name in ("starts_on", "ends_on", "date_of_birth"):
        try:
            return _day_words(dt.date.fromisoformat(value))
        except ValueError:
            return str(value)
    if name in ("last_seen_at", "reported_at", "found_at"):
        from ..templating import london

        return london(dt.datetime.fromisoformat(value))
    return str(value)
