"""Expiring counters on Redis or in-process (failed client authentications, bursts, alerts)."""

from __future__ import annotations

import threading
import time
from typing import Protocol

from redis import Redis


class Counters(Protocol):
    def incr(self, key: str, ttl_seconds: int, amount: int = 1) -> int: ...
    def get(self, key: str) -> int: ...
    def reset(self, key: str) -> None: ...


class MemoryCounters:
    def __init__(self) -> None:
        self._values: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def incr(self, key: str, ttl_seconds: int, amount: int = 1) -> int:
        now = time.monotonic()
        with self._lock:
            count, expires = self._values.get(key, (0, now + ttl_seconds))
            if expires <= now:
                count, expires = 0, now + ttl_seconds
            self._values[key] = (count + amount, expires)
            return count + amount

    def get(self, key: str) -> int:
        with self._lock:
            count, expires = self._values.get(key, (0, 0.0))
        return count if expires > time.monotonic() else 0

    def reset(self, key: str) -> None:
        with self._lock:
            self._values.pop(key, None)


class RedisCounters:
    """The window starts at the first increment (EXPIRE NX), so a steady trickle still expires."""

    def __init__(self, redis: Redis, *, prefix: str = "chainless:count:") -> None:
        self._redis = redis
        self._prefix = prefix

    def key(self, name: str) -> str:
        """The Redis key of counter ``name`` (for a script that reads it along with others)."""
        return self._prefix + name

    def incr(self, key: str, ttl_seconds: int, amount: int = 1) -> int:
        pipe = self._redis.pipeline()
        pipe.incr(self._prefix + key, amount)
        pipe.expire(self._prefix + key, ttl_seconds, nx=True)
        count, _ = pipe.execute()
        return int(count)

    def get(self, key: str) -> int:
        value = self._redis.get(self._prefix + key)
        return int(value) if value is not None else 0

    def reset(self, key: str) -> None:
        self._redis.delete(self._prefix + key)
