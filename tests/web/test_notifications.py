"""The notifications page (issue 5): each person sees their own reminders and escalations,
with a link to the work, and can mark them read."""

from sqlalchemy import func, select

from engine.models import Notification, Timer, WorkItem
from engine.worker import Worker
from tests.web.conftest import sign_in


def remind_team_manager(session, sessions, fake_clock, world):
    """Move to the need-to-know report's reminder time and let the worker send it."""
    timer = session.scalar(select(Timer).where(Timer.case_id == world.case.id,
                                               Timer.element_id == "need_to_know_due"))
    fake_clock.set(timer.reminder_at)
    session.rollback()
    Worker(sessions, name="Test worker").run_once()
    return session.scalar(select(WorkItem).where(WorkItem.task_id == timer.bounds_task_id))


def team_manager_notes(session, world) -> int:
    session.rollback()
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == world.tm.id))


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get("/notifications")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_a_reminder_shows_to_its_recipient_with_a_link_to_the_work(
        client, session, sessions, fake_clock, world):
    item = remind_team_manager(session, sessions, fake_clock, world)
    sign_in(client, world.tm.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Due soon: Send the need-to-know report" in page
    assert f'href="/work/{item.id}"' in page
    # the need-to-know reminder, and the escalations of the team manager's earlier
    # deadlines (action plan, daily contact) that came before it
    assert f"{team_manager_notes(session, world)} unread" in page
    assert 'href="/notifications"' in page  # in the header's navigation
    response = client.get(f"/work/{item.id}")
    assert response.status_code == 200


def test_nobody_sees_anyone_elses_notifications(client, session, sessions, fake_clock, world):
    remind_team_manager(session, sessions, fake_clock, world)
    sign_in(client, world.sw.email)
    page = client.get("/notifications").get_data(as_text=True)
    # the social worker has their own new work, but not the team manager's reminder
    assert "New work:" in page
    assert "Due soon" not in page and "need-to-know" not in page


def test_mark_all_read(client, session, sessions, fake_clock, world):
    remind_team_manager(session, sessions, fake_clock, world)
    sign_in(client, world.tm.email)
    notes = team_manager_notes(session, world)
    response = client.post("/notifications/read")
    assert response.status_code == 302
    page = client.get("/notifications").get_data(as_text=True)
    assert f"{notes} notification{'s' if notes > 1 else ''} marked as read" in page
    assert "0 unread" in page and "Mark all as read" not in page
    session.rollback()
    assert set(session.scalars(select(Notification.read_at).where(
        Notification.user_id == world.tm.id))) == {fake_clock.now()}
    assert None in set(session.scalars(select(Notification.read_at).where(
        Notification.user_id != world.tm.id)))  # nobody else's


def test_a_person_turns_email_of_new_work_off_and_on(client, session, world):
    from engine.models import AuditEvent, User

    sign_in(client, world.police.email)
    page = client.get("/notifications").get_data(as_text=True)
    assert "New work: Grade the risk" in page  # told of the report's new work
    assert 'name="email_new_work" type="radio" value="yes" checked' in page
    response = client.post("/notifications/settings", data={"email_new_work": "no"},
                           follow_redirects=True)
    assert "You will not be e-mailed about new work" in response.get_data(as_text=True)
    session.rollback()
    assert session.get(User, world.police.id).email_new_work is False
    assert session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "notifications.settings")) == 1
    client.post("/notifications/settings", data={"email_new_work": "yes"})
    session.rollback()
    assert session.get(User, world.police.id).email_new_work is True


def test_a_carer_sees_the_children_they_reported_and_what_became_of_them(client, session,
                                                                          world):
    sign_in(client, world.carer.email)
    page = client.get("/report").get_data(as_text=True)
    assert "Children you have reported" in page
    assert "Ava Example</a>, missing since" in page and "Not found yet" in page
    client.post("/sign-out")
    sign_in(client, world.police.email)  # another reporter's list has only their own
    assert "Children you have reported" not in client.get("/report").get_data(as_text=True)
