from flask import Blueprint

bp = Blueprint("children", __name__)

from . import routes  # noqa: E402,F401
