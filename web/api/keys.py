"""API keys on requests: which service user a presented key stands for. Keys are made and
revoked by engine commands (`engine.commands.api_keys`)."""

from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from engine import clock
from engine.commands.api_keys import PREFIX, USE_RESOLUTION, CreateApiKey, NoteKeyUsed, digest
from engine.executor import SYSTEM, run
from engine.models import ApiKey, User


def create(session, *, organisation_id: int, roles: list[str], name: str, expires_at=None,
           actor=SYSTEM) -> tuple[ApiKey, str]:
    """A new key and its plain text (to show once), made in a command of its own."""
    return run(session, CreateApiKey(organisation_id, list(roles), name, expires_at), actor)


def user_for(session, presented: str) -> User | None:
    """The service user of a valid key that is neither revoked nor expired, or None. Notes
    when the key was last used (at most every few minutes)."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    # The key, its user, the user's organisation and roles in one statement: every API
    # request starts here.
    api_key = session.execute(
        select(ApiKey).where(ApiKey.prefix == parts[1])
        .options(joinedload(ApiKey.user).joinedload(User.roles))).unique().scalar()
    if api_key is None or api_key.revoked_at is not None:
        return None
    if not hmac.compare_digest(api_key.key_hash, digest(presented)):
        return None
    now = clock.now()
    if api_key.expires_at is not None and api_key.expires_at <= now:
        return None
    if not api_key.user.active:
        return None
    if api_key.last_used_at is None or now - api_key.last_used_at >= USE_RESOLUTION:
        run(session, NoteKeyUsed(api_key.id), SYSTEM)
    return api_key.user
