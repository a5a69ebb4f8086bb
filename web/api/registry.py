"""Routes register here as they are declared, with what they take and give; the OpenAPI
document is built from this registry and the forms' JSON Schemas, never by hand."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from flask import current_app, request
from jsonschema import Draft202012Validator

from engine import forms
from engine.errors import InvalidInput

from ..inputs import MAX_ID


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

    @property
    def path_names(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    @property
    def path_parameters(self) -> list[dict]:
        """The path's parameters the route does not declare itself: an `<int:...>` id
        takes what the database can hold (web.inputs), past it 404."""
        declared = {p["name"] for p in self.parameters if p.get("in") == "path"}
        return [{"name": name, "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID}
                 if name.endswith("_id") else {"type": "string"}}
                for name in self.path_names if name not in declared]

    @property
    def statuses(self) -> tuple[int, ...]:
        """Every status the route can answer, in the document and nothing else: what the
        route declares, and what the registry itself answers."""
        # 400: unstorable text (web.inputs); 503: the database out of reach (web.resilience)
        codes = set(self.errors) | {400, 503}
        if self.operation_id != "openapi":
            codes.add(401)
        if self.path_names:
            codes.add(404)
        if self.request is not None or self.parameters:
            codes.add(422)  # the request is checked against its schema
        return tuple(sorted(codes))


OPERATIONS: list[Operation] = []
_BY_ENDPOINT: dict[str, Operation] = {}
_CHECKED_BLUEPRINTS: set[str] = set()


def register(bp, rule: str, method: str, summary: str, *, request=None, response=None,
             status=200, errors=(), parameters=()):
    """Declare an API route: registers the Flask view, records it for the document, and
    checks each request against the same declaration before the view runs (and, in
    tests, each response), so the document and the code cannot drift apart."""

    def decorator(view):
        op = Operation(
            path=bp.url_prefix + _openapi_path(rule), method=method.lower(), summary=summary,
            operation_id=view.__name__, request=request, response=response, status=status,
            errors=tuple(errors), parameters=list(parameters))

        @functools.wraps(view)
        def checked(**kwargs):
            check_request(op)
            return view(**kwargs)

        bp.add_url_rule(rule, view.__name__, checked, methods=[method])
        OPERATIONS.append(op)
        _BY_ENDPOINT[f"{bp.name}.{view.__name__}"] = op
        if bp.name not in _CHECKED_BLUEPRINTS:
            _CHECKED_BLUEPRINTS.add(bp.name)
            bp.after_request(_check_response)
        return view

    return decorator


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


# --- checking requests and responses against the declaration ---

def _validator(schema: dict) -> Draft202012Validator:
    # The document's components ride along, so "#/components/schemas/..." resolves here as
    # it does in the document.
    return Draft202012Validator({**schema, "components": components()},
                                format_checker=forms.FORMAT_CHECKER)


def components() -> dict:
    return {"schemas": {"Problem": PROBLEM, **_form_schemas()}}


_VALIDATORS: dict[tuple, Draft202012Validator] = {}


def _validator_for(op: Operation, part: str, schema: dict) -> Draft202012Validator:
    # Built once per operation and part (and forms directory: tests point it elsewhere).
    key = (op.operation_id, part, str(forms.FORMS_DIR))
    if key not in _VALIDATORS:
        _VALIDATORS[key] = _validator(schema)
    return _VALIDATORS[key]


def check_request(op: Operation) -> None:
    """Raise InvalidInput (422), field by field, for a request its declaration refuses."""
    errors: dict[str, list[str]] = {}
    for param in op.parameters:
        if param.get("in") not in ("query", "path"):
            continue
        name, schema = param["name"], param.get("schema", {})
        raw = (request.view_args or {}).get(name) if param["in"] == "path" \
            else request.args.get(name)
        if raw is None:
            if param.get("required"):
                errors[name] = [f"Give {name}"]
            continue
        value = _from_query(raw, schema)
        if value is _NOT_A_NUMBER:
            errors[name] = [f"Give {name} as a whole number"]
            continue
        for error in _validator_for(op, f"query:{name}", schema).iter_errors(value):
            errors.setdefault(name, []).append(f"{name}: {error.message}")
    if op.request is not None:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise InvalidInput("send a JSON object", {"_body": ["Send a JSON object"]})
        for error in _validator_for(op, "body", op.request).iter_errors(body):
            where, message = _described(op.request, error)
            errors.setdefault(where, []).append(message)
    if errors:
        raise InvalidInput("the request has errors", errors)


_NOT_A_NUMBER = object()


def _from_query(raw, schema: dict):
    if schema.get("type") == "integer" and not isinstance(raw, int):
        try:
            return int(raw)
        except ValueError:
            return _NOT_A_NUMBER
    return raw


def _described(schema: dict, error) -> tuple[str, str]:
    """(field, message) for a schema error. Inside a form's schema the form's own words
    are used, and the field is the form's, as when a person fills the form in."""
    path = list(error.absolute_path)
    at = schema
    for depth, step in enumerate(path):
        at = at.get("properties", {}).get(step, {}) if isinstance(at, dict) else {}
        ref = at.get("$ref", "") if isinstance(at, dict) else ""
        if ref.startswith("#/components/schemas/Form_"):
            form_key = ref.rsplit("Form_", 1)[1]
            rest = path[depth + 1:]
            field = _required_name(error) or ".".join(map(str, rest)) or "_form"
            return field, forms._message(form_key, field, error)
    field = _required_name(error) or ".".join(map(str, path)) or "_body"
    return field, f"{field}: {error.message}"


def _required_name(error) -> str | None:
    if error.validator == "required":
        return error.message.split("'")[1]
    return None


def _check_response(response):
    """In tests (API_CHECK_RESPONSES), every answer of a declared route must be one the
    document declares, with a body its schema accepts: a drift fails the test."""
    if not current_app.config.get("API_CHECK_RESPONSES"):
        return response
    op = _BY_ENDPOINT.get(request.endpoint or "")
    if op is None or response.direct_passthrough:
        return response
    code = response.status_code
    if code == op.status:
        schema = op.response or {}
    elif code in op.statuses:
        schema = {"$ref": "#/components/schemas/Problem"}
        assert response.mimetype == "application/problem+json", (  # noqa: S101
            f"{request.method} {request.path} answered {code} as {response.mimetype}")
    else:
        raise AssertionError(f"{request.method} {request.path} answered {code}, which the "
                             f"document does not declare ({op.status}, {op.statuses})")
    problems = [e.message for e in _validator_for(op, f"response:{code}", schema)
                .iter_errors(response.get_json())]
    if problems:
        raise AssertionError(f"{request.method} {request.path} answered {code} with a body "
                             f"the document refuses: {problems[:3]}")
    return response


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
        body: dict = {"summary": op.summary, "operationId": op.operation_id,
                      "parameters": op.path_parameters + op.parameters,
                      "responses": {str(op.status): {
                          "description": "Success",
                          "content": {"application/json": {"schema": op.response or {}}}}}}
        for code in op.statuses:
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
            **components(),
        },
    }


def _form_schemas() -> dict:
    """Each form's JSON Schema, as `Form_<key>`: what `complete` and `report` accept."""
    schemas = {}
    for key in sorted(forms.available_keys()):
        schema = {k: v for k, v in forms.load(key)["schema"].items()
                  if k not in ("$schema", "$id")}
        schemas[f"Form_{key}"] = schema
    return schemas


_ERROR_TEXT = {400: "Bad request: text or a number that cannot be stored, named by field",
               401: "No valid API key", 403: "Not permitted",
               404: "Not found or not visible to the caller", 409: "Conflict",
               422: "Invalid input, field by field",
               503: "The database could not be reached; look, then try again (Retry-After)"}
