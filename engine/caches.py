"""Small per-process caches of what nearly every command reads and almost nothing changes.

Several processes (gunicorn workers, the timer worker) each keep their own copy, so each
cache is one of two kinds:
- keyed by something that never changes once written: a published process version's
  (id, process id, sha256) row is immutable, so it is kept for the life of the process;
- a short bounded life (TTL seconds on the monotonic clock) for the few tables an
  administrator edits (bank holidays, the partnership). A change made in this process is
  seen at once: a flush that touches such a table drops its cache when the transaction
  ends; another process sees it within TTL seconds.
"""

from __future__ import annotations

import threading

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from . import clock
from .models import BankHoliday, Organisation, PartnershipOrganisation, ProcessVersion

TTL = 5.0  # seconds another process may go on using the table it read

_lock = threading.Lock()
_versions: dict[int, tuple] = {}  # id -> (id, process_id, sha256): immutable once published
_timed: dict[str, tuple[float, object]] = {}  # name -> (read at, value)

# The tables behind each timed cache: a flushed change to one drops the cache.
_TABLES = {BankHoliday: "bank_holidays", PartnershipOrganisation: "partnership",
           Organisation: "partnership", ProcessVersion: "versions"}


class VersionRow(tuple):
    """(id, process_id, sha256) with the names `_specs_for` reads."""

    __slots__ = ()
    id = property(lambda self: self[0])
    process_id = property(lambda self: self[1])
    sha256 = property(lambda self: self[2])


def version_rows(session, ids) -> list[VersionRow]:
    """The (id, process_id, sha256) of published versions: a version is never edited after
    it is published, so only ids not seen before are read."""
    wanted = set(ids)
    missing = wanted - _versions.keys()
    if missing:
        rows = session.execute(
            select(ProcessVersion.id, ProcessVersion.process_id, ProcessVersion.sha256)
            .where(ProcessVersion.id.in_(missing))).all()
        with _lock:
            for row in rows:
                _versions[row.id] = VersionRow((row.id, row.process_id, row.sha256))
    return [_versions[i] for i in wanted if i in _versions]


def _timed_value(name: str, read):
    now = clock.elapsed()
    hit = _timed.get(name)
    if hit is not None and now - hit[0] < TTL:
        return hit[1]
    value = read()
    with _lock:
        _timed[name] = (now, value)
    return value


def bank_holidays(session) -> frozenset:
    """The days administrators have added (engine.commands.holidays)."""
    return _timed_value("bank_holidays",
                        lambda: frozenset(session.scalars(select(BankHoliday.day))))


def partnership_rows(session) -> list[tuple[int, str]]:
    """(organisation id, kind) of the partnership's organisations."""
    return _timed_value("partnership", lambda: [tuple(r) for r in session.execute(
        select(Organisation.id, Organisation.kind).join(
            PartnershipOrganisation,
            PartnershipOrganisation.organisation_id == Organisation.id)).all()])


def clear() -> None:
    """Forget everything: after a database is emptied or restored under this process (ids
    are then used again), as the tests do between tests."""
    from . import workflow_cache

    with _lock:
        _versions.clear()
        _timed.clear()
    workflow_cache.clear()


@event.listens_for(Session, "after_flush")
def _note_changes(session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        name = _TABLES.get(type(obj))
        if name is not None:
            session.info.setdefault("stale_caches", set()).add(name)


@event.listens_for(Session, "after_transaction_end")
def _drop_stale(session, transaction) -> None:
    # Committed or rolled back, the next read fetches again: a rollback costs one read.
    stale = session.info.pop("stale_caches", None) if transaction.parent is None else None
    if stale:
        with _lock:
            for name in stale:
                if name == "versions":  # only a restored or emptied database reuses ids
                    _versions.clear()
                _timed.pop(name, None)
