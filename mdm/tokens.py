"""Access tokens: issued once in clear, kept as a sha256, checked on every request, revocable, with an expiry."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mdm.access import Principal, Role
from mdm.audit import AuditEntry, append_events
from mdm.clock import as_utc
from mdm.errors import FieldError, InvalidInput, NotFound, Unauthenticated
from mdm.models import AccessToken

TOKEN_PREFIX = "mdm_"
DEFAULT_LIFETIME = timedelta(days=90)
LONGEST_LIFETIME = timedelta(days=3650)
_DURATION = re.compile(r"^\s*(\d+)\s*([dhm]?)\s*$")
_UNITS = {"d": "days", "": "days", "h": "hours", "m": "minutes"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,47}$")
TOKEN_CREATED, TOKEN_REVOKED = "token.created", "token.revoked"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: ``secret`` is shown once and never stored."""

    token: TokenView
    secret: str


@dataclass(frozen=True, slots=True)
class TokenView:
    id: int
    name: str
    role: str
    source_system: str | None
    prefix: str
    created_at: datetime
    created_by: str
    expires_at: datetime
    revoked_at: datetime | None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


def parse_lifetime(text: str) -> timedelta:
    """``90d``, ``12h``, ``30m`` or a bare number of days."""
    match = _DURATION.match(text)
    if match is None or int(match.group(1)) == 0:
        raise InvalidInput("a token lifetime is a positive number of days, hours or minutes", (
            FieldError("expires_in", "duration", f"{text!r} is not like 90d, 12h or 30m"),))
    lifetime = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if lifetime > LONGEST_LIFETIME:
        raise InvalidInput("a token lives at most ten years", (
            FieldError("expires_in", "max", f"{text!r} is longer than {LONGEST_LIFETIME.days} days"),))
    return lifetime


def hash_secret(secret: str) -> str:
    # A fast hash is enough: the secret is 256 random bits, not a password anyone could guess.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _view(row: AccessToken) -> TokenView:
    return TokenView(row.id, row.name, row.role, row.source_system, row.prefix, as_utc(row.created_at),
                     row.created_by, as_utc(row.expires_at), as_utc(row.revoked_at) if row.revoked_at else None)


def issue_token(
    session: Session, role: str, source_system: str | None, name: str | None, lifetime: timedelta,
    source_systems: Collection[str], actor: str, now: datetime,
) -> IssuedToken:
    """Store a new token's hash and answer the token in clear, once. A source token names its network."""
    errors: list[FieldError] = []
    if role not in {r.value for r in Role}:
        errors.append(FieldError("role", "one_of", f"role must be one of {', '.join(r.value for r in Role)}"))
    system = source_system.strip().upper() if source_system else None
    if role == Role.SOURCE and system is None:
        errors.append(FieldError("source_system", "required", "a source token names the network it speaks for"))
    elif role == Role.SOURCE and system not in source_systems:
        errors.append(FieldError("source_system", "one_of",
                                 f"source_system must be one of {', '.join(source_systems)}"))
    elif role != Role.SOURCE and system is not None:
        errors.append(FieldError("source_system", "not_allowed", "only a source token speaks for one network"))
    if name is not None and not _NAME.match(name):
        errors.append(FieldError("name", "pattern", "a name is 1 to 48 letters, digits, spaces or . _ @ -"))
    if errors:
        raise InvalidInput("the token cannot be issued", tuple(errors))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = AccessToken(
        name=name or (f"{role}-{system.lower()}" if system else role), role=role, source_system=system,
        token_hash=hash_secret(secret), prefix=secret[:12], created_at=now, created_by=actor,
        expires_at=now + lifetime, revoked_at=None,
    )
    session.add(row)
    session.flush()
    _audit(session, TOKEN_CREATED, row, actor, now)
    return IssuedToken(_view(row), secret)


def _audit(session: Session, kind: str, row: AccessToken, actor: str, now: datetime) -> None:
    append_events(session, [AuditEntry(kind, None, actor, {"kind": "access"}, None, {
        "token": row.id, "name": row.name, "role": row.role, "source_system": row.source_system,
        "expires_at": as_utc(row.expires_at).isoformat(),
    })], now)


def authenticate(session: Session, secret: str, now: datetime) -> Principal:
    """The principal a presented token stands for; a wrong, revoked or expired token is refused alike."""
    row = session.scalars(select(AccessToken).where(AccessToken.token_hash == hash_secret(secret))).one_or_none()
    return _principal(row, now)


def principal_of(session: Session, token_id: int, now: datetime) -> Principal:
    """The principal behind a browser session, checked again on each request so a revocation ends the session."""
    return _principal(session.get(AccessToken, token_id), now)


def _principal(row: AccessToken | None, now: datetime) -> Principal:
    if row is None:
        raise Unauthenticated("the access token is not known")
    if row.revoked_at is not None:
        raise Unauthenticated("the access token was revoked")
    if as_utc(row.expires_at) <= now:
        raise Unauthenticated("the access token has expired")
    return Principal(row.id, row.name, Role(row.role), row.source_system)


def list_tokens(session: Session) -> list[TokenView]:
    return [_view(row) for row in session.scalars(select(AccessToken).order_by(AccessToken.id))]


def revoke_token(session: Session, token_id: int, actor: str, now: datetime) -> TokenView:
    """Revoke a token (at once, for every process: each request checks the stored token); idempotent."""
    row = session.get(AccessToken, token_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no access token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
        _audit(session, TOKEN_REVOKED, row, actor, now)
    return _view(row)
