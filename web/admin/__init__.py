from flask import Blueprint

from engine.commands.retry_case import RETRY_ROLES

from ..templating import NAVIGATION

bp = Blueprint("admin", __name__, url_prefix="/admin")
NAVIGATION.append(("Cases in error", "admin.cases_in_error", RETRY_ROLES))

from . import routes  # noqa: E402,F401
