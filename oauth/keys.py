"""Access-token signing keys: ES256, encrypted at rest, rotated, published as a JWKS (RFC 7517).

The newest unretired key signs. A retired key stays in the JWKS until every token it signed has
expired (``expires_at`` = retirement + the longest access-token lifetime), so app backends that
verify offline never see a valid token whose key vanished.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc.jwk import ECKey
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chainless.oauth.models import SigningKey
from chainless.platform.core.clock import utcnow
from chainless.platform.core.security import new_hex_id

ALGORITHM = "ES256"


class KeyCipher:
    """AES-256-GCM for private keys at rest, keyed by the platform secret (HKDF-like derivation)."""

    def __init__(self, secret_key: str) -> None:
        self._aead = AESGCM(
            hashlib.sha256(("chainless-signing-keys:" + secret_key).encode()).digest()
        )

    def seal(self, plaintext: bytes, kid: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, plaintext, kid.encode())).decode()

    def open(self, sealed: str, kid: str) -> bytes:
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], kid.encode())


@dataclass(frozen=True)
class ActiveKey:
    kid: str
    key: ECKey


def create_key(session: Session, cipher: KeyCipher) -> SigningKey:
    key = ECKey.generate_key("P-256", private=True)
    kid = new_hex_id(8)
    public = dict(key.as_dict(private=False))
    public.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
    pem = key.as_pem(private=True)
    record = SigningKey(
        kid=kid, algorithm=ALGORITHM, public_jwk=public, private_key_encrypted=cipher.seal(pem, kid)
    )
    session.add(record)
    session.flush()
    return record


def rotate(session: Session, cipher: KeyCipher, *, token_lifetime: timedelta) -> SigningKey:
    """Start signing with a fresh key; the old ones stay published until their tokens expire."""
    now = utcnow()
    for old in session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))):
        old.retired_at = now
        old.expires_at = now + token_lifetime + timedelta(minutes=5)
    return create_key(session, cipher)


def published(session: Session) -> list[SigningKey]:
    now = utcnow()
    return list(
        session.scalars(
            select(SigningKey)
            .where(or_(SigningKey.expires_at.is_(None), SigningKey.expires_at > now))
            .order_by(SigningKey.created_at.desc())
        )
    )


def jwks(session: Session) -> dict[str, Any]:
    return {"keys": [dict(k.public_jwk) for k in published(session)]}


class KeyRing:
    """The process's view of the keys, refreshed at most every ``ttl`` seconds.

    Verification looks keys up by ``kid``; an unknown kid forces one refresh (a key created by
    another process a moment ago), never more than once a second.
    """

    def __init__(self, cipher: KeyCipher, *, ttl: float = 30.0) -> None:
        self._cipher = cipher
        self._ttl = ttl
        self._lock = threading.RLock()
        self._loaded_at = 0.0
        self._forced_at = 0.0
        self._signing: ActiveKey | None = None
        self._public: dict[str, ECKey] = {}

    def ensure(self, session_factory: Callable[[], Session]) -> None:
        """Have a signing key, creating the first one in a transaction of its own, committed at
        once: a key created inside a request that then rolled back would stay cached here, and
        every token signed with it would fail verification. Call it before the request's own
        transaction begins (SQLite has one writer: that transaction would wait for this one)."""
        if self._signing is not None:
            return
        with self._lock, session_factory() as session:
            self._load(session)
            if self._signing is None:
                create_key(session, self._cipher)
                session.commit()
                self._load(session)

    def signing_key(self, session: Session) -> ActiveKey:
        """The key to sign with, read through the caller's session (a second connection could
        wait for the caller's own lock). Without any key (``ensure`` was not called) the first
        one is created in that session."""
        if self._signing is None or time.monotonic() - self._loaded_at >= self._ttl:
            self._load(session)
        if self._signing is None:
            with self._lock:
                create_key(session, self._cipher)
                self._load(session)
        assert self._signing is not None
        return self._signing

    def public_key(self, session: Session, kid: str) -> ECKey | None:
        key = self._public.get(kid)
        if key is not None and time.monotonic() - self._loaded_at < self._ttl:
            return key
        now = time.monotonic()
        if key is None and now - self._forced_at < 1.0 and self._loaded_at:
            return None
        self._forced_at = now
        self._load(session)
        return self._public.get(kid)

    def held_public_key(self, kid: str) -> ECKey | None:
        """The key, only if this process holds it and its view is fresh (no database read)."""
        if time.monotonic() - self._loaded_at >= self._ttl:
            return None
        return self._public.get(kid)

    def _load(self, session: Session) -> None:
        records = published(session)
        public = {r.kid: ECKey.import_key(dict(r.public_jwk)) for r in records}
        signing = next((r for r in records if r.retired_at is None), None)
        active = None
        if signing is not None:
            pem = self._cipher.open(signing.private_key_encrypted, signing.kid)
            active = ActiveKey(signing.kid, ECKey.import_key(pem))
        with self._lock:
            self._public = public
            self._signing = active
            self._loaded_at = time.monotonic()

    def invalidate(self) -> None:
        self._loaded_at = 0.0
