"""R13: another authority's notification about their child is taken in on the child's
page and through the API, and starts what the procedure says (inbound_notification)."""

from __future__ import annotations

from sqlalchemy import select

from engine.models import AuditEvent, Case, WorkItem

from .conftest import csrf_token, sign_in

NOTICE = {"notifying_authority": "Lancashire County Council", "notification_kind": "missing",
          "notification_details": "Missing since 8am from the placement in Kendal."}


def _form(received="2 3 2026 10 00"):
    day, month, year, hour, minute = received.split()
    return {**{k: v for k, v in NOTICE.items()},
            "received_at-day": day, "received_at-month": month, "received_at-year": year,
            "received_at-hour": hour, "received_at-minute": minute}


def test_r13_the_mach_records_a_notification_and_the_case_starts(client, world, make_user,
                                                                  session):
    mach = make_user("mach", org=world.police_org, name="Morgan MACH")
    sign_in(client, mach.email)
    assert "Record a notification from another authority" in client.get(
        f"/children/{world.child.id}").get_data(as_text=True)
    page = client.get(f"/children/{world.child.id}/notification")
    assert page.status_code == 200
    done = client.post(f"/children/{world.child.id}/notification",
                       data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                             **_form()})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    session.rollback()
    case = session.scalar(select(Case).where(Case.process_id == "inbound_notification"))
    assert case is not None and case.child_id == world.child.id
    assert done.headers["Location"].endswith(f"/cases/{case.id}")
    assert session.scalar(select(WorkItem).where(WorkItem.case_id == case.id,
                                                 WorkItem.state == "open")) is not None
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "The notification about Ava is recorded" in shown
    assert session.scalar(select(AuditEvent).where(
        AuditEvent.action == "notification.received")) is not None


def test_r13_a_bad_notification_keeps_what_was_typed_and_names_the_field(client, world,
                                                                         make_user, session):
    mach = make_user("mach", org=world.police_org)
    sign_in(client, mach.email)
    form = {**_form("31 2 2026 10 00"), "notifying_authority": ""}
    page = client.get(f"/children/{world.child.id}/notification")
    bad = client.post(f"/children/{world.child.id}/notification",
                      data={"csrf_token": csrf_token(page.get_data(as_text=True)), **form})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "Missing since 8am from the placement in Kendal." in html  # kept
    assert 'href="#notifying_authority"' in html or "notifying_authority" in html
    session.rollback()
    assert session.scalar(select(Case).where(Case.process_id == "inbound_notification")) \
        is None


def test_r13_roles_without_a_part_and_outsiders_are_refused(client, world):
    sign_in(client, world.carer.email)
    assert client.get(f"/children/{world.child.id}/notification").status_code == 403
    client.post("/sign-out")
    sign_in(client, world.outsider.email)  # a social worker of another council
    assert client.get(f"/children/{world.child.id}/notification").status_code == 404


def test_r13_the_api_takes_in_a_notification(client, world, api_key, session, fake_clock):
    headers = api_key(world.council, "mach")
    notice = {**NOTICE, "received_at": fake_clock.now().isoformat()}
    made = client.post(f"/api/v1/children/{world.child.id}/notifications", headers=headers,
                       json={"notification": notice})
    assert made.status_code == 201, made.get_data(as_text=True)
    assert made.json["process_id"] == "inbound_notification"
    assert made.json["work_items"]
    bad = client.post(f"/api/v1/children/{world.child.id}/notifications", headers=headers,
                      json={"notification": {**notice, "notification_kind": "lost"}})
    assert bad.status_code == 422
    outsider = api_key(world.other_council, "mach")
    assert client.post(f"/api/v1/children/{world.child.id}/notifications", headers=outsider,
                       json={"notification": notice}).status_code == 404
