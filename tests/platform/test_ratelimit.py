"""GCRA rate limiting: both backends, driven directly with a controlled clock."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from redis import Redis

from chainless.platform.core.ratelimit import (
    Limit,
    MemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
)

START = 1_750_000_000_000_000  # microseconds


class FakeClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += round(seconds * 1_000_000)


@dataclass
class Bench:
    limiter: RateLimiter
    clock: FakeClock


@pytest.fixture(params=[pytest.param("memory", marks=pytest.mark.portable), "redis"])
def bench(request: pytest.FixtureRequest, redis_client: Redis | None) -> Bench:
    clock = FakeClock()
    if request.param == "memory":
        return Bench(MemoryRateLimiter(clock=clock), clock)
    if redis_client is None:
        pytest.skip("needs Redis")
    return Bench(RedisRateLimiter(redis_client, clock=clock), clock)


def hits(limiter: RateLimiter, limit: Limit, n: int, key: str = "k") -> list[bool]:
    return [limiter.hit(key, limit).allowed for _ in range(n)]


@pytest.mark.parametrize("count", [1, 3, 7, 60, 1000])
def test_a_full_bucket_takes_exactly_count_requests_at_once(bench: Bench, count: int) -> None:
    limit = Limit("t", count, 60)
    remaining = [bench.limiter.hit("k", limit).remaining for _ in range(count)]
    assert remaining == list(range(count - 1, -1, -1))
    refused = bench.limiter.hit("k", limit)
    assert not refused.allowed
    assert refused.remaining == 0
    assert refused.retry_after == pytest.approx(60 / count, abs=1e-5)
    assert refused.reset_after == pytest.approx(60, abs=1e-3)


def test_refill_is_smooth_one_request_per_interval(bench: Bench) -> None:
    limit = Limit("t", 4, 60)  # one request per 15 s
    assert hits(bench.limiter, limit, 5) == [True] * 4 + [False]
    bench.clock.advance(14.9)
    assert not bench.limiter.hit("k", limit).allowed
    bench.clock.advance(0.1)
    assert hits(bench.limiter, limit, 2) == [True, False]
    bench.clock.advance(30)
    assert hits(bench.limiter, limit, 3) == [True, True, False]
    bench.clock.advance(3600)  # long idle: the bucket holds at most ``count``
    assert hits(bench.limiter, limit, 5) == [True] * 4 + [False]


def test_refused_requests_change_nothing(bench: Bench) -> None:
    limit = Limit("t", 2, 10)
    hits(bench.limiter, limit, 2)
    first = bench.limiter.hit("k", limit)
    for _ in range(50):
        again = bench.limiter.hit("k", limit)
        assert again.retry_after == first.retry_after
    bench.clock.advance(first.retry_after)
    assert bench.limiter.hit("k", limit).allowed


def test_keys_and_limits_are_independent(bench: Bench) -> None:
    limit = Limit("t", 1, 60)
    assert hits(bench.limiter, limit, 2, key="a") == [True, False]
    assert bench.limiter.hit("b", limit).allowed


def test_peek_reports_without_spending(bench: Bench) -> None:
    limit = Limit("t", 3, 60)
    fresh = bench.limiter.peek("k", limit)
    assert (fresh.allowed, fresh.remaining, fresh.reset_after) == (True, 3, 0)
    bench.limiter.hit("k", limit)
    for _ in range(5):
        assert bench.limiter.peek("k", limit).remaining == 2
    hits(bench.limiter, limit, 2)
    empty = bench.limiter.peek("k", limit)
    assert (empty.allowed, empty.remaining) == (False, 0)
    assert empty.retry_after == pytest.approx(20)


def test_forget_refills_one_bucket_at_once(bench: Bench) -> None:
    limit = Limit("t", 2, 600)
    hits(bench.limiter, limit, 2, key="a")
    hits(bench.limiter, limit, 2, key="b")
    bench.limiter.forget("a")
    bench.limiter.forget("never-used")
    assert hits(bench.limiter, limit, 3, key="a") == [True, True, False]
    assert not bench.limiter.hit("b", limit).allowed


def test_headers_of_an_allowed_and_a_refused_request(bench: Bench) -> None:
    limit = Limit("t", 3, 60)
    allowed = bench.limiter.hit("k", limit).headers()
    assert allowed == {
        "RateLimit-Limit": "3",
        "RateLimit-Remaining": "2",
        "RateLimit-Reset": "20",
        "RateLimit-Policy": "3;w=60",
    }
    hits(bench.limiter, limit, 2)
    bench.clock.advance(0.5)
    refused = bench.limiter.hit("k", limit).headers()
    assert refused["Retry-After"] == "20"  # 19.5 s, rounded up
    assert refused["RateLimit-Remaining"] == "0"
    assert refused["RateLimit-Reset"] == "60"


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="count >= 1"):
        Limit("t", 0, 60)
    with pytest.raises(ValueError, match="period >= 1"):
        Limit("t", 1, 0)


def test_memory_and_redis_agree_on_every_decision(redis_client: Redis | None) -> None:
    if redis_client is None:
        pytest.skip("needs Redis")
    clock = FakeClock()
    memory, redis = MemoryRateLimiter(clock=clock), RedisRateLimiter(redis_client, clock=clock)
    limits = [
        Limit("a", 3, 60),
        Limit("b", 7, 60),
        Limit("c", 1000, 3600),
        Limit("d", 5, 86400),
        Limit("e", 100_000, 60),
    ]
    rng = random.Random(1234)
    for step in range(3000):
        clock.advance(rng.choice([0, 0, 0, 0.001, 0.5, 3, 9, 61]))
        limit = rng.choice(limits)
        key = f"{limit.name}:{rng.randrange(3)}"
        if step % 7 == 0:
            assert memory.peek(key, limit) == redis.peek(key, limit), step
        assert memory.hit(key, limit) == redis.hit(key, limit), step


def test_redis_buckets_expire_once_full_again(redis_client: Redis | None) -> None:
    if redis_client is None:
        pytest.skip("needs Redis")
    limiter = RedisRateLimiter(redis_client, prefix="t:")
    limiter.hit("k", Limit("t", 10, 60))
    ttl_ms = redis_client.pttl("t:k")
    assert 6_000 < ttl_ms <= 7_000  # one interval (6 s) plus a second of slack


@pytest.fixture
def server_clock_limiter(redis_client: Redis | None) -> RedisRateLimiter:
    if redis_client is None:
        pytest.skip("needs Redis")
    return RedisRateLimiter(redis_client)


def test_redis_uses_the_server_clock_by_default(server_clock_limiter: RedisRateLimiter) -> None:
    limit = Limit("t", 3, 3600)
    assert [server_clock_limiter.hit("k", limit).remaining for _ in range(3)] == [2, 1, 0]
    refused = server_clock_limiter.hit("k", limit)
    assert not refused.allowed
    assert 1100 < refused.retry_after <= 1200


def _hammer(limiter: RateLimiter, limit: Limit, threads: int, per_thread: int) -> int:
    start = threading.Barrier(threads)

    def worker(_: int) -> int:
        start.wait()
        return sum(limiter.hit("shared", limit).allowed for _ in range(per_thread))

    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(worker, range(threads)))


def test_many_threads_never_get_more_than_the_limit_from_redis(
    server_clock_limiter: RedisRateLimiter,
) -> None:
    limit = Limit("t", 100, 3600)  # refills one per 36 s: nothing refills during the test
    assert _hammer(server_clock_limiter, limit, threads=24, per_thread=25) == 100


@pytest.mark.portable
def test_many_threads_never_get_more_than_the_limit_in_memory() -> None:
    limit = Limit("t", 100, 3600)
    assert _hammer(MemoryRateLimiter(), limit, threads=24, per_thread=25) == 100


@pytest.mark.portable
def test_memory_limiter_forgets_full_buckets() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(clock=clock)
    limiter.MAX_KEYS = 10
    limit = Limit("t", 5, 1)
    for i in range(10):
        limiter.hit(f"old-{i}", limit)
    clock.advance(2)
    limiter.hit("new", limit)
    state: Any = limiter._tats
    assert set(state) == {"new"}
