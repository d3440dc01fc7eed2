"""SIWE nonces (EIP-4361 §"nonce"): random, single use, short-lived.

Issued by the platform and consumed atomically by the sign-in that presents them: Redis
``SET NX EX`` / ``GETDEL`` when configured, an in-process store in the embedded mode.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from redis import Redis

from chainless.oauth.siwe import generate_nonce
from chainless.platform.core.services import Services

_STORE = "oauth.nonce_store"


class NonceStore(Protocol):
    def issue(self, ttl_seconds: int) -> str: ...
    def consume(self, nonce: str) -> bool: ...


class MemoryNonceStore:
    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self, ttl_seconds: int) -> str:
        nonce = generate_nonce()
        now = time.monotonic()
        with self._lock:
            if len(self._expiry) > 100_000:
                self._expiry = {k: v for k, v in self._expiry.items() if v > now}
            self._expiry[nonce] = now + ttl_seconds
        return nonce

    def consume(self, nonce: str) -> bool:
        with self._lock:
            expires = self._expiry.pop(nonce, None)
        return expires is not None and expires > time.monotonic()


class RedisNonceStore:
    def __init__(self, redis: Redis, *, prefix: str = "chainless:siwe:nonce:") -> None:
        self._redis = redis
        self._prefix = prefix

    def issue(self, ttl_seconds: int) -> str:
        nonce = generate_nonce()
        self._redis.set(self._prefix + nonce, b"1", nx=True, ex=ttl_seconds)
        return nonce

    def consume(self, nonce: str) -> bool:
        if not nonce.isalnum() or len(nonce) > 64:
            return False
        return self._redis.getdel(self._prefix + nonce) is not None


def nonce_store(services: Services) -> NonceStore:
    store = services.extras.get(_STORE)
    if store is None:
        built: NonceStore = (
            RedisNonceStore(services.redis) if services.redis is not None else MemoryNonceStore()
        )
        store = services.extras.setdefault(_STORE, built)
    return store
