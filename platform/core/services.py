"""The process-wide services: built once from the settings, shared by the api and the workers.

Every external system sits behind an interface with a real backend and a local one chosen by the
settings (Redis or in-process for rate limits and counters, Celery or the embedded job runner,
SMTP or the outbox, S3 or a local folder).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from redis import Redis
from sqlalchemy.orm import Session

from chainless.platform.core import jobs
from chainless.platform.core.counters import Counters, MemoryCounters, RedisCounters
from chainless.platform.core.db import Database, make_engine
from chainless.platform.core.epochs import EPOCHS_KEY, Epochs
from chainless.platform.core.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from chainless.platform.core.security import SecretHasher
from chainless.platform.core.settings import Settings
from chainless.platform.core.storage import ObjectStorage, make_storage
from chainless.platform.outbound import OutboundClient

log = logging.getLogger("chainless.services")


@dataclass
class Services:
    settings: Settings
    database: Database
    hasher: SecretHasher
    rate_limiter: RateLimiter
    storage: ObjectStorage
    counters: Counters
    outbound: OutboundClient  # every request to a URL a developer supplied goes through it
    redis: Redis | None = None
    job_runner: jobs.JobRunner | None = None
    epochs: Epochs | None = None  # with Redis only: process-local caches check them
    extras: dict[str, Any] = field(default_factory=dict)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self.database.transaction() as session:
            yield session

    def close(self) -> None:
        runner = self.job_runner
        if isinstance(runner, jobs.EmbeddedJobRunner):
            runner.close()
        self.database.dispose()
        if self.redis is not None:
            self.redis.close()


@dataclass(frozen=True)
class JobScope:
    """What a running job gets: the services and its own transaction's session."""

    services: Services
    session: Session


def run_job(services: Services, spec: jobs.JobSpec, kwargs: dict[str, Any]) -> None:
    """Run one job in its own transaction (the same path for Celery and the embedded runner)."""
    with services.transaction() as session:
        spec.function(JobScope(services, session), **kwargs)


def build_services(
    settings: Settings, *, database: Database | None = None, redis: Redis | None = None
) -> Services:
    if redis is None and settings.redis_url:
        redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    limiter: RateLimiter = RedisRateLimiter(redis) if redis is not None else MemoryRateLimiter()
    services = Services(
        settings=settings,
        database=database
        or Database(make_engine(settings.database_url, pool_size=settings.database_pool_size)),
        hasher=SecretHasher(settings.secret_key),
        rate_limiter=limiter,
        storage=make_storage(settings.storage),
        counters=RedisCounters(redis) if redis is not None else MemoryCounters(),
        outbound=OutboundClient(settings.outbound),
        redis=redis,
        epochs=Epochs(redis) if redis is not None else None,
    )
    services.job_runner = _make_runner(services)
    services.database._session_info[EPOCHS_KEY] = services.epochs
    services.database._session_info[jobs.RUNNER_KEY] = services.job_runner
    return services


def _make_runner(services: Services) -> jobs.JobRunner:
    if services.settings.task_runner == "celery":
        from chainless.platform.worker import CeleryJobRunner

        return CeleryJobRunner(services.settings)
    return jobs.EmbeddedJobRunner(call=lambda spec, kwargs: run_job(services, spec, kwargs))
