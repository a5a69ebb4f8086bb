"""Every form in forms/ draws as GOV.UK components, and what a person types comes back as
the data the form's schema accepts."""

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict

from engine import forms
from engine.errors import InvalidInput
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
    for field in _all(fields):
        name = field["name"] + ("-day" if field["widget"] in ("date", "datetime") else "")
        assert f'name="{name}"' in html, field["name"]


def _all(fields):
    for field in fields:
        yield field
        for option in field["options"]:
            yield from _all(option["reveals"])


@pytest.mark.parametrize("key", KEYS)
def test_typed_values_round_trip_to_valid_data(key):
    example = forms.load(key)["example"]
    values = formfields.values_from_data(key, example)
    submitted = MultiDict()
    for name, value in values.items():
        if isinstance(value, dict):  # a date typed in parts
            for part, one in value.items():
                submitted.add(f"{name}-{part}", one)
            continue
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


def test_follow_up_questions_are_drawn_inside_the_answer_that_calls_for_them():
    """grade_risk: `allOf: if risk_grade == low then required carer_actions_suitable,
    carer_actions` puts both inside the 'low' answer, without '(optional)'."""
    fields = {f["name"]: f for f in formfields.fields("grade_risk", {}, {})}
    assert "carer_actions" not in fields and "carer_actions_suitable" not in fields
    low = next(o for o in fields["risk_grade"]["options"] if o["value"] == "low")
    assert [f["name"] for f in low["reveals"]] == ["carer_actions_suitable", "carer_actions"]
    assert all("(optional)" not in f["label"] for f in low["reveals"])


def test_a_hidden_follow_up_answer_is_left_out():
    data = formfields.data_from("grade_risk", {
        "risk_grade": "high", "ce_linked": "no", "carer_actions": "typed, then changed"})
    assert "carer_actions" not in data and data["risk_grade"] == "high"


def test_rule_ids_are_taken_out_of_the_words_practitioners_read():
    assert formfields.plain("R14. The social worker and the police agree.") == (
        "The social worker and the police agree.", ["R14"])
    assert formfields.plain("If yes, the grade will be high (R5).") == (
        "If yes, the grade will be high.", ["R5"])
    assert formfields.plain("R5, R6. Grade every episode.") == ("Grade every episode.",
                                                              ["R5", "R6"])


@pytest.mark.parametrize("parts, message", [
    ({"day": "31", "month": "2", "year": "2026", "hour": "10", "minute": "00"},
     "Enter a real date and time, for example 27 3 2026, 14 30"),
    ({"day": "3", "month": "", "year": "2026", "hour": "10", "minute": "00"},
     "The date must include a month"),
    ({"day": "3", "month": "3", "year": "2026", "hour": "", "minute": ""},
     "Enter the time, for example 14 30 for 2:30pm"),
])
def test_a_date_typed_in_parts_that_is_not_real_is_named(parts, message):
    with pytest.raises(InvalidInput) as caught:
        formfields.data_from("low_risk_review", {"informant_recontacted": "yes",
                                                 "recontacted_at": parts})
    assert caught.value.errors["recontacted_at"] == [message]


def test_a_date_and_time_typed_in_parts_is_london_time():
    data = formfields.data_from("low_risk_review", {"informant_recontacted": "yes",
                                                    "recontacted_at": {
        "day": "1", "month": "7", "year": "2026", "hour": "12", "minute": "05"}})
    assert data["recontacted_at"] == "2026-07-01T11:05:00+00:00"


def test_the_error_summary_names_follow_up_questions_too():
    """Issue 12: an unanswered follow-up question is in the error summary, straight after
    the question that revealed it (it was left out, leaving an empty summary)."""
    fields = formfields.fields("grade_risk", {}, {})
    assert formfields.names_in_order(fields)[:5] == [
        "risk_grade", "carer_actions_suitable", "carer_actions", "risk_reason", "ce_linked"]
