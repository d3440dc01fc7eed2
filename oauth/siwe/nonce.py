"""Nonces for EIP-4361 messages: ``nonce = 8*( ALPHA / DIGIT )``, drawn from :mod:`secrets`."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
MIN_NONCE_LENGTH = 16  # 16 of 62 symbols: more than 95 bits, unguessable and collision-free


def generate_nonce(length: int = 20) -> str:
    """A fresh random alphanumeric nonce (at least 16 characters).

    Issuing it and accepting it once is the relying party's job: store it single-use (Redis, the
    database) and consume it atomically when a signed message comes back.
    """
    if length < MIN_NONCE_LENGTH:
        raise ValueError(f"a nonce needs at least {MIN_NONCE_LENGTH} characters")
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
