"""A wallet signed in on one device: a cookie for the consent pages in the webview, and the same
token as a bearer credential (``cws_…``) for the wallet app's own calls.

Changes made through the cookie need a CSRF token: the one handed out at sign-in, or the form token
the platform's own pages embed. The form token is derived from the session token (keyed HMAC), so
pages need no cookie to learn it: an app sends the user to the consent screen by a cross-site
navigation, on which browsers withhold the SameSite=Strict CSRF cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainless.oauth.models import WalletSession, WalletUser
from chainless.platform.core.clock import utcnow
from chainless.platform.core.context import current_request
from chainless.platform.core.security import (
    SecretHasher,
    constant_time_equals,
    new_hex_id,
    new_token,
)

COOKIE = "chainless_wallet"
PREFIX = "cws_"


@dataclass(frozen=True)
class IssuedWalletSession:
    session: WalletSession
    token: str
    csrf_token: str


@dataclass(frozen=True)
class WalletPrincipal:
    user: WalletUser
    session: WalletSession
    form_csrf_token: str = ""  # for the platform's own pages (see the module docstring)

    def csrf_ok(self, hasher: SecretHasher, presented: str | None) -> bool:
        if not presented:
            return False
        issued = constant_time_equals(hasher.hash(presented), self.session.csrf_token_hash)
        embedded = bool(self.form_csrf_token) and constant_time_equals(
            presented, self.form_csrf_token
        )
        return issued or embedded


def form_csrf_token(hasher: SecretHasher, session_token: str) -> str:
    return hasher.hash("wallet-form-csrf:" + session_token)


def open_session(
    session: Session,
    hasher: SecretHasher,
    *,
    user: WalletUser,
    signer_kind: str,
    chain_id: int,
    ttl: timedelta,
    device_name: str,
) -> IssuedWalletSession:
    request = current_request()
    token, csrf = PREFIX + new_token(32), new_token(24)
    record = WalletSession(
        id=new_hex_id(),
        user_id=user.id,
        token_hash=hasher.hash(token),
        csrf_token_hash=hasher.hash(csrf),
        signer_kind=signer_kind,
        chain_id=chain_id,
        device_name=(device_name or request.user_agent or "")[:128],
        ip=request.ip,
        user_agent=(request.user_agent or "")[:256] or None,
        expires_at=utcnow() + ttl,
    )
    session.add(record)
    return IssuedWalletSession(record, token, csrf)


def resolve(session: Session, hasher: SecretHasher, token: str | None) -> WalletPrincipal | None:
    if not token or not token.startswith(PREFIX) or len(token) > 128:
        return None
    row = session.execute(
        select(WalletSession, WalletUser)
        .join(WalletUser, WalletUser.id == WalletSession.user_id)
        .where(
            WalletSession.token_hash == hasher.hash(token),
            WalletSession.revoked_at.is_(None),
            WalletSession.expires_at > utcnow(),
        )
    ).first()
    if row is None:
        return None
    record, user = row
    now = utcnow()
    if record.last_seen_at is None or now - record.last_seen_at > timedelta(minutes=5):
        record.last_seen_at = now
    return WalletPrincipal(user, record, form_csrf_token(hasher, token))
