"""Security headers on every response.

The content security policy allows no inline script except the one line GOV.UK
Frontend's page template runs to mark the body `js-enabled`; it is allowed by its
SHA-256 hash, read from the template itself so an upgrade cannot silently break it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources

from flask import request


def _template_script_hash() -> str:
    template = resources.files("govuk_frontend_jinja").joinpath(
        "templates/template.html").read_text()
    script = re.search(r"<script[^>]*>(.*?)</script>", template, re.S).group(1)
    digest = hashlib.sha256(script.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def content_security_policy() -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {_template_script_hash()}",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


# A year, and every subdomain: once a browser has seen the site over HTTPS it never
# speaks plain HTTP to it again (behind a proxy, SAFEGUARD_PROXIES lets X-Forwarded-Proto
# say the request was HTTPS).
HSTS = "max-age=31536000; includeSubDomains"
# Only the GOV.UK assets and built bundles may be cached; every page and API answer may
# hold child data, so none is stored by browsers or proxies.
CACHEABLE_BLUEPRINTS = frozenset({"assets"})


def init_app(app) -> None:
    policy = content_security_policy()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.blueprint not in CACHEABLE_BLUEPRINTS and request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response
