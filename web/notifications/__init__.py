from flask import Blueprint

from ..templating import NAVIGATION

bp = Blueprint("notifications", __name__)
NAVIGATION.append(("Notifications", "notifications.index", None))

from . import routes  # noqa: E402,F401
