"""The console in real Chromium (Debian's, through Playwright's ``executable_path``) against the
test's app served by uvicorn on a loopback port: the same services and rolled-back transaction
as the test, on PostgreSQL unless CHAINLESS_TEST_DATABASE says otherwise."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from chainless.platform.core.settings import Settings

CHROMIUM = os.environ.get("CHAINLESS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def settings(settings: Settings, live_port: int) -> Settings:
    # Mailed links (the email confirmation) point at the address the browser reaches.
    return settings.model_copy(update={"public_url": f"http://127.0.0.1:{live_port}"})


@pytest.fixture
def live_server(app: Any, client: Any, live_port: int) -> Iterator[str]:
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


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where the story's screenshots go (kept with the test's tmp dir)."""
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder
