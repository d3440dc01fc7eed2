"""Fixtures of the deployment tests: the fixture repository on the GitHub stand-in, and the
platform on a committed database of the module's own (for row locks and concurrent readers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis import Redis

from chainless.platform.core.services import Services
from chainless.platform.core.settings import Settings
from tests.committed import committed_database, platform_on
from tests.conftest import RecordingJobRunner
from tests.factories import Factory


@pytest.fixture(scope="module")
def own_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with committed_database(tmp_path_factory.mktemp("deploy"), "chainless_deploy") as url:
        yield url


@pytest.fixture
def committed(
    own_database: str, settings: Settings, redis_client: Redis | None
) -> Iterator[tuple[Factory, Services, RecordingJobRunner]]:
    """Every request and job commits on its own connection, so row locks are real."""
    with platform_on(own_database, settings, redis_client) as running:
        yield running
