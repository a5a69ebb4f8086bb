from flask import render_template, request
from flask import session as browser_session
from flask_login import current_user

from engine import clock

from ..access import CASE_ROLES, record_search, role_required
from ..database import get_session
from ..inputs import page_number
from . import bp
from .queries import (
    COUNT_LIMIT,
    DUE_STATES,
    PAGE_SIZE,
    Filters,
    Key,
    has_items,
    key_of,
    overdue_counts,
    page_of_items,
    stages,
)


@bp.route("/")
@role_required()
def index():
    db = get_session()
    now = clock.now()
    roles = sorted(current_user.role_keys & CASE_ROLES)
    filters = Filters(
        role=request.args.get("role") if request.args.get("role") in roles else None,
        stage=request.args.get("stage") or None,
        due=request.args.get("due") if request.args.get("due") in DUE_STATES else None)
    page = page_number()
    tab = request.args.get("tab")
    if tab not in ("mine", "team"):
        tab = _tab_with_work(db, filters, now)
    # "Next" links carry where the page starts (keyset); a page number alone still works.
    after = Key.parse(request.args.get("after")) if page > 1 else None
    rows, total, overdue = page_of_items(db, current_user, tab, filters, page, now,
                                         after=after)
    # The list names children: which ones this person was shown is audited, like a search.
    shown = sorted({child.id for _, _, child, _, _ in rows if child is not None})
    if shown:
        record_search(shown, via="inbox")
    # Completing a piece of work brings the person back to this list, as they left it.
    browser_session["inbox_url"] = request.full_path.rstrip("?")
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if total > COUNT_LIMIT:
        # Not counted to the end: this page exists, and a full one has one after it.
        pages = max(pages, page + 1 if len(rows) == PAGE_SIZE else page)
    return render_template(
        "inbox/index.html", tab=tab, rows=rows, total=total, page=page, pages=pages,
        next_after=str(key_of(rows[-1][0])) if rows else None,
        filters=filters, roles=roles, stages=stages(db),
        due_states=DUE_STATES, count_limit=COUNT_LIMIT,
        # the tab just read counted its own overdue items, unless a filter narrowed it
        overdue=overdue_counts(db, current_user, now,
                               known={} if _narrowed(filters) else {tab: overdue}),
        has_case_role=bool(roles))


def _tab_with_work(db, filters: Filters, now) -> str:
    """Land on My work when something is assigned to me, else on Team work when the team
    has something, else on My work."""
    for tab in ("mine", "team"):
        if has_items(db, current_user, tab, filters, now):
            return tab
    return "mine"


def _narrowed(filters: Filters) -> bool:
    return bool(filters.role or filters.stage or filters.due)
