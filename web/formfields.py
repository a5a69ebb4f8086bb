"""Turn a form definition (`forms/<key>.json`: JSON Schema plus display hints) into GOV.UK
components, and a submitted HTML form back into data for the schema.

Two shapes of the same answers: *values* are what the person typed, as the browser sent
them (strings, lists of strings), kept for redisplay and drafts; *data* is what the
schema validates (booleans, numbers, ISO UTC datetimes).
"""

from __future__ import annotations

import datetime as dt
import re

from engine import clock, forms
from engine.errors import InvalidInput

DATETIME_INPUT = "%Y-%m-%dT%H:%M"
DATE_PARTS = ("day", "month", "year")
TIME_PARTS = ("hour", "minute")
# Rule ids in the forms' words ("R14. ...", "(R5)", "R9. If yes ..."): process owners
# and the audit read them; practitioners see them only under "Why am I asked this?".
_RULE_LEAD = re.compile(r"^\s*R\d+(?:\s*[,-]\s*R\d+)*[.:]?\s*")
_RULE_PARENS = re.compile(r"\s*\(R\d+(?:\s*[,-]\s*R\d+)*\)")
_RULE_PARENS_TEXT = re.compile(r"\(R\d+(?:\s*[,-]\s*R\d+)*:\s*")
_RULE_ID = re.compile(r"\bR\d+\b")


def plain(text: str | None) -> tuple[str, list[str]]:
    """(the text without rule ids, the rule ids it cited)."""
    if not text:
        return "", []
    rules = _RULE_ID.findall(text)
    words = _RULE_PARENS.sub("", _RULE_PARENS_TEXT.sub("(", _RULE_LEAD.sub("", text)))
    words = words.strip()
    return (words[:1].upper() + words[1:]) if words else "", list(dict.fromkeys(rules))


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
    if spec.get("format") == "date":
        return "date"
    if spec.get("type") in ("integer", "number"):
        return "number"
    return "text"


def reveals(form: dict) -> dict[str, tuple[str, list]]:
    """{follow-up field: (the field whose answer calls for it, the answers that do)}, from
    the schema's `allOf: [{if: {properties: {f: {const|enum}}}, then: {required: [...]}}]`
    (docs/conventions.md); a condition on several fields reveals nothing (all are shown),
    and `ui.fields.<f>.revealWhen` ({"field": ..., "values": [...]}) says what a schema
    cannot."""
    schema = form["schema"]
    props = schema.get("properties", {})
    always = set(schema.get("required", []))
    found: dict[str, tuple[str, list]] = {}
    for clause in schema.get("allOf", []):
        condition = (clause.get("if") or {}).get("properties", {})
        if len(condition) != 1:
            continue
        (controller, test), = condition.items()
        answers = [test["const"]] if "const" in test else list(test.get("enum", []))
        if not answers or controller not in props:
            continue
        for name in (clause.get("then") or {}).get("required", []):
            if name in props and name not in always and name != controller \
                    and name not in found:
                found[name] = (controller, answers)
    for name, hints in form.get("ui", {}).get("fields", {}).items():
        when = hints.get("revealWhen")
        if when and when.get("field") in props:
            found[name] = (when["field"], list(when.get("values", [])))
    return found


def _typed(answer, widget: str) -> str:
    """The submitted value that gives a schema answer: True -> 'yes'."""
    if widget == "yesno" and isinstance(answer, bool):
        return "yes" if answer else "no"
    return str(answer)


def fields(form_key: str, values: dict, errors: dict) -> list[dict]:
    """What the template needs to draw each field, in the form's order; a follow-up
    question is drawn inside the answer that calls for it (GOV.UK conditional reveal)."""
    form = definition(form_key)
    props = form["schema"].get("properties", {})
    ui_fields = form.get("ui", {}).get("fields", {})
    required = set(form["schema"].get("required", []))
    revealed = reveals(form)
    by_name = {}
    for name in _order(form):
        spec, hints = props.get(name, {}), ui_fields.get(name, {})
        widget = _widget(spec, hints)
        options = spec.get("enum") or spec.get("items", {}).get("enum") or []
        labels = hints.get("labels", {})
        messages = errors.get(name)
        label = spec.get("title", name.replace("_", " ").capitalize())
        hint, rules = plain(hints.get("hint"))
        optional = name not in required and name not in revealed
        by_name[name] = {
            "name": name, "widget": widget,
            "label": f"{label} (optional)" if optional and widget in (
                "text", "textarea", "number", "date", "datetime") else label,
            "hint": hint or None, "rules": rules,
            "options": [{"value": v, "text": labels.get(v, str(v)), "reveals": []}
                        for v in options],
            "value": _shown_value(values.get(name), widget),
            "error": messages[0] if messages else None,
            "max_length": spec.get("maxLength"),
        }
        if widget == "yesno":
            by_name[name]["options"] = [{"value": "yes", "text": "Yes", "reveals": []},
                                        {"value": "no", "text": "No", "reveals": []}]
    result = []
    for name, field in by_name.items():
        controller = by_name.get(revealed.get(name, (None,))[0])
        if controller is not None and controller["widget"] in ("radios", "yesno",
                                                                  "checkboxes"):
            answers = {_typed(a, controller["widget"]) for a in revealed[name][1]}
            targets = [o for o in controller["options"] if o["value"] in answers]
            if targets:
                targets[0]["reveals"].append(field)
                continue
        result.append(field)
    return result


def names_in_order(fields: list[dict]) -> list[str]:
    """Every field's name in the order people meet them, the follow-up questions inside
    an answer straight after its question: the order of the error summary."""
    names = []
    for field in fields:
        names.append(field["name"])
        for option in field.get("options") or []:
            names.extend(names_in_order(option.get("reveals") or []))
    return names


def _shown_value(value, widget: str):
    if widget == "checkboxes":
        return list(value or [])
    if widget in ("date", "datetime"):
        return _parts(value)
    return "" if value is None else value


def _parts(value) -> dict:
    """Day, month, year (hour, minute) as typed; a stored 'YYYY-MM-DDTHH:MM' split up."""
    if isinstance(value, dict):
        return {k: str(value.get(k, "") or "") for k in DATE_PARTS + TIME_PARTS}
    parts = dict.fromkeys(DATE_PARTS + TIME_PARTS, "")
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?", str(value or ""))
    if match:
        year, month, day, hour, minute = match.groups()
        parts.update(day=str(int(day)), month=str(int(month)), year=year,
                     hour=hour or "", minute=minute or "")
    return parts


def values_from(form_key: str, submitted) -> dict:
    """The typed values of the form's fields from a submitted MultiDict."""
    form = definition(form_key)
    props = form["schema"].get("properties", {})
    ui_fields = form.get("ui", {}).get("fields", {})
    values: dict = {}
    for name in _order(form):
        widget = _widget(props.get(name, {}), ui_fields.get(name, {}))
        if widget == "checkboxes":
            values[name] = submitted.getlist(name)
        elif widget in ("date", "datetime"):
            names = DATE_PARTS + (TIME_PARTS if widget == "datetime" else ())
            values[name] = {part: submitted.get(f"{name}-{part}", "").strip()
                            for part in names}
        else:
            values[name] = submitted.get(name, "")
    return values


def data_from(form_key: str, values: dict) -> dict:
    """Schema data from typed values: empty answers are left out, so `required` names them;
    answers that cannot be converted are passed on as typed, so the schema names them. A
    follow-up answer whose question is hidden (its answer does not call for it) is left
    out. Dates typed in parts that are not a real date raise InvalidInput, together with
    whatever else the schema finds."""
    form = definition(form_key)
    props = form["schema"].get("properties", {})
    ui_fields = form.get("ui", {}).get("fields", {})
    data: dict = {}
    date_errors: dict[str, list[str]] = {}
    for name, value in values.items():
        spec = props.get(name, {})
        widget = _widget(spec, ui_fields.get(name, {}))
        if widget == "checkboxes":
            if value:
                data[name] = list(value)
            continue
        if widget in ("date", "datetime"):
            converted, problem = _date_from_parts(value, widget)
            if problem:
                date_errors[name] = [problem]
            elif converted:
                data[name] = converted
            continue
        value = (value or "").strip()
        if value == "":
            continue
        if widget == "yesno":
            data[name] = {"yes": True, "no": False}.get(value, value)
        elif widget == "number":
            data[name] = _number(value, spec)
        else:
            data[name] = value
    for name, (controller, answers) in reveals(form).items():
        if name in data and data.get(controller) not in answers and not (
                isinstance(data.get(controller), list)
                and set(data[controller]) & set(answers)):
            del data[name]
    if date_errors:
        errors = dict(date_errors)
        try:
            forms.validate(form_key, data)
        except InvalidInput as exc:
            for field, messages in (exc.errors or {}).items():
                errors.setdefault(field, messages)
        raise InvalidInput("the form has errors", errors)
    return data


def datetime_from_parts(submitted, name: str) -> tuple[str | None, str | None]:
    """A date and time typed in a GOV.UK date input (`name-day` ... `name-minute`) of a
    page that is not a form from forms/: (UTC ISO value, None) or (None, what is wrong)."""
    parts = {part: submitted.get(f"{name}-{part}", "").strip()
             for part in DATE_PARTS + TIME_PARTS}
    return _date_from_parts(parts, "datetime")


def posted_parts(submitted, name: str) -> dict:
    """The parts of a date input as typed, to show them again."""
    return {part: submitted.get(f"{name}-{part}", "") for part in DATE_PARTS + TIME_PARTS}


def time_parts(when: dt.datetime | None) -> dict:
    """Day, month, year, hour, minute of a time in London, as a date input shows them."""
    if when is None:
        return _parts(None)
    return _parts(clock.london(when).strftime("%Y-%m-%dT%H:%M"))


def _date_from_parts(value, widget: str) -> tuple[str | None, str | None]:
    """(ISO value, None) or (None, what is wrong). Empty parts give (None, None)."""
    if isinstance(value, str):  # a draft saved before dates were typed in parts
        value = _parts(value)
    parts = {k: str(value.get(k, "") or "").strip() for k in DATE_PARTS + TIME_PARTS}
    wanted = DATE_PARTS + (TIME_PARTS if widget == "datetime" else ())
    if not any(parts[k] for k in wanted):
        return None, None
    missing = [k for k in DATE_PARTS if not parts[k]]
    if missing:
        return None, f"The date must include a {' and a '.join(missing)}"
    if widget == "datetime" and not parts["hour"]:
        return None, "Enter the time, for example 14 30 for 2:30pm"
    try:
        numbers = {k: int(parts[k] or 0) for k in wanted}
        day = dt.date(numbers["year"], numbers["month"], numbers["day"])
        if numbers["year"] < 1900:
            raise ValueError
        if widget == "date":
            return day.isoformat(), None
        when = dt.datetime(day.year, day.month, day.day, numbers["hour"],
                           numbers["minute"], tzinfo=clock.LONDON)
    except ValueError:
        return None, ("Enter a real date, for example 27 3 2026" if widget == "date" else
                      "Enter a real date and time, for example 27 3 2026, 14 30")
    return when.astimezone(dt.UTC).isoformat(), None


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
            values[name] = _parts(iso_to_london_input(value))
        elif widget == "date" and isinstance(value, str):
            values[name] = _parts(value)
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
