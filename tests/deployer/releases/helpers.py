"""Deploy versions of the fixture mini-program and read its releases through the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import RecordingJobRunner
from tests.deployer.deployments.test_requests import _deploy, _detail
from tests.deployer.fixture_repo import MANIFEST, commit_change
from tests.factories import Actor, Factory

BASE = "http://testserver"


def release_version(repo: Path, version: str, *, page: str | None = None) -> str:
    """Commit the manifest at ``version`` (and a changed page, so the site differs)."""
    sha = ""
    if page is not None:
        sha = commit_change(repo, "frontend/page.txt", page, f"Page for {version}")
    text = MANIFEST.replace('version = "1.0.0"', f'version = "{version}"')
    if (repo / "chainless.toml").read_text() == text:
        return sha
    return commit_change(
        repo,
        "chainless.toml",
        MANIFEST.replace('version = "1.0.0"', f'version = "{version}"'),
        f"Version {version}",
    )


def deploy(
    factory: Factory, jobs: RecordingJobRunner, app_id: str, actor: Actor, **body: Any
) -> dict[str, Any]:
    queued = _deploy(factory.client, app_id, actor, **body)
    jobs.drain()
    return _detail(factory.client, app_id, actor, queued["id"])


def releases(factory: Factory, app_id: str, actor: Actor, env: str = "dev") -> dict[str, Any]:
    response = factory.client.get(
        f"/api/v1/apps/{app_id}/environments/{env}/releases", headers=actor.headers
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def path_of(url: str) -> str:
    assert url.startswith(BASE), url
    return url.removeprefix(BASE)


def entry(factory: Factory, app_id: str, user: str | None = None, env: str = "dev") -> str:
    """The version a user gets from the entry route."""
    params = {"format": "json", **({"user": user} if user else {})}
    response = factory.client.get(f"/cdn/entry/{app_id}/{env}", params=params)
    assert response.status_code == 200, response.text
    return str(response.json()["version"])
