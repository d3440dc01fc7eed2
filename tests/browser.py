"""Page tests in real Chromium: Debian's ``chromium`` (``scripts/ensure-chromium.sh``, run by
``make test``) driven by Playwright, against the test's app served over real HTTP.

Fixtures (a pytest plugin of ``tests/conftest.py``): ``browser`` (one Chromium per test module:
Playwright's sync API runs an event loop on the test thread while it lives, so a session-wide one
broke every later ``asyncio.run`` on that worker),
``page`` (a fresh context per test, 375 px wide by default: the wallet's pages are mobile first)
and ``live_url`` (the test's ``app``, same services and rolled-back transaction, under uvicorn on
``live_port``). ``screenshots`` is the test's folder of kept screenshots (``test-artifacts/``,
or ``CHAINLESS_TEST_ARTIFACTS``: CI keeps it); :func:`screenshot` saves what a test saw there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.live_server import free_port, served_in_thread

CHROMIUM = os.environ.get("CHAINLESS_TEST_CHROMIUM", "/usr/bin/chromium")
# Nothing of the browser's own may reach the network: the pages must work offline.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MOBILE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if executable is None:
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/ensure-chromium.sh (make test does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=MOBILE)
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


ARTIFACTS = Path(
    os.environ.get("CHAINLESS_TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts")
)


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path:
    """This test's folder under ``test-artifacts/screenshots``, emptied first: what the pages
    looked like at the end of the last run stays there for a person to look at."""
    module = Path(str(request.node.path)).stem
    folder = ARTIFACTS / "screenshots" / module / request.node.name.replace("/", "_")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def live_port() -> int:
    return free_port()


@pytest.fixture
def live_url(app: Any, live_port: int) -> Iterator[str]:
    """The test's app over real HTTP on ``live_port``. Pages that name the public URL (the
    SIWE domain, the issuer) need it as ``public_url``: override ``settings`` with
    ``settings.model_copy(update={"public_url": f"http://127.0.0.1:{live_port}"})``."""
    with served_in_thread(app, live_port) as url:
        yield url
