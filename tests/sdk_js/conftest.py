"""`@chainless/sdk` in real Chromium: a test wallet host page framing a test mini-program, both
bundled from ``pages/`` at test time (``build.mjs``: esbuild and viem of sdk-js, the SDK from
``sdk-js/dist``), each served from an origin of its own; the platform under uvicorn on a
committed database (as the console's browser tests), with the session anvil of the contract
tests and its ``ChainlessForwarder`` as the dev chain."""

from __future__ import annotations

from collections.abc import Iterator
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
from tests.sdk_js.served_pages import build_pages, serve_folder

__all__ = ["chain", "compiled", "deployed", "platform"]


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
