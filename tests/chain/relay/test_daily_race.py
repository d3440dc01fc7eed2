"""Daily limits under a real race: the platform serves a database of its own under uvicorn (every
request commits for real, on its own connection) and many submissions arrive at once over HTTP.
Exactly the allowed number passes; every other one gets the limit's stable problem code."""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import func, select

from chainless.chain.models import RelayedTransaction
from chainless.platform.app import create_app
from chainless.platform.core.services import Services
from chainless.platform.core.settings import Settings
from tests.chain.relay.support import TX_URL, approve_data, relay_app, signed
from tests.committed import committed_database, services_on
from tests.contracts.conftest import Platform
from tests.factories import Factory

BACKEND = os.environ.get("CHAINLESS_TEST_DATABASE", "postgres")
PG_ADMIN = os.environ.get("CHAINLESS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
pytestmark = pytest.mark.portable  # SQLite: BEGIN IMMEDIATE serializes the writers
RACERS = 12
ALLOWED = 3


@pytest.fixture(scope="module")
def own_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with committed_database(tmp_path_factory.mktemp("race"), "chainless_relay_race") as url:
        yield url


@pytest.fixture
def live(
    own_database: str, settings: Settings, redis_client: Redis | None
) -> Iterator[tuple[str, Factory, Services]]:
    """The platform on its own database under uvicorn; set-up goes through a TestClient.
    Broadcasts are not the point here: their jobs are recorded, never run."""
    with services_on(own_database, settings, redis_client) as (services, _jobs):
        yield from _served(services)


def _served(services: Services) -> Iterator[tuple[str, Factory, Services]]:
    app = create_app(services.settings, services=services)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    with TestClient(app, base_url="http://testserver") as client:
        yield f"http://127.0.0.1:{port}", Factory(client, services), services
    server.should_exit = True
    thread.join(timeout=10)


def policy(**limits: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        "max_value_wei": str(10**18),
        "max_gas_limit": 3_000_000,
        "max_fee_per_gas_wei": str(500 * 10**9),
        "user_daily_tx_limit": 1000,
        "user_daily_value_wei": str(10**20),
        "app_daily_tx_limit": 1000,
        "app_daily_value_wei": str(10**20),
    }
    values.update(limits)
    return values


@pytest.mark.parametrize(
    ("limits", "code"),
    [
        ({"user_daily_tx_limit": ALLOWED}, "user_daily_count_exceeded"),
        ({"app_daily_tx_limit": ALLOWED}, "app_daily_count_exceeded"),
    ],
)
def test_racing_submissions_pass_a_daily_limit_exactly_as_often_as_it_allows(
    live: tuple[str, Factory, Services], platform: Platform, limits: dict[str, int], code: str
) -> None:
    url, factory, services = live
    relay = relay_app(factory, platform)
    response = factory.client.put(
        f"/api/v1/apps/{relay.app_id}/relay/policy",
        headers=relay.developer_headers,
        json=policy(**limits),
    )
    assert response.status_code == 200, response.text
    first = platform.w3.eth.get_transaction_count(relay.user.address)
    data = approve_data(platform, secrets.randbelow(10**9) + 1)  # the database outlives a test
    raws = [
        signed(platform.w3, relay.user, to=platform.token.address, data=data, nonce=first + n)
        for n in range(RACERS)
    ]
    barrier = threading.Barrier(RACERS)

    def submit(raw: str) -> httpx.Response:
        with httpx.Client(base_url=url, headers=relay.headers, timeout=30) as http:
            barrier.wait()
            return http.post(TX_URL, json={"raw_transaction": raw})

    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(pool.map(submit, raws))

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [202] * ALLOWED + [429] * (RACERS - ALLOWED), [a.text for a in answers]
    for refused in (a for a in answers if a.status_code == 429):
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == code
    with services.transaction() as session:
        stored = session.scalar(
            select(func.count())
            .select_from(RelayedTransaction)
            .where(RelayedTransaction.app_id == relay.app_id)
        )
    assert stored == ALLOWED
