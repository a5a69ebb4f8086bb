"""The Flask application: one blueprint per audience."""

from __future__ import annotations

import os

from flask import Flask

from engine import clock


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY", "dev"),
        DATABASE_URL=os.environ.get("DATABASE_URL"),
    )
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(config)

    clock.install()

    from . import database

    database.init_app(app)

    from .overview import bp as overview_bp

    app.register_blueprint(overview_bp)

    @app.template_filter("london")
    def london(when):
        return clock.london(when).strftime("%-d %B %Y %H:%M")

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; frame-ancestors 'none'")
        return response

    return app
