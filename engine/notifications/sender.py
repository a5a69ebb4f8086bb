"""Delivers the e-mail outbox by SMTP, with retries and exponential back-off.

The worker calls `deliver_due` on every pass. Each message is taken with a short lease
in one transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers never take
the same one), sent with no transaction open, and its outcome recorded in another: no
database lock is held while the mail server is slow. A worker that dies between sending
and recording sends that message again once the lease runs out (at least once, never
lost). A mail server that cannot be reached leaves every message in the outbox, tried
again after 30 s, 1 min, 2 min, ... at most an hour apart, until it comes back; a
recipient the server refuses for good (5xx) is marked failed with the server's answer.

Settings come from the environment (see `MailSettings.from_env`); with no SMTP host the
outbox just waits (in-app notifications still show).
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import select

from .. import clock
from ..executor import run
from ..models import Notification, User

LEASE = dt.timedelta(minutes=5)
FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_RETRY = dt.timedelta(hours=1)


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    security: str = "none"  # none, starttls or ssl
    sender: str = "Safeguard Flow <safeguard-flow@localhost>"
    base_url: str = "http://127.0.0.1:5000"
    timeout: float = 10.0

    @classmethod
    def from_env(cls, env=None) -> MailSettings | None:
        """SAFEGUARD_SMTP_HOST (none: no e-mail), SAFEGUARD_SMTP_PORT (25),
        SAFEGUARD_SMTP_USERNAME, SAFEGUARD_SMTP_PASSWORD, SAFEGUARD_SMTP_SECURITY
        (none, starttls or ssl), SAFEGUARD_MAIL_FROM and SAFEGUARD_BASE_URL (for links)."""
        env = os.environ if env is None else env
        host = env.get("SAFEGUARD_SMTP_HOST")
        if not host:
            return None
        security = env.get("SAFEGUARD_SMTP_SECURITY", "none").lower()
        if security not in ("none", "starttls", "ssl"):
            raise ValueError(f"SAFEGUARD_SMTP_SECURITY is '{security}': use none, starttls "
                             "or ssl")
        return cls(host=host, port=int(env.get("SAFEGUARD_SMTP_PORT", "25")),
                   username=env.get("SAFEGUARD_SMTP_USERNAME") or None,
                   password=env.get("SAFEGUARD_SMTP_PASSWORD") or None, security=security,
                   sender=env.get("SAFEGUARD_MAIL_FROM", cls.sender),
                   base_url=env.get("SAFEGUARD_BASE_URL", cls.base_url).rstrip("/"))


@dataclass(frozen=True)
class Outgoing:
    id: int
    to: str
    kind: str
    subject: str
    due_at: dt.datetime | None
    link: str


@dataclass
class Delivered:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def retry_delay(attempts: int) -> dt.timedelta:
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def deliver_due(session, settings: MailSettings, actor, *, limit: int = 50) -> Delivered:
    """Send the e-mails whose time has come; record what happened to each."""
    batch = run(session, TakeDueEmails(limit), actor)
    if not batch:
        return Delivered()
    outcomes = send(settings, batch)
    return run(session, RecordDeliveries(outcomes), actor)


@dataclass
class TakeDueEmails:
    limit: int

    def __call__(self, ctx) -> list[Outgoing]:
        now = ctx.now
        rows = ctx.session.execute(
            select(Notification, User.email).join(User, User.id == Notification.user_id)
            .where(Notification.email_state == "pending", Notification.email_next_at <= now)
            .order_by(Notification.email_next_at, Notification.id).limit(self.limit)
            .with_for_update(of=Notification, skip_locked=True)).all()
        taken = []
        for note, email in rows:
            note.email_attempts += 1
            note.email_next_at = now + LEASE
            taken.append(Outgoing(note.id, email, note.kind, note.subject, note.due_at,
                                  note.path))
        return taken


@dataclass
class RecordDeliveries:
    outcomes: dict[int, tuple[str, str | None]]  # id: ("sent" | "retry" | "failed", error)

    def __call__(self, ctx) -> Delivered:
        now = ctx.now
        counts = Delivered()
        for note in ctx.session.scalars(select(Notification).where(
                Notification.id.in_(self.outcomes))):
            outcome, error = self.outcomes[note.id]
            note.email_error = error
            if outcome == "sent":
                note.email_state, note.email_sent_at, note.email_next_at = "sent", now, None
                if note.kind == "account":
                    # a one-time link lives in the e-mail only: not kept once it has gone
                    note.link = "/account/reset"
                counts.sent += 1
            elif outcome == "failed":
                note.email_state, note.email_next_at = "failed", None
                counts.failed += 1
            else:
                note.email_next_at = now + retry_delay(note.email_attempts)
                counts.retrying += 1
        return counts


def send(settings: MailSettings, batch: list[Outgoing]) -> dict[int, tuple[str, str | None]]:
    """Send each message over one connection; {id: (outcome, error)}."""
    try:
        smtp = _connect(settings)
    except OSError as exc:
        error = f"cannot reach the mail server {settings.host}:{settings.port}: {exc}"
        return {message.id: ("retry", error) for message in batch}
    outcomes = {}
    with smtp:
        for message in batch:
            try:
                smtp.send_message(compose(settings, message))
                outcomes[message.id] = ("sent", None)
            except smtplib.SMTPRecipientsRefused as exc:
                outcomes[message.id] = ("failed", f"the mail server refused {message.to}: "
                                                  f"{exc.recipients}")
            except smtplib.SMTPResponseException as exc:
                permanent = 500 <= exc.smtp_code < 600
                outcomes[message.id] = ("failed" if permanent else "retry",
                                        f"{exc.smtp_code} {exc.smtp_error!r}")
            except OSError as exc:  # the connection broke (SMTPException is an OSError)
                outcomes[message.id] = ("retry", f"sending failed: {exc}")
                break
    for message in batch:
        outcomes.setdefault(message.id, ("retry", "the mail server went away"))
    return outcomes


def _connect(settings: MailSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


WHAT = {
    "reminder": "Work that you or your team hold has a deadline coming up.",
    "new_work": "There is new work for you or your team.",
    "episode": "News of a child you reported missing.",
    "escalation": "A deadline has been missed and the escalation is now yours to deal with.",
    "account": "Follow the link to set your password. It works once, and only for a while.",
    "audit": "The daily check of the audit trail found a problem. Look at it now.",
}


def compose(settings: MailSettings, message: Outgoing) -> EmailMessage:
    """The e-mail: what the work is, when it is due and a link; nothing about the child."""
    email = EmailMessage()
    email["Subject"] = f"Safeguard Flow: {message.subject}"
    email["From"] = settings.sender
    email["To"] = message.to
    email["Date"] = format_datetime(clock.now())
    email["Message-ID"] = make_msgid(idstring=f"notification-{message.id}")
    lines = [message.subject, "", WHAT.get(message.kind, "")]
    if message.due_at is not None:
        label = "Was due" if message.kind == "escalation" else "Due"
        lines.append(f"{label}: {london_time(message.due_at)}")
    lines += [f"Open it: {settings.base_url}{message.link}", "",
              "Sign in to Safeguard Flow to see the details. For the child's safety this "
              "e-mail carries none."]
    email.set_content("\n".join(lines) + "\n")
    return email


def london_time(when: dt.datetime) -> str:
    return clock.london(when).strftime("%A %-d %B %Y at %H:%M") + " (UK time)"
