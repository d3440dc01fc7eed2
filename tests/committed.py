"""The platform on a database of a test module's own, where every transaction commits for real
on its own connection (unlike the shared connection whose outer transaction a test rolls back):
for races and locks between connections."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient
from redis import Redis

from chainless.platform.core.jobs import RUNNER_KEY
from chainless.platform.core.migrate import upgrade
from chainless.platform.core.services import Services, build_services
from chainless.platform.core.settings import Settings
from tests.conftest import RecordingJobRunner
from tests.factories import Factory

BACKEND = os.environ.get("CHAINLESS_TEST_DATABASE", "postgres")
PG_ADMIN = os.environ.get("CHAINLESS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def committed_database(scratch: Path, prefix: str) -> Iterator[str]:
    """A migrated database (a file in ``scratch`` on SQLite), dropped afterwards."""
    if BACKEND == "sqlite":
        url = f"sqlite:///{scratch / f'{prefix}.db'}"
        upgrade(url)
        yield url
        return
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        upgrade(f"{url}/{name}")
        yield f"{url}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def services_on(
    url: str, settings: Settings, redis: Redis | None
) -> Iterator[tuple[Services, RecordingJobRunner]]:
    """Services on ``url`` whose jobs are recorded, not run (a test runs the ones it wants)."""
    own = settings.model_copy(update={"database_url": url})
    services = build_services(own, redis=redis)
    close = getattr(services.job_runner, "close", None)
    if close is not None:
        close()
    runner = RecordingJobRunner()
    runner.services = services
    services.job_runner = runner  # type: ignore[assignment]
    services.database._session_info[RUNNER_KEY] = runner
    try:
        yield services, runner
    finally:
        services.database.dispose()


@contextmanager
def platform_on(
    url: str, settings: Settings, redis: Redis | None
) -> Iterator[tuple[Factory, Services, RecordingJobRunner]]:
    """The app on ``url`` behind a test client, with a factory and the recorded jobs."""
    from chainless.platform.app import create_app

    with (
        services_on(url, settings, redis) as (services, jobs),
        TestClient(
            create_app(services.settings, services=services), base_url="http://testserver"
        ) as client,
    ):
        yield Factory(client, services), services, jobs
