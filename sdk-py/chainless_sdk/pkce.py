"""PKCE (RFC 7636) with S256, the only method the platform accepts, and an unguessable ``state``."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class PkcePair:
    verifier: str
    challenge: str
    method: str = "S256"


def new_pkce() -> PkcePair:
    """A 43-character verifier (32 random bytes, RFC 7636 §4.1) and its S256 challenge (§4.2)."""
    verifier = _b64url(secrets.token_bytes(32))
    return PkcePair(verifier=verifier, challenge=s256_challenge(verifier))


def s256_challenge(verifier: str) -> str:
    """``BASE64URL(SHA256(ASCII(code_verifier)))`` (RFC 7636 §4.2)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def new_state() -> str:
    """An opaque ``state`` binding the redirect to the browser session (RFC 6749 §10.12)."""
    return secrets.token_urlsafe(24)
