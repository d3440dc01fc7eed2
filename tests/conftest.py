"""Test harness: real PostgreSQL and Redis (or the embedded SQLite default), migrations at setup,
one database per xdist worker, and a rollback after every test.

``CHAINLESS_TEST_DATABASE=sqlite`` runs the ``portable`` tests on the embedded default.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from redis import Redis
from sqlalchemy import Engine

from chainless.platform import assembly
from chainless.platform.core.db import Database, make_engine
from chainless.platform.core.jobs import get_job
from chainless.platform.core.migrate import upgrade
from chainless.platform.core.services import Services, build_services, run_job
from chainless.platform.core.settings import Settings

BACKEND = os.environ.get("CHAINLESS_TEST_DATABASE", "postgres")
PG_ADMIN = os.environ.get("CHAINLESS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CHAINLESS_TEST_REDIS", "redis://127.0.0.1:6379")

pytest_plugins = ["tests.factories", "tests.browser"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Modules with slow tests (browsers, real deployments) first, each module's tests kept in
    # order: `--dist loadfile` hands out whole modules as workers free up, and a long module
    # collected last keeps one worker busy alone at the end of the run.
    slow_modules = {item.nodeid.split("::")[0] for item in items if "slow" in item.keywords}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in slow_modules)
    if BACKEND == "sqlite":
        skip = pytest.mark.skip(reason="PostgreSQL-only; the SQLite run takes the portable tests")
        for item in items:
            if "portable" not in item.keywords:
                item.add_marker(skip)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("db") / "chainless.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    name = f"chainless_test_{_worker()}_{os.getpid()}"  # parallel runs never share a database
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    upgrade(url)
    yield url
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture
def redis_client() -> Iterator[Redis | None]:
    if BACKEND == "sqlite":
        yield None
        return
    index = 1 + int(_worker().removeprefix("gw") or 0) % 14
    client = Redis.from_url(f"{REDIS_URL}/{index}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


class RecordingJobRunner:
    """Collects jobs sent after commits; ``drain()`` runs them the way a worker would."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.services: Services | None = None

    def submit(self, name: str, kwargs: dict[str, Any]) -> None:
        self.sent.append((name, kwargs))

    def names(self) -> list[str]:
        return [name for name, _ in self.sent]

    def wait_for(self, name: str, timeout: float = 5.0) -> None:
        """Over real HTTP a job deferred past the answer (``jobs.defer_until_answered``) is sent
        just after the client has its response: wait until ``name`` is among those sent."""
        deadline = time.monotonic() + timeout
        while name not in self.names():
            assert time.monotonic() < deadline, f"job {name!r} was not sent"
            time.sleep(0.005)

    def drain(self) -> int:
        assert self.services is not None
        ran = 0
        while self.sent:
            name, kwargs = self.sent.pop(0)
            run_job(self.services, get_job(name), kwargs)
            ran += 1
        return ran


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        mode="test",
        database_url=database_url,
        redis_url=None if BACKEND == "sqlite" else REDIS_URL,
        data_dir=tmp_path / "data",
        storage={"backend": "local", "local_path": tmp_path / "storage"},
        public_url="http://testserver",
        start_local_chain=False,
        log_json=False,
    )


@pytest.fixture
def services(engine: Engine, settings: Settings, redis_client: Redis | None) -> Iterator[Services]:
    """Services on one connection whose outer transaction is rolled back after the test."""
    assembly.install()
    connection = engine.connect()
    outer = connection.begin()
    built = build_services(settings, database=Database(connection), redis=redis_client)
    runner = RecordingJobRunner()
    runner.services = built
    built.job_runner = runner
    built.database._session_info["chainless.job_runner"] = runner
    yield built
    outer.rollback()
    connection.close()


@pytest.fixture
def jobs(services: Services) -> RecordingJobRunner:
    runner = services.job_runner
    assert isinstance(runner, RecordingJobRunner)
    return runner


@pytest.fixture
def app(services: Services) -> Any:
    from chainless.platform.app import create_app

    return create_app(services.settings, services=services)


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


def unique_email(tag: str = "dev") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.com"
