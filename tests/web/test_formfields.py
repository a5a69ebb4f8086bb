"""Every form in forms/ draws as GOV.UK components, and what a person types comes back as
the data the form's schema accepts."""

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict

from engine import forms
from web import formfields

KEYS = sorted(forms.available_keys())


@pytest.mark.parametrize("key", KEYS)
def test_every_form_renders_each_field(app, key):
    values = formfields.values_from_data(key, forms.load(key)["example"])
    fields = formfields.fields(key, values, {})
    with app.test_request_context():
        html = render_template_string(
            '{% from "components/form_fields.html" import form_fields %}'
            "{{ form_fields(fields) }}", fields=fields)
    for field in fields:
        assert f'name="{field["name"]}"' in html, field["name"]


@pytest.mark.parametrize("key", KEYS)
def test_typed_values_round_trip_to_valid_data(key):
    example = forms.load(key)["example"]
    values = formfields.values_from_data(key, example)
    submitted = MultiDict()
    for name, value in values.items():
        for one in value if isinstance(value, list) else [value]:
            submitted.add(name, one)
    data = formfields.data_from(key, formfields.values_from(key, submitted))
    assert forms.validate(key, data) == data
    for name, value in example.items():
        if isinstance(value, str) and "T" in value and value[:4].isdigit():
            assert data[name][:16] == value[:16]  # a date-time, minute precision
        else:
            assert data[name] == value, name


def test_london_input_becomes_utc():
    assert formfields.london_input_to_iso("2026-07-01T12:00") == "2026-07-01T11:00:00+00:00"
    assert formfields.london_input_to_iso("2026-01-01T12:00") == "2026-01-01T12:00:00+00:00"
    assert formfields.london_input_to_iso("not a time") == "not a time"
    assert formfields.iso_to_london_input("2026-07-01T11:00:00+00:00") == "2026-07-01T12:00"


def test_errors_are_attached_to_their_fields():
    fields = formfields.fields("grade_risk", {"risk_reason": "kept"},
                               {"risk_grade": ["Select the risk grade"]})
    by_name = {f["name"]: f for f in fields}
    assert by_name["risk_grade"]["error"] == "Select the risk grade"
    assert by_name["risk_reason"]["value"] == "kept"
