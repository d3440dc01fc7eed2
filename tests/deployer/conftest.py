"""Fixtures for the deployer: the fixture repository in git, and the GitHub API stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
