"""`@chainless/sdk` in real Chromium: a test wallet host page framing a test mini-program, both
bundled from ``pages/`` at test time (``build.mjs``: esbuild and viem of sdk-js, the SDK from
``sdk-js/dist``), each served from an origin of its own; the platform under uvicorn on a
committed database (as the console's browser tests), with the session anvil of the contract
tests and its ``ChainlessForwarder`` as the dev chain."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from chainless.platform.core.services import Services
from chainless.platform.core.settings import ChainEnvironment, Settings
from tests.committed import committed_database, services_on
from tests.conftest import RecordingJobRunner
from tests.contracts.conftest import Platform, chain, compiled, deployed, platform
from tests.factories import Factory
from tests.live_server import served_in_thread

__all__ = ["chain", "compiled", "deployed", "platform"]

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


def build_pages(out: Path) -> Path:
    """The host and mini-program pages bundled into ``out`` (about a second)."""
    node = shutil.which("node")
    assert node, "node is needed to bundle the test pages (make setup installs it)"
    subprocess.run([node, str(HERE / "build.mjs"), str(out)], check=True, cwd=ROOT)
    return out


@contextmanager
def serve_folder(folder: Path, headers: dict[str, str] | None = None) -> Iterator[str]:
    """``folder`` over HTTP on a free loopback port (one origin), with extra ``headers``."""
    extra = headers or {}

    class Handler(http.server.SimpleHTTPRequestHandler):
        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")
            for name, value in extra.items():
                self.send_header(name, value)
            super().end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_pages(tmp_path_factory.mktemp("sdk-pages"))


@pytest.fixture(scope="module")
def host_origin(pages: Path) -> Iterator[str]:
    with serve_folder(pages) as url:
        yield url


@pytest.fixture(scope="module")
def app_origin(pages: Path) -> Iterator[str]:
    """The mini-program's own origin (its CDN), another port than the host's."""
    with serve_folder(pages) as url:
        yield url


@pytest.fixture
def settings(settings: Settings, live_port: int, platform: Platform) -> Settings:
    anvil = platform.w3.provider.endpoint_uri  # type: ignore[attr-defined]
    chains = dict(settings.chains)
    chains[ChainEnvironment.DEV] = chains[ChainEnvironment.DEV].model_copy(
        update={"rpc_urls": [anvil], "forwarder_address": platform.forwarder.address}
    )
    return settings.model_copy(
        update={"public_url": f"http://127.0.0.1:{live_port}", "chains": chains}
    )


@pytest.fixture
def live_platform(
    settings: Settings, redis_client: Any, tmp_path: Path
) -> Iterator[tuple[Services, RecordingJobRunner]]:
    with (
        committed_database(tmp_path, "sdk_js") as url,
        services_on(url, settings, redis_client) as running,
    ):
        yield running


@pytest.fixture
def live_server(
    live_platform: tuple[Services, RecordingJobRunner], live_port: int
) -> Iterator[str]:
    from chainless.platform.app import create_app

    services, _jobs = live_platform
    with served_in_thread(create_app(services.settings, services=services), live_port) as url:
        yield url


@pytest.fixture
def live_factory(
    live_server: str, live_platform: tuple[Services, RecordingJobRunner]
) -> Iterator[Factory]:
    """Test data through the served platform's HTTP API."""
    with httpx.Client(base_url=live_server, timeout=30) as http_client:
        yield Factory(http_client, live_platform[0])
