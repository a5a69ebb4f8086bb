"""The modeller pages: only process owners; save, check, publish only when clean, upload,
versions, diff, download, rollback, migrate (issue 6)."""

import json

import pytest
from sqlalchemy import select

from engine import versions
from engine.models import Case, ProcessVersion

from . import diagram_fixtures
from .conftest import sign_in
from .diagram_fixtures import SIMPLE

# the shared fixtures, by name, so pytest finds them in this module
simple_published = diagram_fixtures.simple_published
cases_on_simple = diagram_fixtures.cases_on_simple

RENAMED = SIMPLE.replace(b'name="Do the first thing"', b'name="Do the very first thing"')
BROKEN = SIMPLE.replace(b'value="note"', b'value="no_such_form"', 1)
XML = {"Content-Type": "application/xml"}


@pytest.fixture
def owner(client, make_user, simple_published):
    user = make_user("process_owner", name="Olive Owner")
    sign_in(client, user.email)
    return client


PAGES = ["/modeller/", "/modeller/files/simple.bpmn", "/modeller/files/simple.bpmn/source.xml",
         "/modeller/processes/simple/versions", "/modeller/processes/simple/versions/1",
         "/modeller/processes/simple/versions/1/diagram.xml",
         "/modeller/processes/simple/versions/1/download",
         "/modeller/processes/simple/diff?from=1&to=1", "/modeller/processes/simple/migrate"]


@pytest.mark.parametrize("url", PAGES)
def test_process_owner_sees_every_page(owner, url):
    assert owner.get(url).status_code == 200


@pytest.mark.parametrize("url", PAGES)
def test_other_roles_are_refused_and_strangers_sent_to_sign_in(client, make_user,
                                                               simple_published, url):
    assert client.get(url).status_code == 302
    sign_in(client, make_user("team_manager").email)
    assert client.get(url).status_code == 403
    assert client.post("/modeller/files/simple.bpmn/draft", data=RENAMED,
                       headers=XML).status_code == 403


def test_modeller_page_passes_its_data_without_inline_script(owner):
    html = owner.get("/modeller/files/simple.bpmn").get_data(as_text=True)
    assert 'data-save-url="/modeller/files/simple.bpmn/draft"' in html
    assert "build/modeller.js" in html
    assert html.count("<script>") == 1  # only GOV.UK Frontend's own, allowed by its hash
    assert "Team manager" in html and "note" in html  # roles and forms for the panel


def test_save_draft_then_source_is_the_draft(owner, session, simple_published):
    response = owner.post("/modeller/files/simple.bpmn/draft", data=RENAMED, headers=XML)
    assert response.status_code == 200 and "Olive Owner" in response.json["message"]
    assert owner.get("/modeller/files/simple.bpmn/source.xml").data == RENAMED
    assert versions.get_draft(session, "simple.bpmn").based_on_id == simple_published.id
    assert "Draft saved" in owner.get("/modeller/files/simple.bpmn").get_data(as_text=True)


def test_hostile_draft_is_refused_with_a_message(owner):
    hostile = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><d>&x;</d>'
    response = owner.post("/modeller/files/simple.bpmn/draft", data=hostile, headers=XML)
    assert response.status_code == 400
    assert "DOCTYPE" in response.json["message"]
    assert owner.get("/modeller/files/simple.bpmn/source.xml").data == SIMPLE


def test_check_lists_each_problem_on_its_element(owner):
    problems = owner.post("/modeller/files/simple.bpmn/check", data=BROKEN,
                          headers=XML).json["problems"]
    assert [(p["element"], p["file"]) for p in problems] == [("first", "simple.bpmn")]
    assert "no_such_form" in problems[0]["message"] and problems[0]["line"]
    clean = owner.post("/modeller/files/simple.bpmn/check", data=SIMPLE, headers=XML)
    assert clean.json == {"problems": []}


def test_publish_only_when_clean(owner, session):
    owner.post("/modeller/files/simple.bpmn/draft", data=BROKEN, headers=XML)
    refused = owner.post("/modeller/files/simple.bpmn/publish", data={"note": "try"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "There is a problem" in html and "no_such_form" in html
    owner.post("/modeller/files/simple.bpmn/draft", data=RENAMED, headers=XML)
    no_note = owner.post("/modeller/files/simple.bpmn/publish", data={"note": ""})
    assert "Say what this version changes" in no_note.get_data(as_text=True)
    done = owner.post("/modeller/files/simple.bpmn/publish", data={"note": "clearer name"},
                      follow_redirects=True)
    assert "simple version 2 is published" in done.get_data(as_text=True)
    [v2, _] = versions.history(session, "simple")
    assert (v2.version, v2.note, v2.published_by, v2.xml) == (2, "clearer name",
                                                             "Olive Owner", RENAMED)


def test_upload_into_draft_and_refusals(owner):
    response = owner.post("/modeller/files/simple.bpmn/upload",
                          data={"diagram": (__import__("io").BytesIO(RENAMED), "mine.bpmn")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "mine.bpmn is uploaded" in response.get_data(as_text=True)
    assert owner.get("/modeller/files/simple.bpmn/source.xml").data == RENAMED
    bad = owner.post("/modeller/files/simple.bpmn/upload",
                     data={"diagram": (__import__("io").BytesIO(b"<oops"), "bad.bpmn")},
                     content_type="multipart/form-data")
    assert bad.status_code == 400 and "malformed" in bad.get_data(as_text=True)
    assert owner.get("/modeller/files/simple.bpmn/source.xml").data == RENAMED
    missing = owner.post("/modeller/files/simple.bpmn/upload", data={},
                         content_type="multipart/form-data")
    assert "Choose a .bpmn or .dmn file" in missing.get_data(as_text=True)


def test_history_diff_download_and_rollback(owner, session):
    owner.post("/modeller/files/simple.bpmn/draft", data=RENAMED, headers=XML)
    owner.post("/modeller/files/simple.bpmn/publish", data={"note": "clearer name"})
    history = owner.get("/modeller/processes/simple/versions").get_data(as_text=True)
    assert "clearer name" in history and "Olive Owner" in history
    diff = owner.get("/modeller/processes/simple/diff?from=1&to=2").get_data(as_text=True)
    assert "<code>first</code>" in diff and "Changed (1)" in diff and "Added (0)" in diff
    download = owner.get("/modeller/processes/simple/versions/1/download")
    assert download.data == SIMPLE
    assert 'filename="simple-v1.bpmn"' in download.headers["Content-Disposition"]
    back = owner.post("/modeller/processes/simple/versions/1/republish", data={"note": ""},
                      follow_redirects=True)
    assert "Version 1 is published again as version 3" in back.get_data(as_text=True)
    assert versions.history(session, "simple")[0].xml == SIMPLE
    assert owner.get("/modeller/processes/simple/versions/9").status_code == 404
    assert owner.get("/modeller/files/..%2Fetc.bpmn").status_code == 404


def test_migrate_page_dry_run_then_one_case_at_a_time(owner, session, cases_on_simple):
    owner.post("/modeller/files/simple.bpmn/draft",
               data=SIMPLE.replace(b'name="Ping"', b'name="Pong"'), headers=XML)
    owner.post("/modeller/files/simple.bpmn/publish", data={"note": "rename ping"})
    page = owner.get("/modeller/processes/simple/migrate").get_data(as_text=True)
    assert "3 of 3</strong> running cases can move" in page
    late = cases_on_simple["late"]
    assert json.dumps(late.id) in page
    response = owner.post(f"/modeller/processes/simple/migrate/{late.id}")
    assert response.json == {"moved": True}
    again = owner.post(f"/modeller/processes/simple/migrate/{late.id}")
    assert again.status_code == 409 and "newest version" in again.json["message"]
    assert owner.post(f"/modeller/processes/other/migrate/{late.id}").status_code == 404
    done = owner.post("/modeller/processes/simple/migrate", follow_redirects=True)
    assert "Moved 2 of 3 running cases" in done.get_data(as_text=True)
    v2 = session.scalar(select(ProcessVersion.id).where(ProcessVersion.version == 2))
    assert set(session.scalars(select(Case.process_version_id))) == {v2}


@pytest.fixture
def with_table(app, tmp_path):
    """A processes/ directory holding one decision table."""
    grade = (diagram_fixtures.ENGINE_TESTS / "diagrams" / "grade.dmn").read_bytes()
    (tmp_path / "grade.dmn").write_bytes(grade)
    app.config["PROCESSES_DIR"] = str(tmp_path)
    return grade


def test_decision_table_is_edited_saved_and_checked(owner, with_table):
    assert "grade.dmn" in owner.get("/modeller/").get_data(as_text=True)
    page = owner.get("/modeller/files/grade.dmn").get_data(as_text=True)
    assert 'id="dmn-modeller"' in page and "build/dmn.js" in page
    assert owner.get("/modeller/files/grade.dmn/source.xml").data == with_table
    bad = with_table.replace(b"&gt;= 3", b"[12..17]")
    problems = owner.post("/modeller/files/grade.dmn/check", data=bad,
                          headers=XML).json["problems"]
    assert [p["element"] for p in problems] == ["grade_rule_high_in"]
    assert owner.post("/modeller/files/grade.dmn/draft", data=bad,
                      headers=XML).status_code == 200
    assert owner.get("/modeller/files/grade.dmn/source.xml").data == bad
    refused = owner.post("/modeller/files/grade.dmn/publish", data={"note": "x"})
    assert refused.status_code == 400
    assert "correct them before you publish" in refused.get_data(as_text=True)
    assert owner.get("/modeller/files/grade.dmn/source.xml").data == bad  # draft kept


def test_a_decision_table_is_published_from_its_draft(owner, with_table, session):
    changed = with_table.replace(b"&gt;= 3", b"&gt;= 4")
    assert changed != with_table
    owner.post("/modeller/files/grade.dmn/draft", data=changed, headers=XML)
    response = owner.post("/modeller/files/grade.dmn/publish", data={"note": "four"},
                          follow_redirects=True)
    assert "The decision table grade.dmn is published" in response.get_data(as_text=True)
    assert owner.get("/modeller/files/grade.dmn/source.xml").data == changed
    page = owner.get("/modeller/files/grade.dmn").get_data(as_text=True)
    assert "version 1" in page


def test_demo_process_owner_edits_and_publishes(client, session, published):
    from web import demo

    demo.load(session)
    sign_in(client, "process.owner@example.org", demo.DEMO_PASSWORD)
    assert "report.bpmn" in client.get("/modeller/").get_data(as_text=True)
    report = client.get("/modeller/files/report.bpmn/source.xml").data
    changed = report.replace(b'name="Grade the risk"', b'name="Grade the risk now"', 1)
    assert client.post("/modeller/files/report.bpmn/check", data=changed,
                       headers=XML).json == {"problems": []}
    client.post("/modeller/files/report.bpmn/draft", data=changed, headers=XML)
    done = client.post("/modeller/files/report.bpmn/publish", data={"note": "wording"},
                       follow_redirects=True)
    assert "report version 2 is published" in done.get_data(as_text=True)


def test_navigation_offers_diagrams_to_process_owners_only(owner, client, make_user):
    assert 'href="/modeller/"' in owner.get("/modeller/").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, make_user("team_manager").email)
    html = client.get("/processes/").get_data(as_text=True)
    assert 'href="/modeller/"' not in html and 'href="/processes/"' in html
