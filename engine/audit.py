"""The audit trail: who saw or changed what, and when.

Events are chained by hash so that a removed or edited row shows. On PostgreSQL the
writer takes a transaction-scoped advisory lock, so concurrent transactions cannot both
chain onto the same predecessor; it is held to the commit, so audit writes are serial
(bench/timers.py measures what that costs).
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select, text

from . import clock
from .models import AuditEvent

GENESIS = "0" * 64
_AUDIT_LOCK = 7_317_001


def record(session, actor, action: str, record_type: str, record_id: int | None = None, *,
           case_id: int | None = None, child_id: int | None = None,
           detail: dict | None = None) -> AuditEvent:
    # Write the transaction's rows before taking the lock: every transaction then locks
    # rows first and the audit chain last, so none waits for a row while holding the
    # chain, and two never wait on each other in a circle (a deadlock).
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK})
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        at=clock.now(), actor_id=actor.user_id, actor=actor.name, action=action,
        record_type=record_type, record_id=record_id, case_id=case_id, child_id=child_id,
        detail=detail or {}, prev_hash=prev or GENESIS,
    )
    event.hash = _digest(event)
    session.add(event)
    return event


def _digest(event: AuditEvent) -> str:
    body = json.dumps([event.prev_hash, event.at.isoformat(), event.actor_id, event.actor,
                       event.action, event.record_type, event.record_id, event.case_id,
                       event.child_id, event.detail], sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def verify(session) -> int | None:
    """The id of the first event whose chain is broken, or None if the trail is whole."""
    prev = GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        if event.prev_hash != prev or _digest(event) != event.hash:
            return event.id
        prev = event.hash
    return None
