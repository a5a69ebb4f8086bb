"""Run one command in one transaction.

A command is a small object with a `__call__(ctx)`: it checks its arguments and the
actor's permission, changes state through `runtime`, and writes the audit trail. The
executor frames the transaction around it: commit if it returns, roll back and re-raise
if it raises. A lost optimistic-lock race becomes `Conflict`.

Some failures are the database's, not the command's, and the transaction they end has
changed nothing, so the command is run again from the start on a fresh transaction:
- a lost race for the write lock (SQLite "database is locked" after its busy timeout, a
  PostgreSQL serialization failure or deadlock), up to RACE_RETRIES times;
- a connection that died (a restarted database, pg_terminate_backend) before the commit,
  once, on a fresh connection.
A connection that dies during the commit may or may not have committed: that is not
repeated but raised as `ConnectionLost`, for the person to look and try again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import clock
from .errors import Conflict

log = logging.getLogger("safeguard.executor")

RACE_RETRIES = 3


class ConnectionLost(Exception):
    """The database connection died while a change was being committed: it may or may not
    have been saved. Nothing to repeat blindly; the person looks and tries again."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in person, an API key's system, or the engine itself."""

    user_id: int | None
    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    organisation_id: int | None = None
    organisation_kind: str | None = None

    @classmethod
    def for_user(cls, user) -> Actor:
        org = user.organisation
        return cls(user.id, user.name, user.role_keys, user.organisation_id,
                   org.kind if org is not None else None)

    @property
    def is_system(self) -> bool:
        return self.user_id is None and "system" in self.roles


SYSTEM = Actor(None, "Safeguard Flow", frozenset({"system"}))


@dataclass
class Context:
    session: Session
    actor: Actor

    @property
    def now(self):
        return clock.now()


def run(session: Session, command, actor: Actor):
    """Run `command` as `actor` in a transaction of its own on `session`."""
    carry_on = False
    if session.in_transaction():
        # Reads made before the command (a view loading what it shows) are part of its
        # transaction: one transaction per request, not a commit of the reads and a new
        # BEGIN. Changes made outside a command would bypass its checks and audit, so
        # they are a bug.
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("the session has changes made outside a command")
        carry_on = True
    attempt = 0
    while True:
        try:
            return _run_once(session, command, actor, carry_on)
        except _Retry as retry:
            carry_on = False  # again on a fresh transaction
            attempt += 1
            if attempt > retry.limit:
                raise retry.error from None
            log.warning("retrying %s (%s, attempt %d)", type(command).__name__,
                        retry.why, attempt + 1)


class _Retry(Exception):  # noqa: N818 - internal signal, never escapes `run`
    def __init__(self, error: BaseException, why: str, limit: int):
        self.error, self.why, self.limit = error, why, limit


def _run_once(session: Session, command, actor: Actor, carry_on: bool = False):
    try:
        if not carry_on:
            session.begin()
            # On SQLite a command takes the write lock at once (see engine.db).
            session.connection(execution_options={"sqlite_immediate": True})
        # Else the transaction the reads began goes on. On PostgreSQL (read committed)
        # each statement sees what is committed, as in a new transaction. On SQLite a web
        # request that writes began IMMEDIATE (web.database); any other read transaction
        # that is overtaken by another writer fails its first write as "database is
        # locked" (a stale snapshot), before anything is written, and is run again below.
        result = command(Context(session, actor))
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict("someone else changed this case at the same time; "
                       "reload it and try again") from exc
    except DBAPIError as exc:
        session.rollback()
        why = _repeatable(exc)
        if why:
            raise _Retry(exc, why, 1 if why == "connection lost" else RACE_RETRIES) from exc
        raise
    except BaseException:
        session.rollback()
        raise
    try:
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict("someone else changed this case at the same time; "
                       "reload it and try again") from exc
    except DBAPIError as exc:
        session.rollback()
        why = _repeatable(exc)
        if why == "connection lost":
            raise ConnectionLost("the connection to the database was lost while saving; "
                                 "it may not have been saved") from exc
        if why:  # a lost race is refused before anything is written
            raise _Retry(exc, why, RACE_RETRIES) from exc
        raise
    except BaseException:
        session.rollback()
        raise
    return result


# SQLSTATEs of a transaction that lost a race and changed nothing.
_RACE_STATES = {"40001": "serialization failure", "40P01": "deadlock"}


def _repeatable(exc: DBAPIError) -> str | None:
    if exc.connection_invalidated:
        return "connection lost"
    state = getattr(exc.orig, "sqlstate", None)
    if state in _RACE_STATES:
        return _RACE_STATES[state]
    message = str(exc.orig).lower()
    if "database is locked" in message or "database is busy" in message:
        return "database is locked"
    return None
