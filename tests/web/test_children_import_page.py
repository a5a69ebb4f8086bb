"""The administrators' upload page for the council's SSDA903 Header and Episodes tables,
over real HTTP: administrators only, CSRF-protected, a bad file refused with nothing
stored, and the rows not taken listed with file, row and reason (issue 10, R2)."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from engine.models import AuditEvent, Child
from tests.record.test_child_import import EPISODES, HEADER

from .conftest import csrf_token, sign_in

PATH = "/admin/children-import"


def _files(header: str = HEADER, episodes: str = EPISODES) -> dict:
    return {"header": (io.BytesIO(header.encode()), "header.csv"),
            "episodes": (io.BytesIO(episodes.encode()), "episodes.csv")}


def _upload(client, **files):
    token = csrf_token(client.get(PATH).get_data(as_text=True))
    return client.post(PATH, data={**(files or _files()), "csrf_token": token},
                       content_type="multipart/form-data")


def _count(session, model):
    session.rollback()
    found = session.scalar(select(func.count(model.id)))
    session.rollback()
    return found


def test_an_administrator_loads_the_files_and_sees_the_rows_not_taken(client, world,
                                                                     make_user, session):
    admin = make_user("admin", org=world.council, name="Alex Admin")
    sign_in(client, admin.email)
    assert "Load children" in client.get("/").get_data(as_text=True)
    before = _count(session, Child)
    response = _upload(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    assert "2 children changed" in html and "2 added, 0 updated" in html
    assert "4 rows were not taken" in html
    assert "DECOM 31/02/2025 is not a date (dd/mm/yyyy)" in html
    assert "<td class=\"govuk-table__cell\">Episodes</td>" in html
    assert _count(session, Child) == before + 2
    events = _count(session, AuditEvent)
    again = _upload(client).get_data(as_text=True)
    assert "0 children changed" in again and "0 added, 0 updated, 2 already up to date" \
        in again
    # the second run writes only the audit of the pages viewed, never a child.imported
    session.rollback()
    assert session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "child.imported", AuditEvent.id > events)) == 0
    session.rollback()
    gus = session.scalar(select(Child).where(Child.la_child_id == "1001"))
    history = client.get(f"/children/{gus.id}/history").get_data(as_text=True)
    assert "Loaded from the council" in history and "Placement from 1 September 2025" \
        in history


def test_a_bad_file_gets_a_clear_message_and_nothing_is_stored(client, world, make_user,
                                                                session):
    admin = make_user("admin", org=world.council)
    sign_in(client, admin.email)
    before = (_count(session, Child), )
    response = _upload(client, **_files(header=EPISODES))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert "The file given as the Header table is the Episodes table" in html
    assert 'href="#header"' in html
    response = _upload(client, header=(io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), "x.png"),
                       episodes=_files()["episodes"])
    assert response.status_code == 400
    assert "The Header file is not a CSV text file" in response.get_data(as_text=True)
    response = _upload(client, episodes=_files()["episodes"])
    assert "Choose the Header file (a CSV file)" in response.get_data(as_text=True)
    assert (_count(session, Child), ) == before


def test_only_administrators_load_children(client, world, make_user):
    for user in (world.sw, world.tm, world.police):
        sign_in(client, user.email)
        assert client.get(PATH).status_code == 403
        assert client.post(PATH, data=_files(),
                           content_type="multipart/form-data").status_code == 403
        client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/").get_data(
            as_text=True))})


def test_the_upload_needs_the_forms_csrf_token(app, world, make_user, session):
    app.config["WTF_CSRF_ENABLED"] = True
    admin = make_user("admin", org=world.council)
    client = app.test_client()
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    client.post("/sign-in", data={"email": admin.email, "password": "correct horse battery "
                                  "staple", "csrf_token": token})
    assert client.get(PATH).status_code == 200  # signed in as an administrator
    before = _count(session, Child)
    response = client.post(PATH, data=_files(), content_type="multipart/form-data")
    assert response.status_code == 400 and "This form has expired" in response.get_data(
        as_text=True)
    assert _count(session, Child) == before
