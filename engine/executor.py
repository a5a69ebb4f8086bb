"""Run one command in one transaction.

A command is a small object with a `__call__(ctx)`: it checks its arguments and the
actor's permission, changes state through `runtime`, and writes the audit trail. The
executor frames the transaction around it: commit if it returns, roll back and re-raise
if it raises. A lost optimistic-lock race becomes `Conflict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import clock
from .errors import Conflict


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
    if session.in_transaction():
        # Reads made before the command (a view loading what it shows) end here; changes
        # made outside a command would bypass its checks and audit, so they are a bug.
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("the session has changes made outside a command")
        session.commit()
    try:
        with session.begin():
            # On SQLite a command takes the write lock at once (see engine.db).
            session.connection(execution_options={"sqlite_immediate": True})
            return command(Context(session, actor))
    except StaleDataError as exc:
        raise Conflict("someone else changed this case at the same time; "
                       "reload it and try again") from exc
