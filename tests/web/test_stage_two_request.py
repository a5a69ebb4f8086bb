"""Requesting a Stage Two meeting from the child page (R31, R33)."""

from engine.models import Case, WorkItem

from .conftest import sign_in


def test_r31_social_worker_requests_stage_two_from_the_child_page(client, world, session):
    sign_in(client, world.sw.email)
    page = client.get(f"/children/{world.child.id}").get_data(as_text=True)
    assert f"/children/{world.child.id}/stage-two-request" in page

    response = client.post(f"/children/{world.child.id}/stage-two-request",
                           data={"reason": "Ongoing criminal exploitation concerns"})

    assert response.status_code == 302
    session.rollback()
    case = session.query(Case).filter_by(child_id=world.child.id, process_id="stage_two").one()
    assert response.headers["Location"] == f"/cases/{case.id}"
    assert session.query(WorkItem).filter_by(case_id=case.id, state="open").count() >= 1
    page = client.get(f"/children/{world.child.id}").get_data(as_text=True)
    assert "Stage Two meeting</a>" in page


def test_r31_a_request_without_a_reason_keeps_the_page_and_names_the_field(client, world,
                                                                          session):
    sign_in(client, world.sw.email)
    response = client.post(f"/children/{world.child.id}/stage-two-request",
                           data={"reason": "  "})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Error: " in html and "Enter why a Stage Two meeting is needed" in html
    assert 'href="#reason"' in html
    session.rollback()
    assert session.query(Case).filter_by(process_id="stage_two").count() == 0


def test_r33_request_for_a_child_with_no_episodes_goes_to_the_service_manager(
        client, world, make_child, session):
    quiet = make_child(world.council, first_name="Quinn", social_worker_id=world.sw.id)
    sign_in(client, world.sw.email)
    response = client.post(f"/children/{quiet.id}/stage-two-request",
                           data={"reason": "Worried about contacts"})
    assert response.status_code == 302
    session.rollback()
    assert session.query(Case).filter_by(process_id="stage_two", child_id=quiet.id).count() == 1


def test_stage_two_request_refuses_another_councils_worker(client, world):
    sign_in(client, world.outsider.email)
    assert client.post(f"/children/{world.child.id}/stage-two-request",
                       data={"reason": "x"}).status_code in (403, 404)


def test_stage_two_request_refuses_a_carer(client, world):
    sign_in(client, world.carer.email)
    assert client.get(f"/children/{world.child.id}/stage-two-request").status_code == 403
