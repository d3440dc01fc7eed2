"""Secrets: generation, hashing at rest and constant-time comparison.

High-entropy secrets (API keys, app secrets, session tokens, verification tokens) are stored as
HMAC-SHA256 under the platform secret key: fast to check on every request and useless if the
table leaks. Human-chosen passwords use argon2id (RFC 9106).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_password_hasher = PasswordHasher()  # argon2id, RFC 9106 second recommended option
_DUMMY_HASH = _password_hasher.hash("chainless-timing-equaliser")


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token with ``nbytes`` of entropy."""
    return secrets.token_urlsafe(nbytes)


def new_hex_id(nbytes: int = 16) -> str:
    return secrets.token_hex(nbytes)


class SecretHasher:
    """Keyed hashing of high-entropy secrets (HMAC-SHA256 with the platform key)."""

    def __init__(self, key: str) -> None:
        self._key = hashlib.sha256(("chainless-secret-hash:" + key).encode()).digest()

    def hash(self, secret: str) -> str:
        return hmac.new(self._key, secret.encode(), hashlib.sha256).hexdigest()

    def matches(self, secret: str, stored_hash: str | None) -> bool:
        if not stored_hash:
            hmac.compare_digest(self.hash(secret), "0" * 64)
            return False
        return hmac.compare_digest(self.hash(secret), stored_hash)


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password: str, stored_hash: str | None) -> bool:
    """Check a password; without a stored hash still spends the same time (no user enumeration)."""
    try:
        return (
            _password_hasher.verify(stored_hash or _DUMMY_HASH, password)
            and stored_hash is not None
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(stored_hash: str) -> bool:
    return _password_hasher.check_needs_rehash(stored_hash)


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
