"""Administrators see the cases the worker set aside in error, and retry them."""

from engine.commands.fire_timers import MarkCaseFailed
from engine.errors import CaseFailed
from engine.executor import SYSTEM, run
from engine.models import AuditEvent, Case

from .conftest import csrf_token, sign_in


def fail(session, case_id):
    run(session, MarkCaseFailed(case_id, CaseFailed("NameError at element 'check': boom",
                                                    element="check")), SYSTEM)


def test_admin_sees_a_case_in_error_without_child_data_and_retries_it(
        app, client, world, make_user, session):
    fail(session, world.case.id)
    admin = make_user("admin", org=world.council)
    sign_in(client, admin.email)
    html = client.get("/admin/cases-in-error").get_data(as_text=True)
    assert "Cases in error" in html and f"{world.case.id} (episode)" in html
    assert "<code>check</code>" in html and "boom" in html
    assert world.child.last_name not in html  # the list never names the child

    response = client.post(f"/admin/cases-in-error/{world.case.id}/retry")

    assert response.status_code == 302
    session.rollback()
    assert session.get(Case, world.case.id).status == "running"
    assert session.query(AuditEvent).filter_by(action="case.retried",
                                               case_id=world.case.id).count() == 1
    html = client.get("/admin/cases-in-error").get_data(as_text=True)
    assert "is running again" in html and "No case is in error." in html


def test_retrying_a_case_not_in_error_says_so(client, world, make_user):
    admin = make_user("admin", org=world.council)
    sign_in(client, admin.email)
    html = client.post(f"/admin/cases-in-error/{world.case.id}/retry",
                       follow_redirects=True).get_data(as_text=True)
    assert "was not retried" in html and "is not in error" in html


def test_cases_in_error_are_for_administrators_only(client, world, session):
    fail(session, world.case.id)
    assert client.get("/admin/cases-in-error").status_code == 302  # to sign in
    sign_in(client, world.tm.email)
    assert client.get("/admin/cases-in-error").status_code == 403
    assert client.post(f"/admin/cases-in-error/{world.case.id}/retry").status_code == 403
    session.rollback()
    assert session.get(Case, world.case.id).status == "error"


def test_the_retry_form_carries_a_csrf_token(app, client, world, make_user, session):
    fail(session, world.case.id)
    admin = make_user("admin", org=world.council)
    sign_in(client, admin.email)
    assert csrf_token(client.get("/admin/cases-in-error").get_data(as_text=True))
