"""The SDK speaks real HTTP: the platform runs under uvicorn on a loopback port for these tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from chainless.platform.core.settings import Settings


@pytest.fixture
def live_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def settings(settings: Settings, live_port: int) -> Settings:
    # The issuer (and the SIWE domain) is the address the SDK reaches the platform at.
    return settings.model_copy(update={"public_url": f"http://127.0.0.1:{live_port}"})


@pytest.fixture
def issuer(app: Any, client: Any, live_port: int) -> Iterator[str]:
    """Serve the test's app (same services, same rolled-back transaction) over real HTTP."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=live_port, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{live_port}"
    server.should_exit = True
    thread.join(timeout=10)
