"""Checking the audit trail: `safeguard audit verify` and the worker's daily run.

The chain is read outside any write transaction (it can be long, and on SQLite a command
holds the write lock); the outcome is then recorded by a command, and on failure every
active administrator is notified (in-app and by e-mail, without detail of the records)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from .. import audit
from ..access import ADMIN_ROLES
from ..executor import SYSTEM, run
from ..models import AuditCheck, Notification, User, UserRole

EVERY = dt.timedelta(days=1)


@dataclass
class RecordAuditCheck:
    ok: bool
    events: int
    message: str
    notify: bool = True

    def __call__(self, ctx) -> AuditCheck:
        check = AuditCheck(at=ctx.now, ok=self.ok, events=self.events, message=self.message)
        ctx.session.add(check)
        if not self.ok and self.notify:
            admins = ctx.session.scalars(select(User.id).join(UserRole).where(
                UserRole.role.in_(ADMIN_ROLES), User.active.is_(True))).all()
            for user_id in sorted(set(admins)):
                ctx.session.add(Notification(
                    user_id=user_id, kind="audit", case_id=None, link="/admin/audit",
                    subject="The audit trail check failed: events may have been changed "
                            "or removed", created_at=ctx.now, email_next_at=ctx.now))
        return check


def check_audit_trail(session, *, notify: bool = True, actor=SYSTEM) -> AuditCheck:
    problem = audit.verify(session)
    events = audit.count(session)
    session.rollback()  # end the read before the command
    return run(session, RecordAuditCheck(problem is None, events,
                                         str(problem) if problem else "", notify), actor)


def check_due(session, now) -> bool:
    last = session.scalar(select(AuditCheck.at).order_by(AuditCheck.at.desc()).limit(1))
    session.rollback()
    return last is None or now - last >= EVERY
