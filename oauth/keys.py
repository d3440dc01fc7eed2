"""Access-token signing keys: ES256, encrypted at rest, rotated, published as a JWKS (RFC 7517).

The JWKS always holds the key that signs and the next one: a key is published a whole rotation
period before it signs (``PUBLISH_AHEAD`` at the least), so a verifier that caches the JWKS
(``Cache-Control: max-age``, RFC 7517 §5 leaves the refresh to it) never meets an unknown
``kid``. A retired key stays in the JWKS until every token it signed has expired
(``expires_at`` = retirement + the longest access-token lifetime), so app backends that verify
offline never see a valid token whose key vanished. Both keys exist from the api's first start
(``ensure``): the JWKS is never empty.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc.jwk import ECKey
from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from chainless.oauth.models import SigningKey
from chainless.platform.core.clock import as_utc, utcnow
from chainless.platform.core.security import new_hex_id

ALGORITHM = "ES256"
# The JWKS's max-age (5 minutes, ``endpoints.metadata``) and a key ring's refresh (30 s), with
# room: the least time a key is published before it signs.
PUBLISH_AHEAD = timedelta(minutes=10)
# One writer of the key set at a time (a PostgreSQL advisory lock's 64-bit key).
_KEY_SET_LOCK = int.from_bytes(
    hashlib.sha256(b"oauth-signing-keys").digest()[:8], "big", signed=True
)


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


def create_key(session: Session, cipher: KeyCipher, *, activated_at: datetime | None) -> SigningKey:
    """A new key, published from now on; it signs from ``activated_at`` (None: the next key)."""
    key = ECKey.generate_key("P-256", private=True)
    kid = new_hex_id(8)
    public = dict(key.as_dict(private=False))
    public.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
    pem = key.as_pem(private=True)
    record = SigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        public_jwk=public,
        private_key_encrypted=cipher.seal(pem, kid),
        created_at=utcnow(),
        activated_at=activated_at,
    )
    session.add(record)
    session.flush()
    return record


@dataclass
class KeySet:
    """The unretired keys: those that sign (one, unless two processes created the first key at
    once) and those published to sign next."""

    signing: list[SigningKey]
    upcoming: list[SigningKey]

    @property
    def current(self) -> SigningKey | None:
        return max(self.signing, key=lambda k: as_utc(k.activated_at or k.created_at), default=None)

    @property
    def next(self) -> SigningKey | None:
        return min(self.upcoming, key=lambda k: as_utc(k.created_at), default=None)


def locked_key_set(session: Session) -> KeySet:
    """The unretired keys, with the key set locked until the transaction ends (PostgreSQL; the
    embedded SQLite has one writer at a time), so replicas starting together create one pair."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _KEY_SET_LOCK})
    live = list(session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))))
    return KeySet(
        signing=[k for k in live if k.activated_at is not None],
        upcoming=[k for k in live if k.activated_at is None],
    )


def ensure(session: Session, cipher: KeyCipher) -> KeySet:
    """Have a key that signs and a next one published (idempotent)."""
    keys = locked_key_set(session)
    if keys.current is None:
        keys.signing.append(create_key(session, cipher, activated_at=utcnow()))
    if keys.next is None:
        keys.upcoming.append(create_key(session, cipher, activated_at=None))
    return keys


def rotate(session: Session, cipher: KeyCipher, *, token_lifetime: timedelta) -> SigningKey:
    """Start signing with the next key and publish a new next one; the retired keys stay
    published until their tokens expire. Returns the key that signs now. The scheduled job
    calls it through ``rotate_when_due``, which waits until the next key is well published."""
    keys = ensure(session, cipher)
    now = utcnow()
    for old in keys.signing:
        old.retired_at = now
        old.expires_at = now + token_lifetime + timedelta(minutes=5)
    promoted = keys.next
    assert promoted is not None
    promoted.activated_at = now
    create_key(session, cipher, activated_at=None)
    return promoted


@dataclass(frozen=True)
class Rotation:
    retired: SigningKey
    signing: SigningKey


def rotate_when_due(
    session: Session, cipher: KeyCipher, *, rotate_after: timedelta, token_lifetime: timedelta
) -> Rotation | None:
    """Rotate once the signing key has signed for ``rotate_after`` and the next one has been
    published for ``PUBLISH_AHEAD`` (a key set from before the next key existed gets one now,
    and rotates on a later run). Idempotent: a rerun finds a young key and does nothing."""
    keys = ensure(session, cipher)
    current, upcoming, now = keys.current, keys.next, utcnow()
    assert current is not None
    assert upcoming is not None
    if now - as_utc(current.activated_at or current.created_at) < rotate_after:
        return None
    if now - as_utc(upcoming.created_at) < PUBLISH_AHEAD:
        return None
    return Rotation(retired=current, signing=rotate(session, cipher, token_lifetime=token_lifetime))


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
        self._upcoming: str | None = None  # the next key's kid
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
            if self._signing is None or self._upcoming is None:
                ensure(session, self._cipher)
                session.commit()
                self._load(session)

    def signing_key(self, session: Session) -> ActiveKey:
        """The key to sign with, read through the caller's session (a second connection could
        wait for the caller's own lock). Without any key (``ensure`` was not called) the first
        pair is created in that session."""
        if self._signing is None or time.monotonic() - self._loaded_at >= self._ttl:
            self._load(session)
        if self._signing is None:
            with self._lock:
                ensure(session, self._cipher)
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
        live = [r for r in records if r.retired_at is None]
        keys = KeySet([r for r in live if r.activated_at], [r for r in live if not r.activated_at])
        signing, upcoming = keys.current, keys.next
        active = None
        if signing is not None:
            pem = self._cipher.open(signing.private_key_encrypted, signing.kid)
            active = ActiveKey(signing.kid, ECKey.import_key(pem))
        with self._lock:
            self._public = public
            self._signing = active
            self._upcoming = upcoming.kid if upcoming is not None else None
            self._loaded_at = time.monotonic()

    def invalidate(self) -> None:
        self._loaded_at = 0.0
