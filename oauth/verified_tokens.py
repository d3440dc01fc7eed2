"""Access tokens whose ES256 signature this process has verified already.

An app backend sends the same user token with each of its calls until the token expires, and a
signature check (about 0.3 ms) is the largest cost of checking a token offline. A token string
that verified once verifies again, so the result is kept, keyed by the token's SHA-256 (the
tokens themselves are not held), until the token expires or its signing key is no longer held
(rotated out). Whether the token's family is still live is not cached here: callers check it on
every use (``live_families``).
"""

from __future__ import annotations

import hashlib
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chainless.oauth.tokens import AccessClaims

MAX_ENTRIES = 8192


class VerifiedTokens:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: dict[bytes, tuple[AccessClaims, str]] = {}
        self._max = max_entries
        self._lock = threading.Lock()

    @staticmethod
    def key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, key: bytes, now: int) -> tuple[AccessClaims, str] | None:
        """The claims and the signing key id, while the token has not expired."""
        found = self._entries.get(key)
        if found is None:
            return None
        if found[0].expires_at <= now:
            self.forget(key)
            return None
        return found

    def put(self, key: bytes, claims: AccessClaims, kid: str) -> None:
        with self._lock:
            if len(self._entries) >= self._max:  # the oldest entry goes first
                self._entries.pop(next(iter(self._entries)), None)
            self._entries[key] = (claims, kid)

    def forget(self, key: bytes) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)
