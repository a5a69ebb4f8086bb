"""The pages every service keeps in its footer: accessibility statement, privacy notice,
cookies and help. Open to everyone, signed in or not: people need them before they can
sign in (a carer asking what happens to a child's details, a screen-reader user)."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from . import routes  # noqa: E402,F401
