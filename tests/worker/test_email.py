"""The e-mail sender against a real SMTP server on loopback: what goes out, and what
happens when the server is down or refuses a recipient."""

import datetime as dt

import pytest
from sqlalchemy import select, update

from engine.models import Notification, User
from engine.notifications.sender import MailSettings, retry_delay
from engine.worker import Worker
from tests.worker.conftest import open_items
from tests.worker.mailserver import MailServer

H = dt.timedelta(hours=1)
BASE = "https://safeguard.example.gov.uk"


@pytest.fixture
def mail_server():
    server = MailServer()
    yield server
    server.stop()


@pytest.fixture
def mailing_worker(sessions, fake_clock, mail_server):
    settings = MailSettings(host="127.0.0.1", port=mail_server.port, base_url=BASE,
                            sender="Safeguard Flow <noreply@example.gov.uk>", timeout=5)
    return Worker(sessions, mail=settings, name="Mail worker")


def outbox(session):
    """The e-mails (new work shown in-app only, as the people asked, is not one)."""
    session.rollback()
    return session.scalars(select(Notification).where(Notification.email_state != "off")
                           .order_by(Notification.id)).all()


def reminders_due(fake_clock, start, session=None):
    """Two police officers' reminders for a task due at 12:00 London time. The officers
    are not e-mailed the new work (their setting): these tests count reminders."""
    if session is not None:
        session.execute(update(User).values(email_new_work=False))
        session.commit()
    due = fake_clock.now() + 3 * H
    case_id = start(due)
    fake_clock.set(due - H)
    return case_id, due


def test_email_says_what_when_and_where_and_nothing_about_the_child(
        session, fake_clock, start, mailing_worker, mail_server, people):
    mail_server.start()
    case_id, due = reminders_due(fake_clock, start, session)
    done = mailing_worker.run_once()
    assert (done.reminded, done.emails.sent) == (1, 2)
    assert sorted(m["To"] for m in mail_server.messages) == ["police2@example.org",
                                                             "police@example.org"]
    message = mail_server.messages[0]
    assert message["Subject"] == "Safeguard Flow: Due soon: Do the work"
    assert message["From"] == "Safeguard Flow <noreply@example.gov.uk>"
    body = message.get_content()
    assert "Due: Monday 2 March 2026 at 12:00 (UK time)" in body
    item = open_items(session, case_id)["do_it"]
    assert f"Open it: {BASE}/work/{item.id}" in body
    for personal in ("Alex", "Example", "2011"):
        assert personal not in body and personal not in message["Subject"]
    assert {(n.email_state, n.email_attempts, n.email_sent_at) for n in outbox(session)} == {
        ("sent", 1, fake_clock.now())}
    assert mailing_worker.run_once().emails.sent == 0
    assert len(mail_server.messages) == 2


def test_london_summer_time_in_the_email(session, fake_clock, start, mailing_worker,
                                          mail_server):
    mail_server.start()
    fake_clock.set(dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC))
    reminders_due(fake_clock, start, session)
    mailing_worker.run_once()
    assert "Due: Wednesday 1 July 2026 at 12:00 (UK time)" in mail_server.messages[0].get_content()


def test_smtp_down_notifications_stay_in_the_outbox_and_go_when_it_is_back(
        session, fake_clock, start, mailing_worker, mail_server):
    reminders_due(fake_clock, start, session)
    done = mailing_worker.run_once()
    assert (done.reminded, done.emails.sent, done.emails.retrying) == (1, 0, 2)
    first_try = fake_clock.now()
    for note in outbox(session):
        assert (note.email_state, note.email_attempts) == ("pending", 1)
        assert note.email_next_at == first_try + dt.timedelta(seconds=30)
        assert "cannot reach the mail server" in note.email_error

    fake_clock.advance(seconds=29)
    mailing_worker.run_once()
    assert {n.email_attempts for n in outbox(session)} == {1}  # backing off
    fake_clock.advance(seconds=2)
    mailing_worker.run_once()
    assert {(n.email_attempts, n.email_next_at) for n in outbox(session)} == {
        (2, fake_clock.now() + dt.timedelta(seconds=60))}  # twice as long

    mail_server.start()
    fake_clock.advance(seconds=60)
    assert mailing_worker.run_once().emails.sent == 2
    assert {(n.email_state, n.email_error) for n in outbox(session)} == {("sent", None)}
    assert len(mail_server.messages) == 2


def test_a_refused_recipient_is_failed_not_retried(session, fake_clock, start, mailing_worker,
                                                   mail_server):
    mail_server.refuse("police2@example.org")
    mail_server.start()
    reminders_due(fake_clock, start, session)
    done = mailing_worker.run_once()
    assert (done.emails.sent, done.emails.failed) == (1, 1)
    failed = [n for n in outbox(session) if n.email_state == "failed"]
    assert len(failed) == 1 and "police2@example.org" in failed[0].email_error
    fake_clock.advance(minutes=50)  # long past any back-off, still before the deadline
    mailing_worker.run_once()
    assert len(mail_server.messages) == 1


def test_back_off_doubles_up_to_an_hour():
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(20) == dt.timedelta(hours=1)


def test_settings_from_the_environment():
    assert MailSettings.from_env({}) is None
    settings = MailSettings.from_env({
        "SAFEGUARD_SMTP_HOST": "smtp.example.org", "SAFEGUARD_SMTP_PORT": "587",
        "SAFEGUARD_SMTP_USERNAME": "flow", "SAFEGUARD_SMTP_PASSWORD": "secret",
        "SAFEGUARD_SMTP_SECURITY": "STARTTLS", "SAFEGUARD_MAIL_FROM": "flow@example.org",
        "SAFEGUARD_BASE_URL": "https://flow.example.org/"})
    assert (settings.host, settings.port, settings.username, settings.password,
            settings.security, settings.sender, settings.base_url) == (
        "smtp.example.org", 587, "flow", "secret", "starttls", "flow@example.org",
        "https://flow.example.org")
    with pytest.raises(ValueError, match="SAFEGUARD_SMTP_SECURITY"):
        MailSettings.from_env({"SAFEGUARD_SMTP_HOST": "h", "SAFEGUARD_SMTP_SECURITY": "tls"})
