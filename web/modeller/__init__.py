"""The process owner's modeller: edit, check and publish diagrams; versions and rollback;
migrating running cases."""

from flask import Blueprint

bp = Blueprint("modeller", __name__, url_prefix="/modeller")

from . import routes  # noqa: E402,F401
