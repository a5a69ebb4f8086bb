"""Filters and globals every template may use: London times, due phrases, role names."""

from __future__ import annotations

import datetime as dt

from flask_login import current_user

from engine import clock
from engine.access import OWNER_ROLES, REPORT_ROLES
from engine.assignment import role_name

SOON = dt.timedelta(hours=4)


def london(when: dt.datetime | None) -> str:
    if when is None:
        return ""
    return clock.london(when).strftime("%-d %B %Y %-I:%M%p").replace("AM", "am").replace(
        "PM", "pm")


def _amount(seconds: float) -> str:
    minutes = int(seconds // 60)
    for size, unit in ((1440, "day"), (60, "hour"), (1, "minute")):
        if minutes >= size:
            n = minutes // size
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return "less than a minute"


def relative_due(when: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """'in 3 hours', '2 days overdue'."""
    if when is None:
        return ""
    seconds = (when - (now or clock.now())).total_seconds()
    if seconds >= 0:
        return f"in {_amount(seconds)}"
    return f"{_amount(-seconds)} overdue"


def due_state(when: dt.datetime | None, now: dt.datetime | None = None) -> str | None:
    """'overdue', 'soon' (within 4 hours) or None."""
    if when is None:
        return None
    now = now or clock.now()
    if when < now:
        return "overdue"
    if when - now <= SOON:
        return "soon"
    return None


def age(date_of_birth: dt.date | None) -> str:
    if date_of_birth is None:
        return ""
    from engine.episodes import age_on

    return str(age_on(date_of_birth, clock.london(clock.now()).date()))


# The header's links: (text, endpoint, roles that see it; None for everyone signed in).
# Other blueprints append theirs; a link whose endpoint is not registered is left out.
NAVIGATION: list[tuple[str, str, frozenset[str] | None]] = [
    ("Inbox", "inbox.index", None),
    ("Report a missing child", "report.find_child", REPORT_ROLES),
    ("Diagrams", "modeller.index", OWNER_ROLES),
    ("Where cases are", "diagrams.index", frozenset({"team_manager", "service_manager"})),
]


def navigation() -> list[dict]:
    """The header's links for the signed-in user."""
    from flask import request, url_for
    from werkzeug.routing import BuildError

    if not current_user.is_authenticated:
        return []
    items = []
    for text, endpoint, roles in NAVIGATION:
        if roles is not None and not (current_user.role_keys & roles):
            continue
        try:
            href = url_for(endpoint)
        except BuildError:
            continue
        items.append({"href": href, "text": text, "active": request.path == href})
    return items


def partnership_name() -> str | None:
    """The partnership's name, read once a request (every page's header shows it)."""
    from flask import g
    from sqlalchemy.exc import SQLAlchemyError

    from engine.child_record import partnership_name as read

    from .database import get_session

    if "partnership_name" not in g:
        try:
            g.partnership_name = read(get_session())
        except SQLAlchemyError:  # an error page for a broken database still renders
            g.partnership_name = None
    return g.partnership_name


def footer_links() -> list[tuple[str, str]]:
    from .pages.routes import FOOTER

    return FOOTER


def init_app(app) -> None:
    app.add_template_filter(london, "london")
    app.add_template_filter(relative_due, "relative_due")
    app.add_template_filter(due_state, "due_state")
    app.add_template_filter(role_name, "role_name")
    app.add_template_filter(age, "age")
    app.add_template_global(navigation, "navigation")
    app.add_template_global(partnership_name, "partnership_name")
    app.add_template_global(footer_links, "footer_links")
