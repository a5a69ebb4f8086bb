"""The child's record through /api/v1 with an API key (issue 10, R2, R8, R43): identity,
legal status periods, placements, allocations and flags read and changed by the same
engine commands as the pages, with the same refusals; and the search."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import AuditEvent, Child


def _record(client, world, headers):
    return client.get(f"/api/v1/children/{world.child.id}/record", headers=headers)


def test_r2_identity_is_read_and_changed_with_a_reason(client, world, api_key, session):
    headers = api_key(world.council, "social_worker")
    record = _record(client, world, headers).json
    assert (record["first_name"], record["last_name"], record["date_of_birth"]) == (
        "Ava", "Example", "2011-05-14")
    assert record["responsible_org_id"] == world.council.id
    path = f"/api/v1/children/{world.child.id}/identity"
    # the declared schema refuses a sex that is not a DfE code, naming where it is
    refused = client.post(path, headers=headers, json={"values": {"sex": "X"}, "reason": ""})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json["errors"]} == {"values.sex", "reason"}
    # and a change needs a reason
    refused = client.post(path, headers=headers, json={"values": {"sex": "F"}, "reason": ""})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json["errors"]} == {"reason"}
    changed = client.post(path, headers=headers, json={
        "values": {"sex": "F", "la_child_id": "WF1234", "ethnic_code": "WBRI"},
        "reason": "From the case management system", "expected_revision":
        record["revision"]})
    assert changed.status_code == 200, changed.json
    assert (changed.json["sex"], changed.json["la_child_id"]) == ("F", "WF1234")
    stale = client.post(path, headers=headers, json={
        "values": {"sex": "M"}, "reason": "again", "expected_revision": record["revision"]})
    assert stale.status_code == 409
    session.rollback()
    assert session.get(Child, world.child.id).sex == "F"
    event = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "child.identity_changed")).one()
    assert event.detail["changes"]["la_child_id"] == [None, "WF1234"]


def test_r8_periods_allocations_and_flags_change_through_the_api(client, world, api_key,
                                                                  session, make_user):
    headers = api_key(world.council, "team_manager")
    base = f"/api/v1/children/{world.child.id}/record"
    legal = client.post(f"{base}/legal_status", headers=headers, json={"values": {
        "legal_status": "care_order", "starts_on": "2025-04-01", "cin_code": "N1"},
        "reason": "From the court order"})
    assert legal.status_code == 201, legal.json
    assert [(p["legal_status"], p["ls_code"]) for p in legal.json["legal_status_periods"]] \
        == [("care_order", "C2")]
    placed = client.post(f"{base}/placement", headers=headers, json={"values": {
        "address": "Hillside, Preston", "starts_on": "2025-04-01", "placement_type": "K2",
        "local_authority_id": world.other_council.id}, "reason": "Placed"})
    assert placed.status_code == 201 and placed.json["direction"] == "out_of_area"
    police_user = world.police
    refused = client.post(f"{base}/allocation", headers=headers, json={"values": {
        "role": "social_worker", "user_id": police_user.id, "starts_on": "2026-03-01"}})
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "user_id"
    assert "does not hold the Social worker role" in refused.json["errors"][0]["messages"][0]
    allocated = client.post(f"{base}/allocation", headers=headers, json={"values": {
        "role": "social_worker", "user_id": world.sw2.id, "starts_on": "2026-03-01"}})
    assert allocated.status_code == 201, allocated.json
    assert [(a["role"], a["user_id"]) for a in allocated.json["allocations"]] == [
        ("social_worker", world.sw2.id)]
    assert allocated.json["open_to_social_worker"] == "here"
    flags = client.post(f"/api/v1/children/{world.child.id}/flags", headers=headers,
                        json={"values": {"mental_health": True}, "reason": "CAMHS letter"})
    assert flags.status_code == 200 and flags.json["flags"]["mental_health"] is True
    assert client.post(f"{base}/nothing", headers=headers, json={"values": {}}
                       ).status_code == 422


def test_r2_the_same_refusals_as_the_pages(client, world, api_key, session):
    police = api_key(world.police_org, "police")
    assert _record(client, world, police).status_code == 200  # sees the child
    for path, body in ((f"/api/v1/children/{world.child.id}/identity",
                        {"values": {"sex": "F"}, "reason": "x"}),
                       (f"/api/v1/children/{world.child.id}/flags",
                        {"values": {"mental_health": True}, "reason": "x"}),
                       (f"/api/v1/children/{world.child.id}/record/placement",
                        {"values": {"address": "x"}, "reason": "x"})):
        assert client.post(path, headers=police, json=body).status_code == 403, path
    session.rollback()
    refusal = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "access.refused")).first()  # counted; the first is written
    assert refusal is not None and refusal.detail["what"] == "permission"
    assert refusal.detail["path"] == f"/api/v1/children/{world.child.id}/identity"
    session.rollback()
    outsider = api_key(world.other_council, "social_worker")
    assert _record(client, world, outsider).status_code == 404
    assert client.post(f"/api/v1/children/{world.child.id}/identity", headers=outsider,
                       json={"values": {"sex": "F"}, "reason": "x"}).status_code == 404


def test_search_by_name_date_of_birth_and_id_only_among_visible_children(
        client, world, api_key, session):
    headers = api_key(world.council, "social_worker")
    search = "/api/v1/children/search"
    for q in ("ava example", "14/05/2011", str(world.child.id), "Example 14/05/2011"):
        found = client.post(search, headers=headers, json={"q": q})
        assert [c["id"] for c in found.json["children"]] == [world.child.id], q
    assert client.post(search, headers=headers, json={
        "date_of_birth": "2011-05-14"}).json["children"][0]["missing_episode_id"] == \
        world.episode.id
    bad = client.post(search, headers=headers, json={"q": "31/02/2011"})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "q"
    assert client.post(search, headers=headers, json={"q": " "}).status_code == 422
    outsider = api_key(world.other_council, "social_worker")
    assert client.post(search, headers=outsider, json={"q": "Example 14/05/2011"}
                       ).json["children"] == []
    session.rollback()
    searched = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "child.searched")).all()
    assert any(world.child.id in e.detail["children"] and e.detail.get("via") == "api"
               for e in searched)
    assert all("Example" not in str(e.detail) for e in searched)
