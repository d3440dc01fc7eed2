"""Rate limits with GCRA (the generic cell rate algorithm), on Redis or in-process.

GCRA keeps one timestamp per key, the "theoretical arrival time" (TAT), so a check costs one Redis
round trip and one small key. With emission interval ``T = period / count`` and tolerance
``tau = T * (count - 1)`` a request at ``now`` is allowed when ``TAT - now <= tau``, which then
moves TAT on by ``T``: a full bucket takes a burst of exactly ``count`` requests and refills
smoothly, one request every ``T``, instead of resetting at window edges. Refused requests change
nothing. The answer carries what the ``RateLimit-*`` response headers need
(draft-ietf-httpapi-ratelimit-headers-06, section 3).

Both backends run the same arithmetic on integer microseconds, so they agree to the microsecond
and float rounding can never refuse the last request of a burst. The Redis backend reads the Redis
server's clock by default, so replicas with skewed clocks still share one view of time.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from redis import Redis

from chainless.platform.core.redis_wire import PipelinedScript

MICROSECONDS = 1_000_000
Clock = Callable[[], int]  # the current time in integer microseconds


def system_clock() -> int:
    return time.time_ns() // 1000


@dataclass(frozen=True, slots=True)
class Limit:
    """``count`` requests per ``period`` seconds, bursts of up to ``count``."""

    name: str
    count: int
    period: int

    def __post_init__(self) -> None:
        if self.count < 1 or self.period < 1:
            raise ValueError(f"a rate limit needs count >= 1 and period >= 1, got {self}")

    @property
    def interval_us(self) -> int:
        """Microseconds one request costs; rounded up so the rate never exceeds the limit."""
        return -(-self.period * MICROSECONDS // self.count)

    @property
    def tolerance_us(self) -> int:
        return self.interval_us * (self.count - 1)

    @property
    def emission_interval(self) -> float:
        return self.interval_us / MICROSECONDS


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: Limit
    remaining: int
    reset_after: float  # seconds until the bucket is full again
    retry_after: float  # seconds until the next request is allowed (0 when allowed)

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit.count),
            "RateLimit-Remaining": str(self.remaining),
            # rounded to the millisecond first: the interval's microsecond round-up is noise
            "RateLimit-Reset": str(math.ceil(round(self.reset_after, 3))),
            "RateLimit-Policy": f"{self.limit.count};w={self.limit.period}",
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, math.ceil(round(self.retry_after, 3))))
        return headers


def _decision(
    allowed: bool, limit: Limit, remaining: int, reset_us: int, retry_us: int
) -> Decision:
    return Decision(allowed, limit, remaining, reset_us / MICROSECONDS, retry_us / MICROSECONDS)


def gcra(tat: int | None, now: int, limit: Limit) -> tuple[Decision, int | None]:
    """One request at ``now``: the decision and the TAT to store (``None``: leave it as it is).

    The Lua script below is this function, line for line.
    """
    interval, tolerance = limit.interval_us, limit.tolerance_us
    tat = now if tat is None or tat < now else tat
    if tat - now > tolerance:
        return _decision(False, limit, 0, tat - now, tat - now - tolerance), None
    new_tat = tat + interval
    remaining = (tolerance - (new_tat - now)) // interval + 1
    return _decision(True, limit, remaining, new_tat - now, 0), new_tat


def gcra_peek(tat: int | None, now: int, limit: Limit) -> Decision:
    """What the bucket looks like at ``now``, without spending a request."""
    interval, tolerance = limit.interval_us, limit.tolerance_us
    tat = now if tat is None or tat < now else tat
    remaining = max(0, (tolerance - (tat - now)) // interval + 1)
    return _decision(remaining > 0, limit, remaining, tat - now, max(0, tat - now - tolerance))


def gcra_many(
    tats: list[int | None], now: int, limits: list[Limit]
) -> tuple[list[Decision], list[int | None]]:
    """Several buckets at once, all or nothing: a request refused by one bucket spends none.

    Returns the decisions and the TATs to store (all ``None`` when refused).
    """
    checked = [gcra(tat, now, limit) for tat, limit in zip(tats, limits, strict=True)]
    if all(decision.allowed for decision, _ in checked):
        return [d for d, _ in checked], [t for _, t in checked]
    decisions = [
        d if not d.allowed else gcra_peek(tat, now, limit)
        for (d, _), tat, limit in zip(checked, tats, limits, strict=True)
    ]
    return decisions, [None] * len(limits)


class RateLimiter(Protocol):
    def hit(self, key: str, limit: Limit) -> Decision: ...

    def hit_many(self, checks: list[tuple[str, Limit]]) -> list[Decision]: ...

    def peek(self, key: str, limit: Limit) -> Decision: ...

    def forget(self, key: str) -> None:
        """Refill ``key``'s bucket at once (a missing key is a full bucket)."""
        ...


class MemoryRateLimiter:
    """The embedded mode's limiter: per-process, thread-safe."""

    MAX_KEYS = 100_000

    def __init__(self, *, clock: Clock = system_clock) -> None:
        self._tats: dict[str, int] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def hit(self, key: str, limit: Limit) -> Decision:
        with self._lock:
            now = self._clock()
            decision, new_tat = gcra(self._tats.get(key), now, limit)
            if new_tat is not None:
                self._tats[key] = new_tat
                if len(self._tats) > self.MAX_KEYS:
                    self._evict(now)
        return decision

    def hit_many(self, checks: list[tuple[str, Limit]]) -> list[Decision]:
        with self._lock:
            now = self._clock()
            decisions, new_tats = gcra_many(
                [self._tats.get(k) for k, _ in checks], now, [limit for _, limit in checks]
            )
            for (key, _), tat in zip(checks, new_tats, strict=True):
                if tat is not None:
                    self._tats[key] = tat
        return decisions

    def peek(self, key: str, limit: Limit) -> Decision:
        with self._lock:
            return gcra_peek(self._tats.get(key), self._clock(), limit)

    def forget(self, key: str) -> None:
        with self._lock:
            self._tats.pop(key, None)

    def _evict(self, now: int) -> None:
        """Forget full buckets: a missing key and a TAT in the past mean the same."""
        for stale in [k for k, tat in self._tats.items() if tat <= now]:
            del self._tats[stale]


# KEYS[1] = bucket; ARGV = now (integer microseconds, or "" for the server clock), interval,
# tolerance. Integers stay below 2^53, so Lua's doubles hold them exactly; ``fdiv`` is an exact
# floor division. Returns {allowed, remaining, reset_us, retry_us}.
_LUA_PRELUDE = """
local function fdiv(a, b)
  local q = math.floor(a / b)
  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
  return q
end
local now = tonumber(ARGV[1])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
"""

_GCRA_LUA = (
    _LUA_PRELUDE
    + """
if tat - now > tolerance then
  return {0, 0, tat - now, tat - now - tolerance}
end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat),
           'PX', math.ceil((new_tat - now) / 1000) + 1000)
return {1, fdiv(tolerance - (new_tat - now), interval) + 1, new_tat - now, 0}
"""
)

_PEEK_LUA = (
    _LUA_PRELUDE
    + """
local remaining = math.max(0, fdiv(tolerance - (tat - now), interval) + 1)
return {remaining > 0 and 1 or 0, remaining, tat - now, math.max(0, tat - now - tolerance)}
"""
)


# KEYS[1..n] = buckets; ARGV = now ("" for the server clock), then interval and tolerance per
# bucket. ``gcra_many`` line for line: one round trip for every limit a request is subject to.
# ``ko`` and ``ao`` are where the buckets start in KEYS and ARGV (0 here; the guarded variant
# below puts epochs first).
_GCRA_MANY_BODY = """
local function fdiv(a, b)
  local q = math.floor(a / b)
  if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
  return q
end
local now = tonumber(ARGV[ao + 1])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local n = #KEYS - ko
local tats, ok = {}, true
for i = 1, n do
  local tat = tonumber(redis.call('GET', KEYS[ko + i]))
  if tat == nil or tat < now then tat = now end
  tats[i] = tat
  if tat - now > tonumber(ARGV[ao + 2 * i + 1]) then ok = false end
end
local out = {}
for i = 1, n do
  local interval, tat = tonumber(ARGV[ao + 2 * i]), tats[i]
  local tolerance = tonumber(ARGV[ao + 2 * i + 1])
  if tat - now > tolerance then
    out[i] = {0, 0, tat - now, tat - now - tolerance}
  elseif ok then
    local new_tat = tat + interval
    local ttl_ms = math.ceil((new_tat - now) / 1000) + 1000
    redis.call('SET', KEYS[ko + i], string.format('%d', new_tat), 'PX', ttl_ms)
    out[i] = {1, fdiv(tolerance - (new_tat - now), interval) + 1, new_tat - now, 0}
  else
    local remaining = math.max(0, fdiv(tolerance - (tat - now), interval) + 1)
    out[i] = {remaining > 0 and 1 or 0, remaining, tat - now, math.max(0, tat - now - tolerance)}
  end
end
"""

_GCRA_MANY_LUA = "local ko, ao = 0, 0\n" + _GCRA_MANY_BODY + "return out\n"

# KEYS[1] = an epoch (see ``core.epochs``), KEYS[2..m+1] = more epochs only to read; ARGV[1] = the
# value the caller's cached data was read under, ARGV[2] = m. When the first epoch moved on,
# nothing is counted. The reply is one string, "epoch|read,read|a:r:reset:retry,..." with no
# decisions when stale: on the request path, parsing one bulk string costs far less than nested
# arrays.
_GUARDED_MANY_LUA = (
    """
local m = tonumber(ARGV[2])
local ko, ao = 1 + m, 2
local epoch = redis.call('GET', KEYS[1]) or '0'
local read = {}
for i = 1, m do read[i] = redis.call('GET', KEYS[1 + i]) or '0' end
local head = epoch .. '|' .. table.concat(read, ',') .. '|'
if epoch ~= ARGV[1] then return head end
"""
    + _GCRA_MANY_BODY
    + """
local parts = {}
for i = 1, #out do
  local d = out[i]
  parts[i] = string.format('%d:%d:%d:%d', d[1], d[2], d[3], d[4])
end
return head .. table.concat(parts, ',')
"""
)


@dataclass(frozen=True, slots=True)
class Guarded:
    """The answer of a guarded check: the epoch, the decisions (``None`` when stale), and the
    epochs read along with it."""

    epoch: str
    decisions: list[Decision] | None
    read: list[str]


_CONNECTION_KWARGS = (
    "host",
    "port",
    "db",
    "username",
    "password",
    "socket_timeout",
    "socket_connect_timeout",
    "unix_socket_path",
)


def _same_server(redis: Redis) -> dict[str, Any]:
    """Connection arguments of an asyncio client that talks to the same Redis as ``redis``."""
    given = redis.connection_pool.connection_kwargs
    return {k: given[k] for k in _CONNECTION_KWARGS if k in given}


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisRateLimiter:
    """Shared across every api process and replica; one atomic script call per check.

    ``clock`` is for tests; by default the script reads the Redis server's ``TIME``.
    """

    def __init__(
        self, redis: Redis, *, prefix: str = "chainless:rl:", clock: Clock | None = None
    ) -> None:
        self._prefix = prefix
        self._clock = clock
        self._hit = redis.register_script(_GCRA_LUA)
        self._hit_many = redis.register_script(_GCRA_MANY_LUA)
        self._guarded_many = redis.register_script(_GUARDED_MANY_LUA)
        self._redis = redis
        self._async: tuple[asyncio.AbstractEventLoop, PipelinedScript] | None = None
        self._peek = redis.register_script(_PEEK_LUA)

    def hit(self, key: str, limit: Limit) -> Decision:
        allowed, remaining, reset_us, retry_us = self._hit(
            keys=[self._prefix + key], args=self._args(limit)
        )
        return _decision(bool(allowed), limit, int(remaining), int(reset_us), int(retry_us))

    def hit_many(self, checks: list[tuple[str, Limit]]) -> list[Decision]:
        now = "" if self._clock is None else self._clock()
        args: list[str | int] = [now]
        for _, limit in checks:
            args += [limit.interval_us, limit.tolerance_us]
        replies = self._hit_many(keys=[self._prefix + key for key, _ in checks], args=args)
        return self._decisions(replies, checks)

    @staticmethod
    def _decisions(replies: list[list[int]], checks: list[tuple[str, Limit]]) -> list[Decision]:
        return [
            _decision(bool(a), limit, int(r), int(reset), int(retry))
            for (a, r, reset, retry), (_, limit) in zip(replies, checks, strict=True)
        ]

    async def hit_many_guarded_async(
        self,
        checks: list[tuple[str, Limit]],
        *,
        epoch_key: str,
        expected: str,
        also_read: list[str] | None = None,
    ) -> Guarded:
        """``hit_many_guarded`` for the event loop: waiting for Redis does not stall the loop
        (a busy Redis then slows this request only), and it costs no thread-pool hop."""
        keys, args = self._guarded_call(checks, epoch_key, expected, also_read or [])
        return self._guarded_reply(await self._async_script()(keys=keys, args=args), checks)

    def _async_script(self) -> PipelinedScript:
        """The guarded script on a pipelined connection to the same server, made once per event
        loop (an api process has one; tests start several); see ``core.redis_wire``."""
        loop = asyncio.get_running_loop()
        held = self._async
        if held is None or held[0] is not loop:
            script = PipelinedScript(_GUARDED_MANY_LUA, _same_server(self._redis))
            held = self._async = (loop, script)
        return held[1]

    def _guarded_call(
        self, checks: list[tuple[str, Limit]], epoch_key: str, expected: str, also: list[str]
    ) -> tuple[list[str], list[str | int]]:
        now = "" if self._clock is None else self._clock()
        args: list[str | int] = [expected, len(also), now]
        for _, limit in checks:
            args += [limit.interval_us, limit.tolerance_us]
        return [epoch_key, *also] + [self._prefix + key for key, _ in checks], args

    @staticmethod
    def _guarded_reply(reply: bytes | str, checks: list[tuple[str, Limit]]) -> Guarded:
        epoch, read, decided = _text(reply).split("|")
        epochs_read = read.split(",") if read else []
        if not decided:
            return Guarded(epoch, None, epochs_read)
        numbers = [[int(n) for n in one.split(":")] for one in decided.split(",")]
        return Guarded(epoch, RedisRateLimiter._decisions(numbers, checks), epochs_read)

    def hit_many_guarded(
        self,
        checks: list[tuple[str, Limit]],
        *,
        epoch_key: str,
        expected: str,
        also_read: list[str] | None = None,
    ) -> Guarded:
        """``hit_many`` if the epoch at ``epoch_key`` is still ``expected``, in the same script
        call: a process-local cache checked for staleness at no extra round trip. The epochs at
        ``also_read`` come back too, for other caches of the request to check."""
        keys, args = self._guarded_call(checks, epoch_key, expected, also_read or [])
        return self._guarded_reply(self._guarded_many(keys=keys, args=args), checks)

    def peek(self, key: str, limit: Limit) -> Decision:
        allowed, remaining, reset_us, retry_us = self._peek(
            keys=[self._prefix + key], args=self._args(limit)
        )
        return _decision(bool(allowed), limit, int(remaining), int(reset_us), int(retry_us))

    def forget(self, key: str) -> None:
        self._redis.delete(self._prefix + key)

    def _args(self, limit: Limit) -> list[str | int]:
        now = "" if self._clock is None else self._clock()
        return [now, limit.interval_us, limit.tolerance_us]
