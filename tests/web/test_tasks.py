import html

from sqlalchemy import select

from engine.models import AuditEvent, Draft, WorkItem

from .conftest import csrf_token, open_items, sign_in

GRADE = {"risk_grade": "medium", "risk_reason": "First episode.", "ce_linked": "no",
         "action": "complete"}


def _grade_item(session):
    return next(i for i in open_items(session, role="police") if i.form_key == "grade_risk")


def test_work_item_page_shows_form_and_child_and_is_audited(client, world, session):
    item = _grade_item(session)
    sign_in(client, world.police.email)
    html = client.get(f"/work/{item.id}").get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">Grade the risk</h1>" in html
    assert 'name="risk_grade"' in html and 'type="radio"' in html
    assert "Ava Example" in html
    session.rollback()
    assert session.query(AuditEvent).filter_by(action="work_item.viewed",
                                               record_id=item.id).count() == 1


def test_work_item_refusals(client, world, session):
    item = _grade_item(session)
    assert client.get(f"/work/{item.id}").status_code == 302  # not signed in
    sign_in(client, world.other_police.email)  # another force: not theirs to see
    assert client.get(f"/work/{item.id}").status_code == 404
    assert client.post(f"/work/{item.id}", data=GRADE).status_code == 404
    assert client.post(f"/work/{item.id}/claim").status_code == 404
    client.post("/sign-out")
    sign_in(client, world.sw.email)  # sees the case, but it is police work
    response = client.post(f"/work/{item.id}", data=GRADE)
    assert response.status_code == 409
    assert "this work is for the police role" in response.get_data(as_text=True).lower()
    assert session.get(WorkItem, item.id).state == "open"


def test_validation_errors_keep_what_was_typed(client, world, session):
    item = _grade_item(session)
    sign_in(client, world.police.email)
    response = client.post(f"/work/{item.id}", data={"risk_reason": "Typed reason kept",
                                                     "ce_linked": "yes",
                                                     "action": "complete"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in html and "<title>Error: Grade the risk" in html
    assert "Select the risk grade" in html
    assert 'href="#risk_grade"' in html
    assert "Typed reason kept" in html
    assert 'value="yes" checked' in html


def test_complete_runs_the_case_on(client, world, session):
    item = _grade_item(session)
    sign_in(client, world.police.email)
    response = client.post(f"/work/{item.id}", data=GRADE)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/work/{item.id}/done"
    session.rollback()
    done = session.get(WorkItem, item.id)
    assert done.state == "completed" and done.completed_by == "Pat Police"
    assert done.data["risk_grade"] == "medium" and done.data["ce_linked"] is False
    page = html.unescape(client.get(f"/work/{item.id}/done").get_data(as_text=True))
    assert "Grade the risk is complete" in page
    # What happens next: the work this completion created, who holds it, when it is due.
    created = session.scalars(select(WorkItem).where(
        WorkItem.case_id == item.case_id, WorkItem.state == "open",
        WorkItem.created_at >= done.completed_at)).all()
    assert created
    for new in created:
        assert new.name.lower() in page.lower()
    assert "What happens next" in page and "team will" in page


def test_second_person_sees_who_completed_and_keeps_their_typing(app, world, session):
    item = _grade_item(session)
    first, second = app.test_client(), app.test_client()
    sign_in(first, world.police.email)
    sign_in(second, world.police2.email)
    assert first.post(f"/work/{item.id}", data=GRADE).status_code == 302
    typed = dict(GRADE, risk_reason="My own careful words")
    response = second.post(f"/work/{item.id}", data=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Pat Police completed this work at" in html
    assert "My own careful words" in html


def test_stale_form_is_refused_and_keeps_typing(client, world, session):
    item = _grade_item(session)
    sign_in(client, world.police.email)
    stale = dict(GRADE, revision="0", risk_reason="Typed before the case moved")
    response = client.post(f"/work/{item.id}", data=stale)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this case after you opened this page" in html
    assert "Typed before the case moved" in html


def test_draft_is_kept_for_its_author_only(app, world, session):
    item = _grade_item(session)
    author = app.test_client()
    sign_in(author, world.police.email)
    response = author.post(f"/work/{item.id}", data={"risk_reason": "Half a thought",
                                                     "action": "save_draft"})
    assert response.status_code == 302
    author.post("/sign-out")
    sign_in(author, world.police.email)  # a new session
    assert "Half a thought" in author.get(f"/work/{item.id}").get_data(as_text=True)
    colleague = app.test_client()
    sign_in(colleague, world.police2.email)
    assert "Half a thought" not in colleague.get(f"/work/{item.id}").get_data(as_text=True)
    assert author.post(f"/work/{item.id}", data=GRADE).status_code == 302
    session.rollback()
    assert session.query(Draft).count() == 0


def test_claim_and_release(app, world, session):
    item = _grade_item(session)
    me, colleague = app.test_client(), app.test_client()
    sign_in(me, world.police.email)
    sign_in(colleague, world.police2.email)
    me.post(f"/work/{item.id}/claim")
    session.rollback()
    assert session.get(WorkItem, item.id).assignee_id == world.police.id
    colleague.post(f"/work/{item.id}/claim")
    assert "Pat Police has already claimed" in colleague.get(
        f"/work/{item.id}").get_data(as_text=True)
    assert colleague.post(f"/work/{item.id}", data=GRADE).status_code == 409
    me.post(f"/work/{item.id}/release")
    session.rollback()
    assert session.get(WorkItem, item.id).assignee_id is None


def test_team_manager_reassigns_with_a_reason(client, world, session):
    item = next(i for i in open_items(session, role="social_worker"))
    sign_in(client, world.tm.email)
    page = client.get(f"/work/{item.id}").get_data(as_text=True)
    assert "Sol Second Worker" in page and "Olly Outsider" not in page
    refused = client.post(f"/work/{item.id}/reassign", data={"to_user_id": world.sw2.id})
    assert refused.status_code == 400
    assert "Enter why you are reassigning this work" in refused.get_data(as_text=True)
    outsider = client.post(f"/work/{item.id}/reassign",
                           data={"to_user_id": world.outsider.id, "reason": "x"})
    assert "Select a colleague who holds this role" in outsider.get_data(as_text=True)
    done = client.post(f"/work/{item.id}/reassign",
                       data={"to_user_id": world.sw2.id, "reason": "Sam is on leave"})
    assert done.status_code == 302
    session.rollback()
    assert session.get(WorkItem, item.id).assignee_id == world.sw2.id
    event = session.query(AuditEvent).filter_by(action="work_item.reassigned").one()
    assert event.detail["reason"] == "Sam is on leave"


def test_only_managers_may_reassign(client, world, session):
    item = next(i for i in open_items(session, role="social_worker"))
    sign_in(client, world.sw.email)
    response = client.post(f"/work/{item.id}/reassign",
                           data={"to_user_id": world.sw2.id, "reason": "mine"})
    assert response.status_code == 403


def test_complete_refused_without_csrf_token(app, world, session):
    app.config["WTF_CSRF_ENABLED"] = True
    item = _grade_item(session)
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    client.post("/sign-in", data={"email": world.police.email,
                                  "password": "correct horse battery staple",
                                  "csrf_token": csrf_token(page)})
    response = client.post(f"/work/{item.id}", data=GRADE)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    session.rollback()
    assert session.get(WorkItem, item.id).state == "open"
    token = csrf_token(client.get(f"/work/{item.id}").get_data(as_text=True))
    assert client.post(f"/work/{item.id}", data=dict(GRADE, csrf_token=token)).status_code \
        == 302


def test_r8_mach_review_by_a_council_mach_user_is_refused_and_audited(client, world, session,
                                                                    make_user):
    council_mach = make_user("mach", org=world.council, name="Casey Council MACH")
    police_mach = make_user("mach", org=world.police_org, name="Mo Police MACH")
    item = next(i for i in open_items(session, role="mach") if i.element_id == "mach_review")
    sign_in(client, council_mach.email)
    response = client.post(f"/work/{item.id}", data={"action": "complete"})
    assert response.status_code == 409
    assert "done by a police officer in the MACH" in response.get_data(as_text=True)
    session.rollback()
    refusal = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "access.refused", AuditEvent.actor_id == council_mach.id)).one()
    assert refusal.detail["what"] == "work item"
    assert session.get(WorkItem, item.id).state == "open"
    session.commit()
    client.post("/sign-out")
    sign_in(client, police_mach.email)
    page = client.get(f"/work/{item.id}")
    assert page.status_code == 200
    assert "done by a police officer in the MACH" not in page.get_data(as_text=True)
