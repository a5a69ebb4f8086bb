"""The managers' pages: the statutory deadlines dashboard, patterns (R45), and the DfE and
Ofsted returns (R46). Built on the projections and the child's record only."""

from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")

from . import dashboard, returns  # noqa: E402,F401


@bp.record_once
def _navigation(state):
    from ..templating import NAVIGATION
    from .dashboard import DASHBOARD_ROLES
    from .returns import RETURN_ROLES

    for link in (("Dashboard", "manage.dashboard_index", frozenset(DASHBOARD_ROLES)),
                 ("Returns", "manage.return_903", RETURN_ROLES)):
        if link not in NAVIGATION:  # once, however many apps register the blueprint
            NAVIGATION.append(link)
