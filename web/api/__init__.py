"""The JSON API for police and council systems: /api/v1, API-key authentication, problem
details for every error, and an OpenAPI document generated from the routes themselves."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import routes  # noqa: E402,F401
