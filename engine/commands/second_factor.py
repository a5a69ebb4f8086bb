"""A second factor for local-password accounts that can see child data: TOTP (RFC 6238,
with `pyotp`) and ten recovery codes, kept hashed and used once. Codes are checked on
`engine.clock`'s time, so tests move the clock rather than wait."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import pyotp
from sqlalchemy import select

from .. import audit
from ..access import ADMIN_ROLES, CASE_ROLES, DPO_ROLES
from ..errors import InvalidInput, NotFound
from ..models import RecoveryCode, User

ISSUER = "Safeguard Flow"
RECOVERY_CODES = 10
# Who must use a second factor with a password: whoever can see child data, and
# administrators (who can give themselves roles).
SECOND_FACTOR_ROLES = CASE_ROLES | DPO_ROLES | ADMIN_ROLES


def needs_second_factor(user: User) -> bool:
    return bool(user.role_keys & SECOND_FACTOR_ROLES)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def code_matches(secret: str, code: str, now) -> bool:
    code = "".join(code.split())
    return len(code) == 6 and pyotp.TOTP(secret).verify(code, for_time=now, valid_window=1)


def _digest(code: str) -> str:
    # Recovery codes are 80 random bits: a plain SHA-256 cannot be brute-forced back.
    return hashlib.sha256(code.replace("-", "").casefold().encode()).hexdigest()


@dataclass
class EnrolTotp:
    """Save the user's TOTP secret once they have shown a code from it; the recovery codes
    (plain, to show once)."""

    user_id: int
    secret: str
    code: str

    def __call__(self, ctx) -> list[str]:
        user = ctx.session.get(User, self.user_id, with_for_update={"of": User})
        if user is None:
            raise NotFound(f"there is no account {self.user_id}")
        if not code_matches(self.secret, self.code, ctx.now):
            raise InvalidInput("the code is not right", {"code": [
                "Enter the 6-digit code your authenticator app shows now"]})
        user.totp_secret, user.totp_enrolled_at = self.secret, ctx.now
        for old in ctx.session.scalars(select(RecoveryCode).where(
                RecoveryCode.user_id == user.id)):
            ctx.session.delete(old)
        plain = [f"{secrets.token_hex(5)[:5]}-{secrets.token_hex(5)[:5]}"
                 for _ in range(RECOVERY_CODES)]
        ctx.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(p)) for p in plain)
        audit.record(ctx.session, ctx.actor, "user.second_factor_enrolled", "user", user.id)
        return plain


@dataclass
class CheckSecondFactor:
    """True if `code` is the user's current TOTP code or one of their unused recovery codes
    (which is then used up)."""

    user_id: int
    code: str

    def __call__(self, ctx) -> bool:
        user = ctx.session.get(User, self.user_id)
        if user is None or user.totp_secret is None:
            return False
        if code_matches(user.totp_secret, self.code, ctx.now):
            return True
        row = ctx.session.scalar(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
            RecoveryCode.code_hash == _digest("".join(self.code.split()))))
        if row is None:
            return False
        row.used_at = ctx.now
        audit.record(ctx.session, ctx.actor, "user.recovery_code_used", "user", user.id)
        return True
