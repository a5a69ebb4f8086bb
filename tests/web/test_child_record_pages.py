"""The child's record pages through real HTTP (R2, R43): change a part with a reason,
refusals keep what was typed, history says who, when and why, location withheld."""

from sqlalchemy import select

from engine.child_record import SetFlags
from engine.executor import SYSTEM, run
from engine.models import AuditEvent, Placement

from .conftest import csrf_token, sign_in

PLACEMENT = {"address": "Lakeside House", "postcode": "LA9 4DL", "placement_type": "K2",
             "starts_on-day": "1", "starts_on-month": "2", "starts_on-year": "2026",
             "reason": "Moved after a placement breakdown"}


def _post(client, path, data):
    token = csrf_token(client.get(path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def test_r2_social_worker_adds_a_placement_and_history_says_who_when_why(client, world,
                                                                         session):
    sign_in(client, world.sw.email)
    path = f"/children/{world.child.id}/record/placement/new"
    response = _post(client, path, {**PLACEMENT, "local_authority_id": world.council.id})
    assert response.status_code == 302
    session.rollback()
    row = session.scalar(select(Placement).where(Placement.child_id == world.child.id))
    assert (row.address, row.local_authority_id) == ("Lakeside House", world.council.id)
    record = client.get(f"/children/{world.child.id}/record").get_data(as_text=True)
    assert "Lakeside House" in record and "Placed in our area by us" in record
    history = client.get(f"/children/{world.child.id}/history").get_data(as_text=True)
    assert "Placement recorded" in history and "Sam Social Worker" in history
    assert "Moved after a placement breakdown" in history and "Lakeside House" in history
    assert "placement_type" not in history and "local_authority_id" not in history


def test_r2_an_overlapping_placement_is_refused_and_what_was_typed_is_kept(client, world):
    sign_in(client, world.sw.email)
    path = f"/children/{world.child.id}/record/placement/new"
    assert _post(client, path, {**PLACEMENT, "local_authority_id": world.council.id,
                                "ends_on-day": "1", "ends_on-month": "3",
                                "ends_on-year": "2026"}).status_code == 302
    response = _post(client, path, {**PLACEMENT, "address": "Second home",
                                    "local_authority_id": world.council.id,
                                    "starts_on-day": "10"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This overlaps the placement from 1 February 2026 to 1 March 2026" in html
    assert 'value="Second home"' in html and 'href="#starts_on-day"' in html
    response = _post(client, path, {**PLACEMENT, "local_authority_id": "999"})
    assert "Select the local authority the placement is in" in response.get_data(
        as_text=True)


def test_r2_only_record_keepers_change_it_and_outsiders_see_nothing(client, world):
    sign_in(client, world.police.email)
    assert client.get(f"/children/{world.child.id}/record").status_code == 200
    assert client.get(f"/children/{world.child.id}/record/flags").status_code == 403
    client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/").get_data(
        as_text=True))})
    sign_in(client, world.outsider.email)
    assert client.get(f"/children/{world.child.id}/record").status_code == 404
    assert client.get(f"/children/{world.child.id}/history").status_code == 404


def test_r28_child_page_says_missing_since_and_a_second_report_links_the_open_one(
        client, world):
    sign_in(client, world.sw.email)
    page = client.get(f"/children/{world.child.id}").get_data(as_text=True)
    assert "has been missing since" in page and f"Report {world.child.first_name} missing" \
        not in page
    form = client.get(f"/report/children/{world.child.id}").get_data(as_text=True)
    assert "already reported missing or away" in form
    assert f"/cases/{world.case.id}" in form


def test_r43_location_withheld_from_a_user_without_working_need(client, world, session,
                                                                make_user):
    run(session, SetFlags(world.child.id, {"location_withheld": True},
                          "R43: identity not established"), SYSTEM)
    sign_in(client, world.sw.email)
    _post(client, f"/children/{world.child.id}/record/placement/new",
          {**PLACEMENT, "local_authority_id": world.council.id})
    assert "Lakeside House" in client.get(f"/children/{world.child.id}/record").get_data(
        as_text=True)
    health = make_user("health", org=world.council, name="Hana Health")
    client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/").get_data(
        as_text=True))})
    sign_in(client, health.email)
    for path in (f"/children/{world.child.id}", f"/children/{world.child.id}/record",
                 f"/children/{world.child.id}/history"):
        html = client.get(path).get_data(as_text=True)
        assert "Lakeside House" not in html and "LA9 4DL" not in html, path
        assert "ithheld" in html, path
    session.rollback()
    hidden = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "child.location_hidden",
        AuditEvent.actor_id == health.id)).all()
    assert len(hidden) == 3


def test_r11_administrators_set_the_partnership(client, world, make_user, session):
    from engine.models import PartnershipOrganisation

    admin = make_user("admin", org=world.council, name="Alex Admin")
    sign_in(client, admin.email)
    response = _post(client, "/admin/partnership", {"organisation_ids": [
        str(world.police_org.id)]})
    assert response.status_code == 400
    assert "Choose at least one local authority" in response.get_data(as_text=True)
    response = _post(client, "/admin/partnership", {"organisation_ids": [
        str(world.council.id), str(world.police_org.id)]})
    assert response.status_code == 302
    session.rollback()
    assert {r.organisation_id for r in session.scalars(select(PartnershipOrganisation))} == {
        world.council.id, world.police_org.id}
    client.post("/sign-out", data={"csrf_token": csrf_token(client.get("/").get_data(
        as_text=True))})
    sign_in(client, world.sw.email)
    assert client.get("/admin/partnership").status_code == 403
