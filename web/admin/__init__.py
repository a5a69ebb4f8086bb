from flask import Blueprint

from engine.access import ADMIN_ROLES, RETRY_ROLES

from ..templating import NAVIGATION

bp = Blueprint("admin", __name__, url_prefix="/admin")
NAVIGATION.append(("Cases in error", "admin.cases_in_error", RETRY_ROLES))
NAVIGATION.append(("People", "admin.users", ADMIN_ROLES))
NAVIGATION.append(("Organisations", "admin.organisations", ADMIN_ROLES))
NAVIGATION.append(("API keys", "admin.api_keys", ADMIN_ROLES))
NAVIGATION.append(("Audit trail", "admin.audit_trail", ADMIN_ROLES))
NAVIGATION.append(("Load children", "admin.children_import", ADMIN_ROLES))

from . import accounts, children_import, routes  # noqa: E402,F401
