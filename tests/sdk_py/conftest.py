"""The SDK speaks real HTTP: the platform runs under uvicorn on a loopback port for these tests
(``live_port`` of ``tests/browser.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chainless.platform.core.settings import Settings
from tests.live_server import served_in_thread


@pytest.fixture
def settings(settings: Settings, live_port: int) -> Settings:
    # The issuer (and the SIWE domain) is the address the SDK reaches the platform at.
    return settings.model_copy(update={"public_url": f"http://127.0.0.1:{live_port}"})


@pytest.fixture
def issuer(app: Any, client: Any, live_port: int) -> Iterator[str]:
    """Serve the test's app (same services, same rolled-back transaction) over real HTTP."""
    with served_in_thread(app, live_port) as url:
        yield url
