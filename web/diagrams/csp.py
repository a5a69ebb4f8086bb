"""bpmn-js draws diagrams with inline style attributes, which the app's content security
policy (`style-src 'self'`) refuses. Pages that show a diagram allow inline *styles*
(never scripts): a view or template calls `allow_diagram_styles()`."""

from __future__ import annotations

from flask import g

from ..security import content_security_policy


def allow_diagram_styles() -> str:
    g.diagram_styles = True
    return ""


def init_app(app) -> None:
    policy = content_security_policy().replace("style-src 'self'",
                                               "style-src 'self' 'unsafe-inline'")

    # Registered after the app's own security headers, so it runs before them and they
    # leave this policy in place.
    @app.after_request
    def diagram_styles(response):
        if g.get("diagram_styles"):
            response.headers["Content-Security-Policy"] = policy
        return response

    app.add_template_global(allow_diagram_styles, "allow_diagram_styles")
