"""RFC 9457 problem details: the JSON API's only error shape."""

from __future__ import annotations

from flask import jsonify

TITLES = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 409: "Conflict", 422: "Invalid input",
          429: "Too many requests", 500: "Internal error"}


def problem(status: int, detail: str, *, errors: dict[str, list[str]] | None = None,
            **extra):
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status,
            "detail": detail}
    if errors:
        # One entry per field, in the order the schema reported them.
        body["errors"] = [{"field": field, "messages": messages}
                          for field, messages in errors.items()]
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response
