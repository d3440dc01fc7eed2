"""Fixtures for the deployer: the fixture repository in git, and the GitHub API stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chainless.platform.core.settings import Settings
from tests.deployer.fixture_repo import git_repository
from tests.deployer.github_standin import GitHubStandIn


@pytest.fixture
def mini_program_repo(tmp_path: Path) -> Path:
    return git_repository(tmp_path / "greeter")


@pytest.fixture
def github() -> Iterator[GitHubStandIn]:
    standin = GitHubStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture
def settings(settings: Settings, github: GitHubStandIn) -> Settings:
    """The test settings, with GitHub served by the stand-in and local git repositories allowed."""
    return settings.model_copy(
        update={
            "deployer": settings.deployer.model_copy(
                update={
                    "github_api_url": github.base_url,
                    "github_throttle_seconds": 0,
                    "git_schemes": ["https", "file"],
                }
            )
        }
    )
