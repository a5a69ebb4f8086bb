"""Sign-in throttling: too many failures for one account or from one address in a window
locks further attempts for that window. Kept in the database so every process agrees."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select

from engine import clock
from engine.models import LoginFailure

WINDOW = dt.timedelta(minutes=15)
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 20


def _keys(email: str, address: str) -> tuple[str, str]:
    return f"account:{email.strip().casefold()}", f"address:{address}"


def is_locked(session, email: str, address: str) -> bool:
    account, ip = _keys(email, address)
    since = clock.now() - WINDOW
    return (_count(session, account, since) >= MAX_PER_ACCOUNT
            or _count(session, ip, since) >= MAX_PER_ADDRESS)


def _count(session, key: str, since) -> int:
    return session.scalar(select(func.count()).select_from(LoginFailure)
                          .where(LoginFailure.key == key, LoginFailure.at > since))


def record_failure(session, email: str, address: str) -> None:
    now = clock.now()
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - WINDOW))
    for key in _keys(email, address):
        session.add(LoginFailure(key=key, at=now))


def clear_account(session, email: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.key == _keys(email, "")[0]))
