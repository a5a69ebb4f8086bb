"""The defects issue 14 found, each proved fixed by a test that failed on the code before.

(a) API keys attaching themselves to children; (b) the "dev" secret; (c) sessions that
survive sign-out; (d) throttling races and forwarded addresses; (e) child data served
without an audit row; (g) HSTS and no-store. The audit chain (f) is in
tests/engine/test_audit_chain.py.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from engine.models import AuditEvent, Episode
from web import create_app

from .conftest import PASSWORD, sign_in
from .conftest import missing_report_40_minutes_ago as _report


def _audit(session, action: str, **where) -> list[AuditEvent]:
    session.rollback()
    rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                           .filter_by(**where).order_by(AuditEvent.id)).all()
    session.commit()
    return rows


# --- (a) any API key could attach itself to any child ---


def test_a_stranger_provider_key_cannot_report_a_child_it_has_no_reason_to_know(
        client, world, api_key, make_org, fake_clock, session):
    stranger = make_org("elsewhere-home", kind="provider")
    headers = api_key(stranger, "carer")
    response = client.post("/api/v1/episodes", headers=headers,
                           json={"child_id": world.child.id, "report": _report(fake_clock)})
    assert response.status_code == 404, response.json
    session.rollback()
    assert session.scalar(select(func.count(Episode.id))) == 1  # only the world's episode


def test_the_responsible_authority_may_report_its_own_child(client, world, api_key, make_child,
                                                          fake_clock):
    unseen = make_child(world.council, first_name="Una")
    headers = api_key(world.council, "social_worker")
    response = client.post("/api/v1/episodes", headers=headers,
                           json={"child_id": unseen.id, "report": _report(fake_clock)})
    assert response.status_code == 201, response.json


def test_police_org_id_must_be_a_police_force(client, world, api_key, make_org, fake_clock,
                                              session):
    trust = make_org("nhs-trust", kind="health")
    headers = api_key(world.police_org, "police")
    response = client.post("/api/v1/episodes", headers=headers, json={
        "child_id": world.child.id, "report": _report(fake_clock), "police_org_id": trust.id})
    assert response.status_code == 422, response.json
    assert {e["field"] for e in response.json["errors"]} == {"police_org_id"}
    session.rollback()
    assert session.scalar(select(func.count(Episode.id))) == 1


def test_api_children_search_applies_the_visibility_filter(client, world, api_key):
    outsider = api_key(world.other_council, "social_worker")
    query = {"last_name": "Example", "date_of_birth": "2011-05-14"}
    response = client.get("/api/v1/children", headers=outsider, query_string=query)
    assert response.status_code == 200
    assert response.json["children"] == []
    police = api_key(world.police_org, "police")
    found = client.get("/api/v1/children", headers=police, query_string=query).json
    assert [c["id"] for c in found["children"]] == [world.child.id]


# --- (b) no SECRET_KEY meant sessions signed with "dev" ---


@pytest.mark.parametrize("secret", [None, "dev", "short-secret"])
def test_production_refuses_to_start_without_a_strong_secret(database_url, monkeypatch,
                                                             secret):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SAFEGUARD_ENV", raising=False)
    config = {"DATABASE_URL": database_url}
    if secret:
        config["SECRET_KEY"] = secret
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_needs_the_audit_key_in_the_environment(database_url, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SAFEGUARD_AUDIT_KEY", raising=False)
    strong = "x" * 16 + "y" * 24
    with pytest.raises(RuntimeError, match="SAFEGUARD_AUDIT_KEY"):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": strong})
    monkeypatch.setenv("SECRET_KEY", strong)
    app = create_app({"DATABASE_URL": database_url})
    assert app.secret_key == strong
    app.extensions["sqlalchemy_engine"].dispose()


# --- (c) sessions survived sign-out ---


def _copy_session(app, client):
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


def test_a_cookie_copied_before_sign_out_no_longer_works(app, client, make_user):
    user = make_user("social_worker")
    sign_in(client, user.email)
    copy = _copy_session(app, client)
    assert copy.get("/").status_code == 200
    client.post("/sign-out")
    assert copy.get("/").status_code == 302


def test_signing_out_ends_every_session_of_the_user(app, make_user):
    user = make_user("social_worker")
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, user.email)
    sign_in(laptop, user.email)
    phone.post("/sign-out")
    assert laptop.get("/").status_code == 302


# --- (d) throttling raced; forwarded addresses were never trusted ---


def test_thirty_simultaneous_wrong_passwords_are_checked_against_the_limit_once_each(
        app, make_user):
    user = make_user("police")
    barrier = threading.Barrier(30)
    statuses: list[int] = []

    def attempt():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/sign-in", data={"email": user.email,
                                                      "password": "wrong"}).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(400) == 5, statuses  # checked: exactly the limit
    assert statuses.count(429) == 25


def _proxied_app(database_url, proxies: int):
    return create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test",
                       "WTF_CSRF_ENABLED": False, "SAFEGUARD_PROXIES": proxies})


def test_behind_one_proxy_each_forwarded_address_is_throttled_on_its_own(
        database_url, sessions, fake_clock, make_user):
    user = make_user("police")
    app = _proxied_app(database_url, 1)
    client = app.test_client()
    for n in range(20):
        client.post("/sign-in", data={"email": f"guess{n}@example.org", "password": "x"},
                    headers={"X-Forwarded-For": "203.0.113.9"})
    other = client.post("/sign-in", data={"email": user.email, "password": PASSWORD},
                        headers={"X-Forwarded-For": "198.51.100.7"})
    assert other.status_code == 302  # the balancer's address was not locked
    app.extensions["sqlalchemy_engine"].dispose()


def test_without_proxies_a_forged_forwarded_address_does_not_escape_the_lock(
        database_url, sessions, fake_clock, make_user):
    user = make_user("police")
    app = _proxied_app(database_url, 0)
    client = app.test_client()
    for n in range(20):
        client.post("/sign-in", data={"email": f"guess{n}@example.org", "password": "x"},
                    headers={"X-Forwarded-For": f"203.0.113.{n}"})
    locked = client.post("/sign-in", data={"email": user.email, "password": PASSWORD},
                         headers={"X-Forwarded-For": "198.51.100.7"})
    assert locked.status_code == 429
    app.extensions["sqlalchemy_engine"].dispose()


# --- (e) child data was served with no audit row ---


def test_stage_two_request_page_is_audited(client, world, session):
    sign_in(client, world.sw.email)
    assert client.get(f"/children/{world.child.id}/stage-two-request").status_code == 200
    [event] = _audit(session, "child.viewed", child_id=world.child.id)
    assert event.detail["page"] == "stage_two_request"


def test_found_page_is_audited(client, world, session):
    sign_in(client, world.police.email)
    assert client.get(f"/episodes/{world.episode.id}/found").status_code == 200
    [event] = _audit(session, "child.viewed", child_id=world.child.id)
    assert event.detail["page"] == "found"


def test_report_form_is_audited(client, world, session):
    sign_in(client, world.carer.email)
    assert client.get(f"/report/children/{world.child.id}").status_code == 200
    [event] = _audit(session, "child.viewed", child_id=world.child.id)
    assert event.detail["page"] == "report_form"


def test_name_search_is_audited_with_the_children_it_showed(client, world, session):
    sign_in(client, world.sw.email)
    client.post("/report", data={"name": "Example"})
    [event] = _audit(session, "child.searched")
    assert event.detail["children"] == [world.child.id]
    assert "Example" not in str(event.detail)  # the words searched are not kept


def test_api_children_search_is_audited(client, world, api_key, session):
    police = api_key(world.police_org, "police")
    client.get("/api/v1/children", headers=police,
               query_string={"last_name": "Example", "date_of_birth": "2011-05-14"})
    [event] = _audit(session, "child.searched")
    assert event.detail == {"children": [world.child.id], "via": "api"}


def test_a_refused_child_is_audited(client, world, session):
    sign_in(client, world.outsider.email)
    assert client.get(f"/children/{world.child.id}").status_code == 404
    [event] = _audit(session, "access.refused")
    assert event.actor_id == world.outsider.id
    assert event.detail["path"] == f"/children/{world.child.id}"


def test_a_scan_of_refused_ids_writes_a_handful_of_rows_and_counts_them_all(
        client, world, session):
    sign_in(client, world.outsider.email)
    for child_id in range(1, 151):
        client.get(f"/children/{child_id + world.child.id}")
    client.get(f"/children/{world.child.id}")
    events = _audit(session, "access.refused")
    assert 1 <= len(events) <= 4
    assert events[-1].detail["count"] == 100  # written at 1, 10 and 100 refusals
    from engine.models import AuditTally

    session.rollback()
    [tally] = session.scalars(select(AuditTally)).all()
    assert tally.count == 151


def test_a_failed_sign_in_is_audited(client, make_user, session):
    user = make_user("police")
    client.post("/sign-in", data={"email": user.email, "password": "wrong"})
    [event] = _audit(session, "sign_in.failed")
    assert event.detail["email"] == user.email
    assert event.detail["count"] == 1


# --- (g) HSTS over HTTPS; no-store on API answers ---


def test_hsts_when_served_over_https(client):
    secure = client.get("/sign-in", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


def test_api_answers_are_not_stored(client, world, api_key):
    police = api_key(world.police_org, "police")
    response = client.get(f"/api/v1/cases/{world.case.id}", headers=police)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/work-items").headers["Cache-Control"] == "no-store"
