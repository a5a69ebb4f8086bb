"""Routes register here as they are declared, with what they take and give; the OpenAPI
document is built from this registry and the forms' JSON Schemas, never by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine import forms


@dataclass
class Operation:
    path: str
    method: str
    summary: str
    operation_id: str
    request: dict | None = None
    response: dict | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    parameters: list[dict] = field(default_factory=list)


OPERATIONS: list[Operation] = []


def register(bp, rule: str, method: str, summary: str, *, request=None, response=None,
             status=200, errors=(), parameters=()):
    """Declare an API route: registers the Flask view and records it for the document."""

    def decorator(view):
        bp.add_url_rule(rule, view.__name__, view, methods=[method])
        OPERATIONS.append(Operation(
            path=bp.url_prefix + _openapi_path(rule), method=method.lower(), summary=summary,
            operation_id=view.__name__, request=request, response=response, status=status,
            errors=tuple(errors) + (401,), parameters=list(parameters)))
        return view

    return decorator


def _openapi_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


PROBLEM = {
    "type": "object", "required": ["title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "messages"],
            "properties": {"field": {"type": "string"},
                           "messages": {"type": "array", "items": {"type": "string"}}}}},
    },
}


def document() -> dict:
    paths: dict = {}
    for op in OPERATIONS:
        path_params = [{"name": name, "in": "path", "required": True,
                        "schema": {"type": "integer"}}
                       for name in _path_names(op.path)]
        body: dict = {"summary": op.summary, "operationId": op.operation_id,
                      "parameters": path_params + op.parameters,
                      "responses": {str(op.status): {
                          "description": "Success",
                          "content": {"application/json": {"schema": op.response or {}}}}}}
        for code in op.errors:
            body["responses"][str(code)] = {
                "description": _ERROR_TEXT.get(code, "Error"),
                "content": {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}}}}
        if op.request is not None:
            body["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": op.request}}}
        if op.path.endswith("openapi.json"):
            body["security"] = []
        paths.setdefault(op.path, {})[op.method] = body
    return {
        "openapi": "3.1.0",
        "info": {"title": "Safeguard Flow API", "version": "1",
                 "description": "Report episodes, report children found, and work on the "
                                "items of the missing-children procedure."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "security": [{"apiKey": []}],
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                           "description": "Authorization: Bearer <API key>"}},
            "schemas": {"Problem": PROBLEM, **_form_schemas()},
        },
    }


def _path_names(path: str) -> list[str]:
    import re

    return re.findall(r"{(\w+)}", path)


def _form_schemas() -> dict:
    """Each form's JSON Schema, as `Form_<key>`: what `complete` and `report` accept."""
    schemas = {}
    for key in sorted(forms.available_keys()):
        schema = {k: v for k, v in forms.load(key)["schema"].items()
                  if k not in ("$schema", "$id")}
        schemas[f"Form_{key}"] = schema
    return schemas


_ERROR_TEXT = {400: "Bad request", 401: "No valid API key", 403: "Not permitted",
               404: "Not found or not visible to the caller", 409: "Conflict",
               422: "Invalid input, field by field"}
