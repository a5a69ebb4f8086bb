"""GOV.UK Frontend's assets and a few allow-listed browser bundles, served from
`node_modules` (installed by `make`)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("assets", __name__)

# Only these folders of node_modules are served; everything else there stays private.
VENDOR_DIRS = (
    "govuk-frontend/dist/govuk",
    "bpmn-js/dist",
    "bpmn-js-properties-panel/dist",
    "@bpmn-io/properties-panel/dist",
    "dmn-js/dist",
)


def _node_modules() -> Path:
    return Path(current_app.config["NODE_MODULES"])


@bp.route("/assets/<path:filename>")
def govuk_assets(filename):
    """Fonts and images at the path GOV.UK Frontend's CSS refers to."""
    return send_from_directory(_node_modules() / "govuk-frontend/dist/govuk/assets", filename,
                               max_age=86400)


@bp.route("/vendor/<path:filename>")
def vendor(filename):
    for prefix in VENDOR_DIRS:
        if filename.startswith(prefix + "/"):
            return send_from_directory(_node_modules() / prefix,
                                       filename[len(prefix) + 1:], max_age=3600)
    abort(404)


@bp.route("/favicon.ico")
def favicon():
    # The service's own icon, not GOV.UK's crown.
    return send_from_directory(Path(current_app.root_path) / "static", "favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)
