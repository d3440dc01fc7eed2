"""Per-key usage counters kept off the database's hot path.

Authentication runs on every API-key request; writing the ``api_keys`` row each time would turn
every read into a write and serialise a busy key's requests on one row lock. Instead each request
bumps a counter in Redis (one script call) or, in the embedded mode, in this process, and
the ``apikeys.flush_usage`` job moves the totals into ``usage_count`` / ``last_used_at``.

``take()`` empties the counters atomically and ``restore()`` gives them back when the flush's
transaction rolls back, so a count is never applied twice; only a worker dying between the two
loses the counts it held (usage figures are statistics, not billing).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

from redis import Redis
from redis.exceptions import RedisError

from chainless.platform.core.services import Services

log = logging.getLogger("chainless.apikeys.usage")

_EXTRAS_KEY = "apikeys.usage_counter"
_create_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Usage:
    calls: int
    last_used_ms: int  # epoch milliseconds


class UsageCounter(Protocol):
    def record(self, key_id: str, now_ms: int) -> None: ...

    def pending(self, key_ids: list[str]) -> dict[str, Usage]: ...

    def take(self) -> dict[str, Usage]: ...

    def restore(self, taken: dict[str, Usage]) -> None: ...


class MemoryUsageCounter:
    """The embedded mode's counter: the api and its in-process job runner share it."""

    def __init__(self) -> None:
        self._calls: dict[str, int] = {}
        self._last: dict[str, int] = {}
        self._lock = threading.Lock()

    def record(self, key_id: str, now_ms: int) -> None:
        with self._lock:
            self._calls[key_id] = self._calls.get(key_id, 0) + 1
            self._last[key_id] = max(self._last.get(key_id, 0), now_ms)

    def pending(self, key_ids: list[str]) -> dict[str, Usage]:
        with self._lock:
            return {
                k: Usage(self._calls[k], self._last.get(k, 0)) for k in key_ids if k in self._calls
            }

    def take(self) -> dict[str, Usage]:
        with self._lock:
            calls, last = self._calls, self._last
            self._calls, self._last = {}, {}
        return {k: Usage(n, last.get(k, 0)) for k, n in calls.items()}

    def restore(self, taken: dict[str, Usage]) -> None:
        for key_id, usage in taken.items():
            with self._lock:
                self._calls[key_id] = self._calls.get(key_id, 0) + usage.calls
                self._last[key_id] = max(self._last.get(key_id, 0), usage.last_used_ms)


# Both hashes share a hash tag, so the scripts stay valid on a Redis cluster.
_CALLS = "{chainless:apikeys:usage}:calls"
_LAST = "{chainless:apikeys:usage}:last"

# KEYS = calls, last; ARGV = key id, now (ms). One script call costs less than a pipeline.
_RECORD_LUA = """
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 0
"""

_TAKE_LUA = """
local calls = redis.call('HGETALL', KEYS[1])
local last = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2])
return {calls, last}
"""

# ARGV = key id, calls, last used (ms), repeated
_RESTORE_LUA = """
for i = 1, #ARGV, 3 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  local seen = tonumber(redis.call('HGET', KEYS[2], ARGV[i])) or 0
  if tonumber(ARGV[i + 2]) > seen then redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2]) end
end
return 0
"""


class RedisUsageCounter:
    """Shared by every api replica and worker: two hashes, key id -> calls / last-used time."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._record = redis.register_script(_RECORD_LUA)
        self._take = redis.register_script(_TAKE_LUA)
        self._restore = redis.register_script(_RESTORE_LUA)

    def record(self, key_id: str, now_ms: int) -> None:
        self._record(keys=[_CALLS, _LAST], args=[key_id, now_ms])

    def pending(self, key_ids: list[str]) -> dict[str, Usage]:
        if not key_ids:
            return {}
        pipe = self._redis.pipeline(transaction=False)
        pipe.hmget(_CALLS, key_ids)
        pipe.hmget(_LAST, key_ids)
        calls, last = pipe.execute()
        return {
            key_id: Usage(int(n), int(t or 0))
            for key_id, n, t in zip(key_ids, calls, last, strict=True)
            if n is not None
        }

    def take(self) -> dict[str, Usage]:
        calls, last = self._take(keys=[_CALLS, _LAST])
        last_by_id = _pairs(last)
        return {k: Usage(int(n), int(last_by_id.get(k, 0))) for k, n in _pairs(calls).items()}

    def restore(self, taken: dict[str, Usage]) -> None:
        if not taken:
            return
        args: list[str | int] = []
        for key_id, usage in taken.items():
            args += [key_id, usage.calls, usage.last_used_ms]
        self._restore(keys=[_CALLS, _LAST], args=args)


class BufferedUsageCounter:
    """Counts in process memory and hands them to the shared counter at most once a second.

    Recording is then free of network round trips on the request path. What a process counted in
    its last second is lost if it dies without a flush; usage counts are statistics, not billing.
    """

    def __init__(self, shared: UsageCounter, *, interval_ms: int = 1000) -> None:
        self._shared = shared
        self._local = MemoryUsageCounter()
        self._interval_ms = interval_ms
        self._next_flush_ms = 0
        self._lock = threading.Lock()

    def record(self, key_id: str, now_ms: int) -> None:
        self._local.record(key_id, now_ms)
        if now_ms >= self._next_flush_ms:
            self.flush(now_ms)

    def flush(self, now_ms: int | None = None) -> None:
        with self._lock:
            self._next_flush_ms = (now_ms or 0) + self._interval_ms
            buffered = self._local.take()
        if buffered:
            try:
                self._shared.restore(buffered)
            except RedisError:
                self._local.restore(buffered)  # try again with the next flush
                raise

    def pending(self, key_ids: list[str]) -> dict[str, Usage]:
        self.flush()
        return self._shared.pending(key_ids)

    def take(self) -> dict[str, Usage]:
        self.flush()
        return self._shared.take()

    def restore(self, taken: dict[str, Usage]) -> None:
        self._shared.restore(taken)


def _pairs(flat: list[bytes | str]) -> dict[str, bytes | str]:
    """HGETALL's flat reply as a dict (bytes or str, whatever the client decodes to)."""
    return {_text(flat[i]): flat[i + 1] for i in range(0, len(flat), 2)}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def usage_counter(services: Services) -> UsageCounter:
    """The process's counter, made once per :class:`Services` (Redis when configured)."""
    counter: UsageCounter | None = services.extras.get(_EXTRAS_KEY)
    if counter is None:
        with _create_lock:
            counter = services.extras.get(_EXTRAS_KEY)
            if counter is None:
                redis = services.redis
                counter = (
                    BufferedUsageCounter(RedisUsageCounter(redis))
                    if redis is not None
                    else MemoryUsageCounter()
                )
                services.extras[_EXTRAS_KEY] = counter
    return counter


def record_use(services: Services, key_id: str, now_ms: int) -> None:
    """Count one call; an unreachable Redis costs the statistic, never the request."""
    try:
        usage_counter(services).record(key_id, now_ms)
    except RedisError:
        log.warning("could not count a use of API key %s", key_id, exc_info=True)
