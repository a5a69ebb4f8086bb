"""The Flask application: one blueprint per audience."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from engine import audit, clock

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()


def create_app(config: dict | None = None) -> Flask:
    from .resilience import SafeguardFlask

    app = SafeguardFlask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        # production (the default), development (`safeguard serve`) or test
        SAFEGUARD_ENV=os.environ.get("SAFEGUARD_ENV", "production"),
        # How many proxies (load balancers) in front of the app set X-Forwarded-For and
        # -Proto; the forwarded address is trusted only from that many hops.
        SAFEGUARD_PROXIES=int(os.environ.get("SAFEGUARD_PROXIES", "0")),
        DATABASE_URL=os.environ.get("DATABASE_URL"),
        NODE_MODULES=str(ROOT / "node_modules"),
        # Signed-in sessions end after this long without a request (checked on our clock).
        SESSION_IDLE_TIMEOUT=dt.timedelta(minutes=30),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure outside development: `safeguard serve` (plain HTTP) and tests turn it off.
        SESSION_COOKIE_SECURE=True,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        # Accounts that can see child data and sign in with a password need a second factor.
        SECOND_FACTOR=True,
    )
    if config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(config)
        if config.get("TESTING") and "SESSION_COOKIE_SECURE" not in config:
            app.config["SESSION_COOKIE_SECURE"] = False  # test clients speak plain HTTP
        if config.get("TESTING") and "API_CHECK_RESPONSES" not in config:
            # Every API answer in a test is checked against the OpenAPI document.
            app.config["API_CHECK_RESPONSES"] = True
        if config.get("TESTING") and "SECOND_FACTOR" not in config:
            # Most tests sign in to test something else; the tests of sign-in turn it on.
            app.config["SECOND_FACTOR"] = False

    _require_secrets(app)
    proxies = int(app.config["SAFEGUARD_PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,
                                x_host=proxies, x_port=proxies)

    clock.install()
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(Path(app.root_path) / "templates")),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])

    from . import auth, database, errors, inputs, labels, resilience, security, templating

    inputs.init_app(app)  # before the blueprints: its URL converter is for every route
    database.init_app(app)
    errors.init_app(app)
    resilience.init_app(app)
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
    from .manage import bp as manage_bp
    from .modeller import bp as modeller_bp
    from .notifications import bp as notifications_bp
    from .pages import bp as pages_bp
    from .records import bp as records_bp
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
    app.register_blueprint(manage_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(pages_bp)
    if not app.testing:
        _freeze_start_up_objects()
    return app


def _freeze_start_up_objects() -> None:
    """What the process has loaded by now (modules, templates' code, the blueprints) lives
    as long as it does: out of the collector's full passes, which otherwise walk it all
    every few requests (100 ms in each fifth or sixth dashboard page with 10,000 children;
    issue 13's p95). Tests make many apps and keep none, so they are left alone."""
    import gc

    gc.collect()
    gc.freeze()


# Secrets people are known to paste from examples; never accepted outside development.
_WEAK = {"dev", "test", "secret", "changeme", "change-me", "password", "bench"}
MIN_SECRET_LENGTH = 32


def _require_secrets(app: Flask) -> None:
    """Outside development and tests, refuse to start without a strong SECRET_KEY (a weak
    one lets anyone forge a session cookie) or without a key for the audit trail's head.
    Development without one gets a random key: sessions end when the server restarts."""
    env = "test" if app.config.get("TESTING") else app.config["SAFEGUARD_ENV"]
    secret = app.config.get("SECRET_KEY") or ""
    if env in ("development", "test"):
        if not secret:
            app.config["SECRET_KEY"] = secrets.token_urlsafe(32)
        return
    if len(secret) < MIN_SECRET_LENGTH or secret.casefold() in _WEAK:
        raise RuntimeError(
            f"SECRET_KEY must be set to a random secret of at least {MIN_SECRET_LENGTH} "
            "characters in production (e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))'); set SAFEGUARD_ENV=development only on a "
            "developer's machine")
    if not audit.has_configured_key():
        raise RuntimeError("set SAFEGUARD_AUDIT_KEY (or SECRET_KEY) in the environment of "
                           "every web process and worker: it signs the audit trail's head")
