"""Signing in: throttling that holds under concurrency, the audit of every attempt, and
ending every session of a user at once.

An attempt is reserved before the password is checked: `BeginSignIn` counts the failures
of the account and of the address in the window and, unless either is at its limit,
writes the attempt as a failure, all under a lock (PostgreSQL advisory locks on the two
keys; SQLite's write lock). So thirty simultaneous guesses are checked five at a time at
most: the sixth finds five failures. `FinishSignIn` then clears the reservation if the
password was right.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text

from .. import audit
from ..errors import NotFound
from ..models import LoginFailure, User

WINDOW = dt.timedelta(minutes=15)
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 20


def keys(email: str, address: str) -> tuple[str, str]:
    return f"account:{email.strip().casefold()}", f"address:{address}"


def _lock(session, *names: str) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the command already holds the database's write lock
    for name in sorted(names):  # one order everywhere: two attempts cannot deadlock
        number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big",
                                signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": number})


def _count(session, key: str, since) -> int:
    return session.scalar(select(func.count()).select_from(LoginFailure)
                          .where(LoginFailure.key == key, LoginFailure.at > since))


@dataclass
class Attempt:
    locked: bool
    reserved: list[int]


@dataclass
class BeginSignIn:
    email: str
    address: str

    def __call__(self, ctx) -> Attempt:
        account, ip = keys(self.email, self.address)
        _lock(ctx.session, account, ip)
        since = ctx.now - WINDOW
        if (_count(ctx.session, account, since) >= MAX_PER_ACCOUNT
                or _count(ctx.session, ip, since) >= MAX_PER_ADDRESS):
            audit.tally(ctx.session, ctx.actor, f"sign_in_locked:{ip}", "sign_in.locked",
                        "user", detail={"email": self.email.strip().casefold(),
                                        "address": self.address})
            return Attempt(True, [])
        ctx.session.execute(delete(LoginFailure).where(LoginFailure.at < since))
        rows = [LoginFailure(key=account, at=ctx.now), LoginFailure(key=ip, at=ctx.now)]
        ctx.session.add_all(rows)
        ctx.session.flush()
        return Attempt(False, [r.id for r in rows])


@dataclass
class FinishSignIn:
    """The password was checked: on success clear the account's failures and the
    reservation, and audit the sign-in; on failure the reservation stays a failure."""

    email: str
    address: str
    attempt: Attempt
    user_id: int | None  # None: the password (or the account) was wrong
    # False when a second factor is still to come: the sign-in is audited after it
    complete: bool = True
    step: str = "password"

    def __call__(self, ctx) -> None:
        account, ip = keys(self.email, self.address)
        if self.user_id is None:
            failures = _count(ctx.session, account, ctx.now - WINDOW)
            audit.tally(ctx.session, ctx.actor, f"sign_in_failed:{account}",
                        "sign_in.failed", "user",
                        detail={"email": self.email.strip().casefold(),
                                "address": self.address, "failures": failures,
                                "step": self.step})
            return
        ctx.session.execute(delete(LoginFailure).where(
            (LoginFailure.key == account) | LoginFailure.id.in_(self.attempt.reserved)))
        if self.complete:
            audit.record(ctx.session, ctx.actor, "user.signed_in", "user", self.user_id,
                         detail={"address": self.address, "via": self.step})


@dataclass
class EndSessions:
    """End every session of a user now (each session carries the generation it began in)."""

    user_id: int
    reason: str  # signed_out, deactivated, password_changed, roles_changed, ...

    def __call__(self, ctx) -> User:
        user = ctx.session.get(User, self.user_id, with_for_update={"of": User})
        if user is None:
            raise NotFound(f"there is no user {self.user_id}")
        end_sessions(ctx, user, self.reason)
        return user


def end_sessions(ctx, user: User, reason: str) -> None:
    user.session_generation += 1
    action = "user.signed_out" if reason == "signed_out" else "user.sessions_ended"
    audit.record(ctx.session, ctx.actor, action, "user", user.id,
                 detail={} if reason == "signed_out" else {"reason": reason})
