"""A second api process in a test: its own services (so its own per-process caches) on the same
database connection and Redis, with the test's job runner. For checks that a change made through
one process reaches another at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from chainless.platform.core.db import Database
from chainless.platform.core.jobs import RUNNER_KEY
from chainless.platform.core.services import Services, build_services


@contextmanager
def second_process(services: Services) -> Iterator[tuple[Services, TestClient]]:
    from chainless.platform.app import create_app

    assert services.redis is not None, "processes share their caches' epochs through Redis"
    built = build_services(
        services.settings, database=Database(services.database.bind), redis=services.redis
    )
    built.job_runner = services.job_runner
    built.database._session_info[RUNNER_KEY] = services.job_runner
    with TestClient(create_app(built.settings, services=built)) as client:
        yield built, client
