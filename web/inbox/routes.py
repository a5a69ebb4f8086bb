from flask import render_template, request
from flask_login import current_user

from engine import clock

from ..access import CASE_ROLES, role_required
from ..database import get_session
from . import bp
from .queries import DUE_STATES, PAGE_SIZE, Filters, overdue_counts, page_of_items, stages


@bp.route("/")
@role_required()
def index():
    session = get_session()
    now = clock.now()
    tab = request.args.get("tab") if request.args.get("tab") in ("mine", "team") else "mine"
    roles = sorted(current_user.role_keys & CASE_ROLES)
    filters = Filters(
        role=request.args.get("role") if request.args.get("role") in roles else None,
        stage=request.args.get("stage") or None,
        due=request.args.get("due") if request.args.get("due") in DUE_STATES else None)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = page_of_items(session, current_user, tab, filters, page, now)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template(
        "inbox/index.html", tab=tab, rows=rows, total=total, page=page, pages=pages,
        filters=filters, roles=roles, stages=stages(session),
        due_states=DUE_STATES, overdue=overdue_counts(session, current_user, now),
        has_case_role=bool(roles))
