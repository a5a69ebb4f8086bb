"""Issue 15: what fuzzing sent that used to give 500 — ids past the database's integer
range on every `<int:...>` route, NUL bytes and broken text in forms, queries and JSON,
dates that are not dates — answers 404, 400 or 422 naming the field; a 405 says what is
allowed."""

import pytest
from werkzeug.datastructures import MultiDict

from engine import forms
from engine.errors import InvalidInput
from web import formfields
from web.inputs import IdConverter

from .conftest import missing_report_40_minutes_ago as _report
from .conftest import sign_in

TOO_BIG = [2147483648, 5102031186184670338351104]


def _int_routes(app):
    for rule in app.url_map.iter_rules():
        if any(isinstance(c, IdConverter) for c in rule._converters.values()):
            yield rule


def _url(rule, big):
    import re

    return re.sub(r"<int:\w+>", str(big), re.sub(r"<(?:string:)?(\w+)>", "x", rule.rule))


def test_every_int_route_answers_404_past_the_integer_range(app, client, world, api_key):
    rules = list(_int_routes(app))
    assert len(rules) > 30  # every <int:...> route of the app, web and API
    sign_in(client, world.process_owner.email)
    headers = api_key(world.police_org, "police")
    for rule in rules:
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"OPTIONS"})[0]
        for big in TOO_BIG:
            url = _url(rule, big)
            response = client.open(url, method=method,
                                   headers=headers if url.startswith("/api/") else {})
            assert response.status_code == 404, (url, response.status_code)
    api = client.get("/api/v1/cases/5102031186184670338351104", headers=headers)
    assert api.mimetype == "application/problem+json" and api.json["status"] == 404


def test_page_huge_or_negative_is_refused_naming_page(client, world, api_key):
    headers = api_key(world.police_org, "police")
    for page in ("-1", "0", "99999999999999999999999", "two"):
        response = client.get(f"/api/v1/work-items?page={page}", headers=headers)
        assert response.status_code == 422, page
        assert response.json["errors"][0]["field"] == "page"
    sign_in(client, world.police.email)
    for page in ("-1", "99999999999999999999999"):
        response = client.get(f"/?page={page}")
        assert response.status_code == 400, page
        assert "page" in response.get_data(as_text=True)
    assert client.get("/?page=1").status_code == 200


def test_nul_bytes_are_400_naming_the_field(client, world, api_key):
    headers = api_key(world.council, "social_worker")
    response = client.get("/api/v1/children", headers=headers,
                          query_string={"last_name": "a\x00b", "date_of_birth": "2011-05-14"})
    assert response.status_code == 400
    assert response.json["errors"][0]["field"] == "last_name"
    response = client.post("/api/v1/episodes", headers=headers,
                           json={"child_id": world.child.id, "report": {"clothing": "\x00"}})
    assert response.status_code == 400
    assert response.json["errors"][0]["field"] == "report.clothing"
    sign_in(client, world.carer.email)
    page = client.post("/report", data=MultiDict({"first_name": "Bea\x00"}))
    assert page.status_code == 400
    assert "“first name” cannot be accepted" in page.get_data(as_text=True)


def test_broken_text_in_json_is_400_naming_the_field(client, world, api_key):
    # A lone surrogate can only arrive as a JSON escape: it is not UTF-8, so no database
    # can store it.
    headers = api_key(world.council, "social_worker")
    response = client.post("/api/v1/episodes", headers=headers,
                           data='{"child_id": 1, "report": {"clothing": "\\ud800"}}',
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json["errors"][0]["field"] == "report.clothing"


def test_an_id_in_a_body_past_the_integer_range_is_422(client, world, api_key):
    headers = api_key(world.council, "social_worker")
    response = client.post("/api/v1/episodes", headers=headers,
                           data='{"child_id": 99999999999999999999999999, "report": {}}',
                           content_type="application/json")
    assert response.status_code == 422
    assert "child_id" in {e["field"] for e in response.json["errors"]}


def test_date_time_fields_are_checked_on_the_api_and_the_web(client, world, api_key,
                                                             fake_clock):
    headers = api_key(world.council, "social_worker")
    report = dict(_report(fake_clock), last_seen_at="not a date")
    response = client.post("/api/v1/episodes", headers=headers,
                           json={"child_id": world.child.id, "report": report,
                                 "police_org_id": world.police_org.id})
    assert response.status_code == 422
    assert "last_seen_at" in {e["field"] for e in response.json["errors"]}
    # The form the IRO step uses: the schema refuses it, and so does the web form's date.
    with pytest.raises(InvalidInput) as refused:
        forms.validate("tell_iro", {"iro_name": "Ira", "iro_told_at": "not a date"})
    assert list(refused.value.errors) == ["iro_told_at"]
    typed = MultiDict({"iro_name": "Ira", "iro_told_at-day": "not a date",
                       "iro_told_at-month": "3", "iro_told_at-year": "2026",
                       "iro_told_at-hour": "10", "iro_told_at-minute": "00"})
    with pytest.raises(InvalidInput) as refused:
        formfields.data_from("tell_iro", formfields.values_from("tell_iro", typed))
    assert list(refused.value.errors) == ["iro_told_at"]


def test_405_carries_allow(client, world, api_key):
    headers = api_key(world.police_org, "police")
    response = client.delete("/api/v1/work-items", headers=headers)
    assert response.status_code == 405
    assert response.headers["Allow"].split(", ") == sorted(["GET", "HEAD", "OPTIONS"])
    page = client.put("/sign-in")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]


def test_numbers_past_the_range_in_a_query_read_as_absent(client, world, make_user):
    user = make_user("service_manager", "process_owner", "admin", org=world.council)
    sign_in(client, user.email)
    big = "99999999999999999999999"
    for url in (f"/manage/?organisation={big}", f"/manage/returns/903?year={big}",
                f"/modeller/processes/episode/diff?from={big}&to=1"):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)


def test_every_form_format_is_one_that_is_checked(tmp_path, monkeypatch):
    assert forms.check_all() == []  # the real forms: date-time and date are checked
    (tmp_path / "typo.json").write_text(
        '{"schema": {"type": "object", "properties": {"when": {"type": "string", '
        '"format": "date_time"}}}}')
    monkeypatch.setattr(forms, "FORMS_DIR", tmp_path)
    (problem,) = forms.check_all()
    assert problem.element == "when" and "nothing checks" in problem.message


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
                                  "2026-12-31T23:59:60Z", "2026-03-02t09:00:00z"])
def test_a_date_time_valid_in_rfc_3339_but_no_time_the_engine_reads_is_refused(when):
    """Found by the fuzz (year 1 at +01:00 answered 500): every form's date-time fields
    take only times the engine reads and holds in UTC."""
    with pytest.raises(InvalidInput) as refused:
        forms.validate("tell_iro", {"iro_name": "Ira", "iro_told_at": when})
    assert list(refused.value.errors) == ["iro_told_at"]
    assert forms.validate("tell_iro", {"iro_name": "Ira",
                                       "iro_told_at": "2026-03-02T09:00:00.5+01:00"})
