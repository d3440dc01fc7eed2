"""Schema fuzzing (issue 12, "Done when"): schemathesis generates requests from the OpenAPI
document and sends them to the platform served by ``chainless serve`` (uvicorn, as in
production) on PostgreSQL, without credentials and with a developer's token. No answer may be
a 5xx. The budget is fixed (a few examples per operation, deterministic generation), so the run
takes the same requests every time; a failure prints schemathesis' report of the failing case
with a ``curl`` line to reproduce it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis import Redis

from chainless.platform.core.settings import Settings
from tests.committed import committed_database, platform_on
from tests.conftest import BACKEND, REDIS_URL
from tests.factories import online_app

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND == "sqlite", reason="fuzzes the PostgreSQL deployment"),
]

MAX_EXAMPLES = 4
# answers that are the operation's purpose, not a failure: /readyz is 503 while no chain runs
EXCLUDED_PATHS = ["/readyz"]
# operations that would end the fuzzer's own session midway (its later requests all 401)
SESSION_ENDING = r"^/api/v1/auth/(logout|sessions/.*)$|^/api/v1/accounts/me/password$"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(
    tmp_path: Path, settings: Settings, redis_client: Redis | None
) -> Iterator[tuple[str, str]]:
    """The platform under ``chainless serve`` on a database of its own; its URL and the bearer
    token of an approved developer with an online app."""
    assert redis_client is not None
    with committed_database(tmp_path, "chainless_fuzz") as url:
        with platform_on(url, settings, redis_client) as (factory, _services, _jobs):
            token = online_app(factory).developer.token
        port = _free_port()
        db = redis_client.connection_pool.connection_kwargs.get("db", 0)
        env = {
            **os.environ,
            "CHAINLESS_MODE": "test",
            "CHAINLESS_DATABASE_URL": url,
            "CHAINLESS_REDIS_URL": f"{REDIS_URL}/{db}",
            "CHAINLESS_DATA_DIR": str(settings.data_dir),
            "CHAINLESS_STORAGE__LOCAL_PATH": str(tmp_path / "storage"),
            "CHAINLESS_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "CHAINLESS_START_LOCAL_CHAIN": "false",
            "CHAINLESS_LOG_LEVEL": "WARNING",
            # the fuzzer sends thousands of requests from one address: limits would hide routes
            "CHAINLESS_RATE_LIMITS__PER_IP_PER_MINUTE": "1000000",
            "CHAINLESS_RATE_LIMITS__LOGIN_PER_IP_PER_MINUTE": "1000000",
            "CHAINLESS_RATE_LIMITS__REGISTER_PER_IP_PER_HOUR": "1000000",
        }
        log = (tmp_path / "server.log").open("wb")
        server = subprocess.Popen(
            [_bin("chainless"), "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_serving(base, server)
            yield base, token
            assert server.poll() is None, "the server died during the fuzzing run"
        finally:
            server.terminate()
            server.wait(timeout=20)
            log.close()


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


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


def _fuzz(base: str, scratch: Path, *extra: str) -> None:
    excluded = [arg for path in EXCLUDED_PATHS for arg in ("--exclude-path", path)]
    run = subprocess.run(
        [
            _bin("schemathesis"),
            "run",
            f"{base}/openapi.json",
            "--checks=not_a_server_error",
            f"--max-examples={MAX_EXAMPLES}",
            "--generation-deterministic",
            "--phases=examples,coverage,fuzzing",
            "--suppress-health-check=all",
            "--workers=1",
            "--request-timeout=20",
            "--no-color",
            *excluded,
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=scratch,  # schemathesis keeps a cache in its working directory
    )
    report = run.stdout
    failures = report[report.find("FAILURES") : report.find("WARNINGS")]
    assert run.returncode == 0, failures or report + run.stderr


def test_no_generated_request_gets_a_server_error(served: tuple[str, str], tmp_path: Path) -> None:
    base, token = served
    _fuzz(base, tmp_path)  # anonymous: every route's authentication and input checks
    _fuzz(
        base,
        tmp_path,
        f"--header=Authorization: Bearer {token}",
        f"--exclude-path-regex={SESSION_ENDING}",
    )
