"""Schema fuzzing (issue 12, "Done when"): schemathesis generates requests from the OpenAPI
document and sends them to the platform served by ``chainless serve`` (uvicorn, as in
production) on PostgreSQL, without credentials and with a developer's token. No answer may be
a 5xx, nor a status the OpenAPI document does not declare for the operation. The budget is
fixed (a few examples per operation, deterministic generation), so the run takes the same
requests every time (about a minute); a failure prints schemathesis' report of the failing
case with a ``curl`` line to reproduce it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from chainless.platform.core.settings import Settings
from tests.committed import committed_database, platform_on
from tests.conftest import BACKEND
from tests.factories import online_app
from tests.served import bin_path, chainless_serve

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND == "sqlite", reason="fuzzes the PostgreSQL deployment"),
]

MAX_EXAMPLES = 4
# answers that are the operation's purpose, not a failure: /readyz is 503 while no chain runs
EXCLUDED_PATHS = ["/readyz"]
# operations that would end the fuzzer's own session midway (its later requests all 401)
SESSION_ENDING = r"^/api/v1/auth/(logout|sessions/.*)$|^/api/v1/accounts/me/password$"


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
        with chainless_serve(url, settings, redis_client, tmp_path) as base:
            yield base, token


def _fuzz(base: str, scratch: Path, *extra: str) -> None:
    excluded = [arg for path in EXCLUDED_PATHS for arg in ("--exclude-path", path)]
    run = subprocess.run(
        [
            bin_path("schemathesis"),
            "run",
            f"{base}/openapi.json",
            "--checks=not_a_server_error,status_code_conformance",
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
