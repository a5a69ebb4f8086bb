"""API keys: made, noted when used, revoked. Shown once when made, stored only as a
SHA-256. Each key acts as its own service user, so it has an organisation and roles and
sees what such a user sees; a revoked or expired key is refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from werkzeug.security import generate_password_hash

from .. import audit
from ..access import ADMIN_ROLES
from ..assignment import ROLES
from ..errors import InvalidInput, NotFound, NotPermitted
from ..models import ApiKey, Organisation, User, UserRole

PREFIX = "sgf"
# `last_used_at` is written at most this often per key: an API call is not a write.
USE_RESOLUTION = dt.timedelta(minutes=5)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _admin(ctx) -> None:
    if not (ctx.actor.is_system or ctx.actor.roles & ADMIN_ROLES):
        raise NotPermitted("only administrators manage API keys")


@dataclass
class CreateApiKey:
    organisation_id: int
    roles: list[str]
    name: str
    expires_at: dt.datetime | None = None
    plain: str = field(default="", init=False)

    def __call__(self, ctx) -> tuple[ApiKey, str]:
        _admin(ctx)
        errors = {}
        if ctx.session.get(Organisation, self.organisation_id) is None:
            errors["organisation_id"] = ["Choose an organisation"]
        unknown = [r for r in self.roles if r not in ROLES]
        if unknown or not self.roles:
            errors["roles"] = [f"Unknown role {', '.join(unknown)}" if unknown
                               else "Choose at least one role"]
        if not self.name.strip():
            errors["name"] = ["Enter which system holds the key"]
        if self.expires_at is not None and self.expires_at <= ctx.now:
            errors["expires_at"] = ["The expiry must be in the future"]
        if errors:
            raise InvalidInput("the key cannot be made", errors)
        key_id = secrets.token_hex(6)
        plain = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        user = User(email=f"api-{key_id}@api-keys.invalid", name=self.name.strip(),
                    # nobody knows this password, and service users never sign in to pages
                    password_hash=generate_password_hash(secrets.token_urlsafe(32)),
                    organisation_id=self.organisation_id, is_service=True,
                    roles=[UserRole(role=r) for r in self.roles])
        ctx.session.add(user)
        ctx.session.flush()
        api_key = ApiKey(prefix=key_id, key_hash=digest(plain), user_id=user.id,
                         name=self.name.strip(), created_at=ctx.now,
                         expires_at=self.expires_at)
        ctx.session.add(api_key)
        ctx.session.flush()
        audit.record(ctx.session, ctx.actor, "api_key.created", "api_key", api_key.id,
                     detail={"name": api_key.name, "roles": list(self.roles),
                             "organisation_id": self.organisation_id,
                             "expires_at": self.expires_at.isoformat()
                             if self.expires_at else None})
        return api_key, plain


@dataclass
class RevokeApiKey:
    key_id: int | None = None
    prefix: str | None = None

    def __call__(self, ctx) -> ApiKey:
        _admin(ctx)
        query = ctx.session.query(ApiKey)
        api_key = (ctx.session.get(ApiKey, self.key_id) if self.key_id is not None
                   else query.filter_by(prefix=self.prefix).one_or_none())
        if api_key is None:
            raise NotFound("there is no such API key")
        if api_key.revoked_at is None:
            api_key.revoked_at = ctx.now
            api_key.user.active = False
            audit.record(ctx.session, ctx.actor, "api_key.revoked", "api_key", api_key.id,
                         detail={"name": api_key.name})
        return api_key


@dataclass
class NoteKeyUsed:
    key_id: int

    def __call__(self, ctx) -> None:
        api_key = ctx.session.get(ApiKey, self.key_id)
        if api_key is not None:
            api_key.last_used_at = ctx.now
