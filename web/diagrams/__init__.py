"""Where cases sit on the diagrams: the process pages managers read (counts per element,
filters, the same as a table) and the diagram on a case's page."""

from flask import Blueprint

bp = Blueprint("diagrams", __name__)

from . import routes  # noqa: E402,F401


@bp.record_once
def _register_globals(state):
    from . import csp
    from .routes import case_diagram

    state.app.add_template_global(case_diagram, "case_diagram")
    csp.init_app(state.app)
