"""Find a child (issue 10): by name, date of birth (GOV.UK date input or dd/mm/yyyy) or id,
only among the children the person may see, every search audited, over real HTTP."""

from __future__ import annotations

from sqlalchemy import select

from engine.child_record import UpdateIdentity
from engine.executor import SYSTEM, run
from engine.models import AuditEvent

from .conftest import csrf_token, sign_in

PATH = "/children"


def _search(client, **data):
    token = csrf_token(client.get(PATH).get_data(as_text=True))
    return client.post(PATH, data={**data, "csrf_token": token})


def _found(response) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:3000]
    return html


def test_find_by_name_date_of_birth_and_id_and_audited(client, world, session):
    run(session, UpdateIdentity(world.child.id, {"la_child_id": "WF1234"}, "From LCS"),
        SYSTEM)
    sign_in(client, world.sw.email)
    assert 'href="/children"' in client.get("/").get_data(as_text=True)  # the header link
    link = f'href="/children/{world.child.id}"'
    for data in ({"q": "ava exam"}, {"q": "14/05/2011"}, {"q": "wf1234"},
                 {"q": str(world.child.id)},
                 {"dob-day": "14", "dob-month": "5", "dob-year": "2011"},
                 {"q": "Example", "dob-day": "14", "dob-month": "05", "dob-year": "2011"}):
        html = _found(_search(client, **data))
        assert "1 child found" in html and link in html, data
    html = _found(_search(client, q="Example 15/05/2011"))
    assert "0 children found" in html and "No child you may see matches" in html
    session.rollback()
    searches = [e for e in session.scalars(select(AuditEvent).where(
        AuditEvent.action == "child.searched", AuditEvent.actor_id == world.sw.id))
        if e.detail.get("via") == "find"]  # the inbox's list is audited too ("inbox")
    assert len(searches) == 7
    assert sum(world.child.id in e.detail["children"] for e in searches) == 6


def test_a_user_from_another_organisation_does_not_find_the_child(client, world):
    sign_in(client, world.outsider.email)
    for data in ({"q": "Example"}, {"q": "Ava Example 14/05/2011"},
                 {"q": str(world.child.id)}):
        html = _found(_search(client, **data))
        assert "0 children found" in html and f"/children/{world.child.id}" not in html


def test_bad_dates_are_named_and_what_was_typed_is_kept(client, world):
    sign_in(client, world.sw.email)
    response = _search(client, q="Example 31/02/2011")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "31/02/2011 is not a real date" in html and 'href="#q"' in html
    assert 'value="Example 31/02/2011"' in html
    response = _search(client, **{"dob-day": "31", "dob-month": "2", "dob-year": "2011"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'href="#dob-day"' in html
    assert "Date of birth must be a real date" in html and 'value="31"' in html
    response = _search(client, q="  ")
    assert "Enter a name, a date of birth or an id" in response.get_data(as_text=True)


def test_roles_without_children_have_no_search(client, world):
    sign_in(client, world.process_owner.email)
    assert client.get(PATH).status_code == 403
    assert 'href="/children"' not in client.get("/modeller").get_data(as_text=True)


def test_digits_that_are_not_ascii_are_words_not_ids(client, world, api_key):
    """Found by schemathesis: "²" is a digit to str.isdigit() but not to int(); it is
    searched as a word (no match), never a 500."""
    sign_in(client, world.sw.email)
    page = client.get("/children", query_string={"q": "²"})
    assert page.status_code == 200
    found = client.post("/api/v1/children/search", headers=api_key(world.council,
                                                                    "social_worker"),
                        json={"q": "²٣"})
    assert found.status_code == 200 and found.json["children"] == []
