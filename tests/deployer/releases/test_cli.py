"""`chainless deploy --follow`, `cancel`, `releases` and `rollback` against the API over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chainless.deployer import cli as deployer_cli
from chainless.platform.cli import app as chainless
from tests.conftest import RecordingJobRunner
from tests.deployer.deployments.test_requests import _app_with_repo
from tests.deployer.github_standin import GitHubStandIn
from tests.deployer.releases.helpers import release_version
from tests.factories import Factory
from tests.live_server import served_in_thread

pytestmark = pytest.mark.portable


@pytest.fixture
def api_url(app: Any, client: Any) -> Iterator[str]:
    """The test's app (same services, same rolled-back transaction) over real HTTP."""
    with served_in_thread(app) as url:
        yield url


@pytest.fixture
def workers(jobs: RecordingJobRunner, monkeypatch: pytest.MonkeyPatch) -> RecordingJobRunner:
    """Run the queued jobs while the CLI waits between polls, the way a worker would meanwhile."""
    monkeypatch.setattr(deployer_cli, "sleep", lambda seconds: jobs.drain())
    return jobs


def test_deploy_follow_releases_and_rollback(
    factory: Factory,
    workers: RecordingJobRunner,
    github: GitHubStandIn,
    mini_program_repo: Path,
    api_url: str,
) -> None:
    app_id, developer = _app_with_repo(
        factory, github.host("dev/greeter", mini_program_repo), workers
    )
    created = factory.client.post(
        f"/api/v1/apps/{app_id}/api-keys",
        headers=developer.headers,
        json={"name": "cli", "environment": "dev", "scopes": ["deploy:write", "data:read"]},
    )
    assert created.status_code == 201, created.text
    env = {"CHAINLESS_API_KEY": created.json()["key"], "CHAINLESS_API_URL": api_url}
    runner = CliRunner()

    def run(*args: str) -> Any:
        result = runner.invoke(chainless, list(args), env=env, catch_exceptions=False)
        result.text = " ".join(result.output.split())  # rich wraps at the terminal's width
        return result

    first = run("deploy", app_id, "--env", "dev", "--ref", "main", "--follow", "--interval", "0")
    assert first.exit_code == 0, first.output
    assert "release succeeded release 1.0.0 published and live" in first.text
    assert "frontend succeeded built 2 files" in first.text
    assert "succeeded at" in first.text
    release_version(mini_program_repo, "1.1.0")
    assert run("deploy", app_id, "--ref", "main", "--follow").exit_code == 0
    listed = run("releases", app_id, "--env", "dev")
    assert listed.exit_code == 0, listed.output
    assert "current: 1.1.0" in listed.text
    assert "1.0.0" in listed.output
    back = run("rollback", app_id, "--env", "dev")
    assert back.exit_code == 0, back.output
    assert "now serves 1.0.0" in back.text
    chosen = run("rollback", app_id, "--env", "dev", "--version", "1.1.0")
    assert "now serves 1.1.0" in chosen.text
    missing = run("rollback", app_id, "--version", "9.9.9")
    assert missing.exit_code == 1
    assert "rollback_target_unavailable" in missing.text

    release_version(mini_program_repo, "1.0.5")  # lower than 1.1.0: the release stage refuses it
    failed = run("deploy", app_id, "--ref", "main", "--follow")
    assert failed.exit_code == 1, failed.output
    assert "deployment failed" in failed.text
    assert "version_not_increasing" in failed.text

    queued = run("deploy", app_id, "--ref", "main")  # not followed: still queued
    deployment_id = queued.text.split("deployment ")[1].split(":")[0]
    cancelled = run("cancel", app_id, deployment_id)
    assert cancelled.exit_code == 0, cancelled.output
    assert f"deployment {deployment_id} cancelled" in cancelled.text
    again = run("cancel", app_id, deployment_id)
    assert again.exit_code == 1
    assert "deployment_finished" in again.text


def test_the_cli_needs_an_api_key() -> None:
    result = CliRunner().invoke(chainless, ["releases", "app"], env={"CHAINLESS_API_KEY": ""})
    assert result.exit_code == 2
    assert "CHAINLESS_API_KEY" in result.output
