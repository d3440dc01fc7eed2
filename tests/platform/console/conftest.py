"""The console in real Chromium (``browser`` and ``live_port`` of ``tests/browser.py``) against the
platform served by uvicorn on a loopback port, on a database of its own where every request
commits for real (a browser sends requests in parallel, which one shared test connection cannot
take), on PostgreSQL unless CHAINLESS_TEST_DATABASE says otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chainless.platform.core.services import Services
from chainless.platform.core.settings import Settings
from tests.committed import committed_database, services_on
from tests.live_server import served_in_thread


@pytest.fixture
def settings(settings: Settings, live_port: int) -> Settings:
    # Mailed links (the email confirmation) point at the address the browser reaches.
    return settings.model_copy(update={"public_url": f"http://127.0.0.1:{live_port}"})


@pytest.fixture
def live_services(settings: Settings, redis_client: Any, tmp_path: Path) -> Iterator[Services]:
    with (
        committed_database(tmp_path, "console") as url,
        services_on(url, settings, redis_client) as (services, _jobs),
    ):
        yield services


@pytest.fixture
def live_server(live_services: Services, live_port: int) -> Iterator[str]:
    from chainless.platform.app import create_app

    app = create_app(live_services.settings, services=live_services)
    with served_in_thread(app, live_port) as url:
        yield url
