"""Form definitions: one JSON file per form key in `forms/`, each a JSON Schema plus
display hints. The same schema validates a person's submission and an API call."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from . import clock
from .errors import InvalidDiagram, InvalidInput

# jsonschema checks "format": "date-time" only when rfc3339-validator is installed, and
# passes anything otherwise ("not a date" was stored): without it, refuse to start.
FORMAT_CHECKER = FormatChecker()
if "date-time" not in FORMAT_CHECKER.checkers:  # pragma: no cover - an install problem
    raise ImportError("rfc3339-validator is not installed: date-time fields would not be "
                      "checked (pip install safeguard-flow's dependencies)")
_RFC3339 = FORMAT_CHECKER.checkers["date-time"][0]


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _a_real_time(value) -> bool:
    """RFC 3339, and a time the engine can read and hold: year 1 at +01:00 is valid RFC
    3339 but before the first instant a datetime has in UTC (the fuzz found it answering
    500); a leap second, or a lower-case "t" or "z", no datetime reads."""
    if not isinstance(value, str):
        return True  # the schema's "type" speaks to that
    if not _RFC3339(value):
        return False
    clock.given(value)
    return True

FORMS_DIR = Path(os.environ.get("SAFEGUARD_FORMS_DIR",
                                Path(__file__).resolve().parent.parent / "forms"))


def available_keys() -> set[str]:
    return {p.stem for p in FORMS_DIR.glob("*.json")}


def load(form_key: str) -> dict:
    return _load(FORMS_DIR, form_key)


@functools.cache
def _load(directory: Path, form_key: str) -> dict:
    path = directory / f"{form_key}.json"
    if not path.is_file():
        raise InvalidInput(f"there is no form '{form_key}'")
    return json.loads(path.read_text())


@functools.cache
def _validator(directory: Path, form_key: str) -> Draft202012Validator:
    return Draft202012Validator(_load(directory, form_key)["schema"],
                                format_checker=FORMAT_CHECKER)


def validate(form_key: str, data: dict) -> dict:
    """Return the data if it fits the form's schema; otherwise raise InvalidInput with every
    problem at once, keyed by field."""
    errors: dict[str, list[str]] = {}
    for error in _validator(FORMS_DIR, form_key).iter_errors(data):
        field = _field_of(error)
        errors.setdefault(field, []).append(_message(form_key, field, error))
    if errors:
        raise InvalidInput("the form has errors", errors)
    return data


def _field_of(error) -> str:
    if error.validator == "required":
        # "'name' is a required property": the missing field is in the message, not the path
        return error.message.split("'")[1]
    return ".".join(str(p) for p in error.absolute_path) or "_form"


def _message(form_key: str, field: str, error) -> str:
    spec = load(form_key)["schema"].get("properties", {}).get(field, {})
    label = spec.get("title", field.replace("_", " "))
    messages = spec.get("errorMessages", {})
    if error.validator in messages:
        return messages[error.validator]
    if error.validator == "required":
        return f"Enter {label[0].lower() + label[1:]}" if label else "Enter this"
    if error.validator == "enum":
        return f"Select {label[0].lower() + label[1:]}"
    return f"{label}: {error.message}"


def check_all() -> list[InvalidDiagram]:
    """Every form file must be JSON holding a valid schema and display hints that name only
    fields the schema has."""
    problems = []
    for path in sorted(FORMS_DIR.glob("*.json")):
        try:
            definition = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            problems.append(InvalidDiagram(f"not valid JSON: {exc.msg}", file=path.name,
                                           line=exc.lineno))
            continue
        schema = definition.get("schema")
        if not isinstance(schema, dict):
            problems.append(InvalidDiagram("the form has no 'schema' object", file=path.name))
            continue
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or None
            problems.append(InvalidDiagram(f"invalid JSON Schema: {exc.message}",
                                           file=path.name, element=where))
            continue
        fields = set(schema.get("properties", {}))
        for name, spec in schema.get("properties", {}).items():
            # An unknown format (a typo, or a checker not installed) checks nothing.
            wanted = spec.get("format") if isinstance(spec, dict) else None
            if wanted and wanted not in FORMAT_CHECKER.checkers:
                problems.append(InvalidDiagram(f"field '{name}' has format '{wanted}', which "
                                               "nothing checks", file=path.name,
                                               element=name))
        for name in definition.get("ui", {}).get("order", []):
            if name not in fields:
                problems.append(InvalidDiagram(f"ui.order names '{name}', which the schema "
                                               "does not have", file=path.name, element=name))
    return problems
