"""Find a child by name, date of birth or id, among the children the person may see
(engine.child_search; the visibility rule is engine.access.visible_children). The search is
a POST so that names and dates of birth never appear in URLs or server logs; which
children each search showed is audited (never the words searched for)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from engine import child_record, child_search, clock
from engine.access import FIND_ROLES
from engine.commands.report_episode import open_episode

from ..access import record_search, role_required
from ..database import get_session
from ..templating import NAVIGATION
from . import bp
from .record import _date_parts_from_form, _words

NAVIGATION.insert(2, ("Find a child", "children.find", FIND_ROLES))


def date_of_birth_from(form, prefix: str = "dob"):
    """(the date typed in a GOV.UK date input or None, an error message or None)."""
    import datetime as dt

    parts = [form.get(f"{prefix}-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None, None
    try:
        return dt.date(int(parts[2]), int(parts[1]), int(parts[0])), None
    except ValueError:
        return None, "Date of birth must be a real date, for example 3 10 2012"


@bp.route("/children", methods=["GET", "POST"])
@role_required(*FIND_ROLES)
def find():
    session = get_session()
    form = request.form
    text = form.get("q", "").strip()
    errors: dict[str, str] = {}
    results, more = None, False
    if request.method == "POST":
        born, problem = date_of_birth_from(form)
        if problem:
            errors["dob"] = problem
        query = child_search.parse(text, born)
        errors.update({k: v[0] for k, v in query.errors.items()})
        if query.empty and not errors:
            errors["q"] = "Enter a name, a date of birth or an id"
        if not errors:
            # one more than is shown, to say when there are more to narrow down
            results = child_search.find(session, current_user, query,
                                        limit=child_search.LIMIT + 1)
            more = len(results) > child_search.LIMIT
            results = results[:child_search.LIMIT]
            record_search([c.id for c in results], via="find")
    today = clock.london(clock.now()).date()
    rows = [{"child": child, "missing": open_episode(session, child.id),
             "legal_status": child_record.legal_status_on(session, child, today)}
            for child in results or []]
    return render_template("children/find.html", q=text, dob=_date_parts_from_form(
        form, "dob"), errors=errors, results=rows if results is not None else None,
        more=more, words=_words(), field_ids={"dob": "dob-day"}, error_order=["q", "dob"]), (
        400 if errors else 200)
