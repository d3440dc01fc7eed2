"""The platform under ``chainless serve`` (uvicorn with the platform's protocol, as in
production) as a subprocess on a committed database: a crash is the test's failure, not the
test run's end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from redis import Redis

from chainless.platform.core.settings import Settings
from tests.conftest import REDIS_URL


@contextmanager
def chainless_serve(
    url: str, settings: Settings, redis_client: Redis, scratch: Path
) -> Iterator[str]:
    """``chainless serve`` on the database ``url``, with the test's settings and Redis; its URL.
    Fails if the server is no longer running at the end."""
    port = _free_port()
    db = redis_client.connection_pool.connection_kwargs.get("db", 0)
    env = {
        **os.environ,
        "CHAINLESS_MODE": "test",
        "CHAINLESS_DATABASE_URL": url,
        "CHAINLESS_REDIS_URL": f"{REDIS_URL}/{db}",
        "CHAINLESS_DATA_DIR": str(settings.data_dir),
        "CHAINLESS_STORAGE__LOCAL_PATH": str(scratch / "storage"),
        "CHAINLESS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CHAINLESS_START_LOCAL_CHAIN": "false",
        "CHAINLESS_LOG_LEVEL": "WARNING",
        # thousands of requests from one address: the limits would hide the routes
        "CHAINLESS_RATE_LIMITS__PER_IP_PER_MINUTE": "1000000",
        "CHAINLESS_RATE_LIMITS__LOGIN_PER_IP_PER_MINUTE": "1000000",
        "CHAINLESS_RATE_LIMITS__REGISTER_PER_IP_PER_HOUR": "1000000",
    }
    with (scratch / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [bin_path("chainless"), "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_serving(base, server)
            yield base
            assert server.poll() is None, f"the server died (exit code {server.returncode})"
        finally:
            server.terminate()
            server.wait(timeout=20)


def bin_path(name: str) -> str:
    """A command of the test's virtual environment."""
    return str(Path(sys.executable).parent / name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_serving(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "chainless serve exited"
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("chainless serve did not answer /healthz")
