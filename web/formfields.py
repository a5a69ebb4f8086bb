"""Turn a form definition (`forms/<key>.json`: JSON Schema plus display hints) into GOV.UK
components, and a submitted HTML form back into data for the schema.

Two shapes of the same answers: *values* are what the person typed, as the browser sent
them (strings, lists of strings), kept for redisplay and drafts; *data* is what the
schema validates (booleans, numbers, ISO UTC datetimes).
"""

from __future__ import annotations

import datetime as dt

from engine import clock, forms

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def definition(form_key: str) -> dict:
    return forms.load(form_key)


def _order(form: dict) -> list[str]:
    props = form["schema"].get("properties", {})
    return form.get("ui", {}).get("order") or list(props)


def _widget(spec: dict, hints: dict) -> str:
    if hints.get("widget"):
        return hints["widget"]
    if spec.get("type") == "boolean":
        return "yesno"
    if spec.get("type") == "array":
        return "checkboxes"
    if "enum" in spec:
        return "radios"
    if spec.get("format") == "date-time":
        return "datetime"
    if spec.get("type") in ("integer", "number"):
        return "number"
    return "text"


def fields(form_key: str, values: dict, errors: dict) -> list[dict]:
    """What the template needs to draw each field, in the form's order."""
    form = definition(form_key)
    props = form["schema"].get("properties", {})
    ui_fields = form.get("ui", {}).get("fields", {})
    required = set(form["schema"].get("required", []))
    result = []
    for name in _order(form):
        spec, hints = props.get(name, {}), ui_fields.get(name, {})
        widget = _widget(spec, hints)
        options = spec.get("enum") or spec.get("items", {}).get("enum") or []
        labels = hints.get("labels", {})
        messages = errors.get(name)
        label = spec.get("title", name.replace("_", " ").capitalize())
        result.append({
            "name": name, "widget": widget,
            "label": label if name in required else f"{label} (optional)"
            if widget in ("text", "textarea", "number") else label,
            "hint": hints.get("hint"),
            "options": [{"value": v, "text": labels.get(v, str(v))} for v in options],
            "value": values.get(name, [] if widget == "checkboxes" else ""),
            "error": messages[0] if messages else None,
            "max_length": spec.get("maxLength"),
        })
    return result


def values_from(form_key: str, submitted) -> dict:
    """The typed values of the form's fields from a submitted MultiDict."""
    form = definition(form_key)
    props = form["schema"].get("properties", {})
    ui_fields = form.get("ui", {}).get("fields", {})
    values: dict = {}
    for name in _order(form):
        if _widget(props.get(name, {}), ui_fields.get(name, {})) == "checkboxes":
            values[name] = submitted.getlist(name)
        else:
            values[name] = submitted.get(name, "")
    return values


def data_from(form_key: str, values: dict) -> dict:
    """Schema data from typed values: empty answers are left out, so `required` names them;
    answers that cannot be converted are passed on as typed, so the schema names them."""
    form = definition(form_key)
    props = form["schema"].get("properties", {})
    ui_fields = form.get("ui", {}).get("fields", {})
    data: dict = {}
    for name, value in values.items():
        spec = props.get(name, {})
        widget = _widget(spec, ui_fields.get(name, {}))
        if widget == "checkboxes":
            if value:
                data[name] = list(value)
            continue
        value = (value or "").strip()
        if value == "":
            continue
        if widget == "yesno":
            data[name] = {"yes": True, "no": False}.get(value, value)
        elif widget == "datetime":
            data[name] = london_input_to_iso(value)
        elif widget == "number":
            data[name] = _number(value, spec)
        else:
            data[name] = value
    return data


def values_from_data(form_key: str, data: dict) -> dict:
    """Typed values that would give `data` (to show stored answers in the form)."""
    form = definition(form_key)
    props = form["schema"].get("properties", {})
    ui_fields = form.get("ui", {}).get("fields", {})
    values: dict = {}
    for name, value in (data or {}).items():
        widget = _widget(props.get(name, {}), ui_fields.get(name, {}))
        if widget == "yesno" and isinstance(value, bool):
            values[name] = "yes" if value else "no"
        elif widget == "datetime" and isinstance(value, str):
            values[name] = iso_to_london_input(value)
        elif widget == "checkboxes":
            values[name] = list(value or [])
        else:
            values[name] = "" if value is None else str(value)
    return values


def london_input_to_iso(value: str) -> str:
    """'2026-03-02T10:00' typed in London time -> ISO 8601 UTC; unparseable text unchanged."""
    try:
        when = dt.datetime.strptime(value, DATETIME_INPUT)
    except ValueError:
        try:
            when = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if when.tzinfo is None:
        when = when.replace(tzinfo=clock.LONDON)
    return when.astimezone(dt.UTC).isoformat()


def iso_to_london_input(value: str) -> str:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if when.tzinfo is None:
        return when.strftime(DATETIME_INPUT)
    return clock.london(when).strftime(DATETIME_INPUT)


def _number(value: str, spec: dict):
    try:
        return int(value) if spec.get("type") == "integer" else float(value)
    except ValueError:
        return value
