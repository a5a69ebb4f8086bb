"""Issue 12: every person is told of new work for them, in the app and by e-mail (unless
they turned e-mail of new work off), not only of reminders and escalations; and whoever
reported a child hears when the child is found and when the episode is closed. The
e-mails go through a real SMTP server on loopback."""

import pytest
from sqlalchemy import select, update

from engine.models import Notification, User
from engine.notifications.sender import MailSettings
from engine.worker import Worker
from tests.worker.mailserver import MailServer

BASE = "https://safeguard.example.gov.uk"


@pytest.fixture
def mail_server():
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def deliver(sessions, mail_server):
    worker = Worker(sessions, mail=MailSettings(host="127.0.0.1", port=mail_server.port,
                                                base_url=BASE, timeout=5), name="Mail")
    return worker.run_once


def notes_for(session, user_id):
    session.rollback()
    return session.scalars(select(Notification).where(Notification.user_id == user_id)
                           .order_by(Notification.id)).all()


def mail_to(mail_server, email):
    return [(m["Subject"], m.get_content()) for m in mail_server.messages if m["To"] == email]


def test_r22_the_rhi_worker_hears_of_a_new_72_hour_interview_and_the_carer_of_the_child(
        proc, session, mail_server, deliver):
    episode = proc.report(proc.child(), actor="carer")
    deliver()
    police = mail_to(mail_server, "police@example.org")
    assert ("Safeguard Flow: New work: Grade the risk" in [s for s, _ in police])
    proc.found(episode)
    rhi = proc.items(episode)["rhi"]
    told = [n for n in notes_for(session, proc.user_ids["rhi_worker"])
            if n.kind == "new_work"]
    assert [(n.subject, n.due_at, n.path) for n in told] == [
        (f"New work: {rhi.name}", rhi.due_at, f"/work/{rhi.id}")]
    deliver()
    subject, body = mail_to(mail_server, "rhi_worker@example.org")[-1]
    assert subject == f"Safeguard Flow: New work: {rhi.name}"
    assert "There is new work for you or your team." in body
    assert f"Open it: {BASE}/work/{rhi.id}" in body and "Due: " in body
    for personal in ("Alex", "Example", "2011"):
        assert personal not in body and personal not in subject

    carer = mail_to(mail_server, "carer@example.org")
    assert carer[-1][0] == "Safeguard Flow: A child you reported missing has been found"
    child_id = proc.episode(episode).child_id
    assert f"{BASE}/report/children/{child_id}" in carer[-1][1]
    assert "Alex" not in carer[-1][1]

    for _ in range(40):  # everyone does their work until the episode closes
        items = proc.items(episode)
        if not items:
            break
        proc.complete(episode, sorted(items)[0])
    assert proc.episode(episode).status == "closed"
    deliver()
    assert mail_to(mail_server, "carer@example.org")[-1][0] == (
        "Safeguard Flow: The episode of a child you reported missing is closed")
    kinds = [n.kind for n in notes_for(session, proc.user_ids["carer"])]
    assert kinds.count("episode") == 2


def test_new_work_without_email_for_who_turned_it_off_still_shows_in_the_app(
        proc, session, mail_server, deliver):
    session.execute(update(User).where(User.id == proc.user_ids["police"])
                    .values(email_new_work=False))
    session.commit()
    proc.report(proc.child(), actor="carer")
    deliver()
    notes = [n for n in notes_for(session, proc.user_ids["police"]) if n.kind == "new_work"]
    assert "New work: Grade the risk" in [n.subject for n in notes]
    assert {n.email_state for n in notes} == {"off"}
    assert mail_to(mail_server, "police@example.org") == []
    assert mail_to(mail_server, "social_worker@example.org")  # the others are e-mailed
