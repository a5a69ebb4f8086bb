"""API keys: shown once when made, stored only as a SHA-256. Each key acts as its own
service user, so it has an organisation and roles and sees what such a user sees."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from engine import audit, clock
from engine.executor import SYSTEM
from engine.models import ApiKey, User, UserRole

PREFIX = "sgf"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(session, *, organisation_id: int, roles: list[str], name: str) -> tuple[ApiKey, str]:
    """A new key and its plain text (to show once). The caller frames the transaction."""
    key_id = secrets.token_hex(6)
    plain = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    user = User(email=f"api-{key_id}@api-keys.invalid", name=name,
                # nobody knows this password: the service user cannot sign in to pages
                password_hash=generate_password_hash(secrets.token_urlsafe(32)),
                organisation_id=organisation_id, roles=[UserRole(role=r) for r in roles])
    session.add(user)
    session.flush()
    api_key = ApiKey(prefix=key_id, key_hash=_digest(plain), user_id=user.id, name=name,
                     created_at=clock.now())
    session.add(api_key)
    session.flush()
    audit.record(session, SYSTEM, "api_key.created", "api_key", api_key.id,
                 detail={"name": name, "roles": roles, "organisation_id": organisation_id})
    return api_key, plain


def user_for(session, presented: str) -> User | None:
    """The service user of a valid, unrevoked key, or None."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    api_key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if api_key is None or api_key.revoked_at is not None:
        return None
    if not hmac.compare_digest(api_key.key_hash, _digest(presented)):
        return None
    return api_key.user if api_key.user.active else None
