"""The Flask application: one blueprint per audience."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from engine import clock

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY", "dev"),
        DATABASE_URL=os.environ.get("DATABASE_URL"),
        NODE_MODULES=str(ROOT / "node_modules"),
        # Signed-in sessions end after this long without a request (checked on our clock).
        SESSION_IDLE_TIMEOUT=dt.timedelta(minutes=30),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure outside development: `safeguard serve` (plain HTTP) and tests turn it off.
        SESSION_COOKIE_SECURE=True,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(config)
        if config.get("TESTING") and "SESSION_COOKIE_SECURE" not in config:
            app.config["SESSION_COOKIE_SECURE"] = False  # test clients speak plain HTTP

    clock.install()
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(Path(app.root_path) / "templates")),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])

    from . import auth, database, errors, labels, security, templating

    database.init_app(app)
    errors.init_app(app)
    csrf.init_app(app)
    auth.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    labels.init_app(app)

    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .assets import bp as assets_bp
    from .auth import bp as auth_bp
    from .cases import bp as cases_bp
    from .children import bp as children_bp
    from .diagrams import bp as diagrams_bp
    from .inbox import bp as inbox_bp
    from .modeller import bp as modeller_bp
    from .notifications import bp as notifications_bp
    from .report import bp as report_bp
    from .tasks import bp as tasks_bp

    app.register_blueprint(assets_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(tasks_bp)
    app.register_blueprint(report_bp)
    app.register_blueprint(children_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(modeller_bp)
    app.register_blueprint(diagrams_bp)
    app.register_blueprint(admin_bp)
    return app
