"""A burst of requests larger than the thread pool and the connection pool still completes.

The platform once stalled for the pool's whole timeout under such a burst: every thread-pool
thread ran endpoint code waiting for a pooled connection, while the requests holding the
connections waited for a thread to run their next step. These tests run the app on a real engine
with a tiny pool, a short pool timeout and a two-thread pool, so a stall shows up as 500s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import Engine, create_engine

from chainless.platform.core.db import Database
from chainless.platform.core.services import Services, build_services
from chainless.platform.core.settings import Settings
from tests.factories import Factory
from tests.platform.test_apps_support import app_body

BURST = 16


@pytest.fixture
def small_pool(database_url: str) -> Iterator[Engine]:
    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, pool_size=1, max_overflow=1, pool_timeout=3)
    yield engine
    engine.dispose()


@pytest.fixture
def committed_services(
    small_pool: Engine, settings: Settings, redis_client: Redis | None
) -> Services:
    """Services that commit for real: the burst runs on separate connections."""
    return build_services(settings, database=Database(small_pool), redis=redis_client)


def _burst(
    app: Any, requests: list[tuple[str, str, dict[str, Any] | None]], headers: dict[str, str]
) -> list[int]:
    async def run() -> list[int]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        statuses: list[int] = []
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def one(method: str, path: str, body: dict[str, Any] | None) -> None:
                response = await client.request(method, path, json=body, headers=headers)
                statuses.append(response.status_code)

            with anyio.fail_after(30):
                async with anyio.create_task_group() as group:
                    for method, path, body in requests:
                        group.start_soon(one, method, path, body)
        return statuses

    return anyio.run(run)


@pytest.mark.slow
def test_a_burst_of_reads_and_writes_completes_on_a_tiny_pool(
    committed_services: Services,
) -> None:
    from chainless.platform.app import create_app

    app = create_app(committed_services.settings, services=committed_services)
    with TestClient(app, base_url="http://testserver") as client:
        developer = Factory(client, committed_services).developer(approved=True)
    writes = [("POST", "/api/v1/apps", app_body(name=f"Burst {i}")) for i in range(BURST)]
    reads = [("GET", "/api/v1/apps", None)] * BURST
    statuses = _burst(
        app, [item for pair in zip(writes, reads, strict=True) for item in pair], developer.headers
    )

    assert sorted(set(statuses)) == [200, 201], statuses
    assert statuses.count(201) == BURST
    assert committed_services.database.request_slots == 1
