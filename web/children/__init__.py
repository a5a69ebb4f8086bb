from flask import Blueprint

bp = Blueprint("children", __name__)

from . import episodes, notifications, partnership, record, routes, search  # noqa: E402,F401
