"""The data protection officer's pages on a child: who has seen the record, and the
subject access export."""

from flask import Blueprint

bp = Blueprint("records", __name__)

from . import routes  # noqa: E402,F401
