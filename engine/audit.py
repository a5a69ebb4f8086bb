"""The audit trail: who saw or changed what, and when.

Events are chained by hash so that a removed or edited row shows: each event's hash covers
the hash of the one before (not stored again in the row: it is that row's `hash`, and
verifying recomputes every link anyway, issue 16). A removed row at the end
would leave a shorter chain that is still whole, so every event also rewrites the chain's
head (`audit_head`: the last id, the count and the last hash) signed with an HMAC key the
application holds outside the database: someone with the database alone can delete the
tail or edit the head, but cannot sign a head that agrees with what is left.

On PostgreSQL the writer locks the head row (SELECT ... FOR UPDATE), so concurrent
transactions cannot both chain onto the same predecessor; the lock is held to the commit,
so audit writes are serial (bench/timers.py measures what that costs). The same statement
reads the last hash: one round trip, where an advisory lock and a read took two.

Refusals and failed sign-ins are counted (`tally`) rather than written one row each: a
scan of ten thousand ids writes five events (at 1, 10, 100, 1,000 and 10,000) and one
counter row with the exact number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, select, text

from . import clock
from .models import AuditEvent, AuditHead, AuditTally

GENESIS = "0" * 64
_AUDIT_LOCK = 7_317_001
# Used only where no key is configured (development and tests); production refuses it.
DEVELOPMENT_KEY = "safeguard-flow development audit key"  # noqa: S105 (documented)
TALLY_WINDOW = dt.timedelta(hours=1)


def signing_key() -> bytes:
    """SAFEGUARD_AUDIT_KEY, else SECRET_KEY, from the environment: every web process and
    worker must share it."""
    key = os.environ.get("SAFEGUARD_AUDIT_KEY") or os.environ.get("SECRET_KEY")
    return (key or DEVELOPMENT_KEY).encode()


def has_configured_key() -> bool:
    return bool(os.environ.get("SAFEGUARD_AUDIT_KEY") or os.environ.get("SECRET_KEY"))


def _lock(session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK})


def _locked_head(session) -> AuditHead | None:
    """The head row, locked to the commit (FOR UPDATE on PostgreSQL; SQLite's command
    already holds the write lock): one statement both serialises the chain and reads its
    last hash. Read fresh, never from the session's identity map, which may hold the head
    as an earlier transaction of this session left it."""
    head = session.get(AuditHead, 1, with_for_update=True, populate_existing=True)
    if head is None:
        # No head row yet (a new database): nothing to lock, so the writers of the first
        # events queue on the advisory lock, and each reads what the one before wrote.
        _lock(session)
        head = session.get(AuditHead, 1, populate_existing=True)
    return head


def _head_for_write(session) -> AuditHead:
    """The locked head, made from the chain's last event if there is none yet (the first
    event since the head was introduced). Every writer, one event or a worker's batch,
    comes through here, so they all queue on the same lock."""
    head = _locked_head(session)
    if head is None:
        last = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        count = session.scalar(select(func.count(AuditEvent.id)))
        head = AuditHead(id=1, last_id=last.id if last else 0, count=count,
                         head_hash=last.hash if last else GENESIS, mac="")
        session.add(head)
    return head


def record(session, actor, action: str, record_type: str, record_id: int | None = None, *,
           case_id: int | None = None, child_id: int | None = None,
           detail: dict | None = None) -> AuditEvent:
    queue = session.info.get(_DEFERRED)
    if queue:
        event = AuditEvent(
            at=clock.now(), actor_id=actor.user_id, actor=actor.name, action=action,
            record_type=record_type, record_id=record_id, case_id=case_id,
            child_id=child_id, detail=detail or {})
        queue[-1].append(event)
        return event
    # Write the transaction's rows before taking the lock: every transaction then locks
    # rows first and the audit chain last, so none waits for a row while holding the
    # chain, and two never wait on each other in a circle (a deadlock).
    session.flush()
    head = _head_for_write(session)
    event = AuditEvent(
        at=clock.now(), actor_id=actor.user_id, actor=actor.name, action=action,
        record_type=record_type, record_id=record_id, case_id=case_id, child_id=child_id,
        detail=detail or {},
    )
    event.hash = _digest(event, head.head_hash)
    session.add(event)
    session.flush()
    head.last_id, head.count, head.head_hash = event.id, head.count + 1, event.hash
    head.mac = _mac(head.last_id, head.count, head.head_hash)
    return event


_DEFERRED = "audit_deferred"


@contextmanager
def deferred(session):
    """Hold the events recorded inside back, and chain them all at the end under one take
    of the lock: a worker firing many cases in one transaction then holds the chain (which
    every writer shares) only for the inserts and the commit, not for the cases' engine
    work. Nested: an inner block's events join the outer block's if it ends cleanly and
    are dropped if it raises (its savepoint rolled back what they describe)."""
    stack = session.info.setdefault(_DEFERRED, [])
    stack.append([])
    try:
        yield
    except BaseException:
        stack.pop()
        raise
    events = stack.pop()
    if stack:
        stack[-1].extend(events)
    elif events:
        _chain(session, events)


def _chain(session, events: list[AuditEvent]) -> None:
    session.flush()
    head = _head_for_write(session)
    start_hash = head.head_hash
    _link(events, start_hash)
    session.add_all(events)
    session.flush()
    by_id = sorted(events, key=lambda e: e.id)
    if by_id != events:  # the chain is read in id order: link it in the order ids came
        _link(by_id, start_hash)
        session.flush()
    head.last_id, head.count, head.head_hash = by_id[-1].id, head.count + len(events), \
        by_id[-1].hash
    head.mac = _mac(head.last_id, head.count, head.head_hash)


def _link(events, prev_hash: str) -> None:
    for event in events:
        event.hash = prev_hash = _digest(event, prev_hash)


def tally(session, actor, key: str, action: str, record_type: str, *,
          detail: dict | None = None, record_id: int | None = None) -> int:
    """Count one refused or failed attempt under `key` in the current hour; write an audit
    event on the 1st, 10th, 100th, ... of the window. The count so far."""
    _lock(session)  # serialises the counter on PostgreSQL; SQLite holds the write lock
    now = clock.now()
    start = now.replace(minute=0, second=0, microsecond=0)
    row = session.get(AuditTally, (key, start))
    if row is None:
        row = AuditTally(key=key, window_start=start, count=0, last_at=now)
        session.add(row)
    row.count += 1
    row.last_at, row.last_detail = now, detail or {}
    if _is_power_of_ten(row.count):
        record(session, actor, action, record_type, record_id,
               detail={**(detail or {}), "count": row.count})
    return row.count


def _is_power_of_ten(n: int) -> bool:
    while n % 10 == 0 and n > 1:
        n //= 10
    return n == 1


def _digest(event: AuditEvent, prev_hash: str) -> str:
    body = json.dumps([prev_hash, event.at.isoformat(), event.actor_id, event.actor,
                       event.action, event.record_type, event.record_id, event.case_id,
                       event.child_id, event.detail], sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _mac(last_id: int, count: int, head_hash: str) -> str:
    return hmac.new(signing_key(), f"{last_id}:{count}:{head_hash}".encode(),
                    hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Problem:
    message: str
    event_id: int | None = None

    def __str__(self) -> str:
        return self.message


def verify(session) -> Problem | None:
    """What is wrong with the trail, or None if it is whole: every event's hash, every
    link to the one before, and the signed head's count, last id and hash."""
    prev, count, last_id = GENESIS, 0, 0
    while True:  # in pages by id, so a long trail is never held in memory at once
        page = session.scalars(select(AuditEvent).where(AuditEvent.id > last_id)
                               .order_by(AuditEvent.id).limit(1000)).all()
        if not page:
            break
        for event in page:
            if _digest(event, prev) != event.hash:
                return Problem(f"event {event.id} was changed after it was written, or "
                               "an event before it was removed or changed", event.id)
            prev, count, last_id = event.hash, count + 1, event.id
    head = session.get(AuditHead, 1)
    if head is None:
        return Problem("the signed head of the trail is missing") if count else None
    if not hmac.compare_digest(head.mac, _mac(head.last_id, head.count, head.head_hash)):
        return Problem("the signed head of the trail was changed (or the key differs)")
    if (head.count, head.last_id, head.head_hash) != (count, last_id, prev):
        return Problem(f"the trail ends at event {last_id} after {count} events, but its "
                       f"signed head says {head.last_id} after {head.count}: events were "
                       "removed from the end", last_id or None)
    return None


def count(session) -> int:
    return session.scalar(select(func.count(AuditEvent.id)))
