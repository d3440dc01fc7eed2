"""Fixtures for the deployer: the fixture repository in git, the GitHub API stand-in, and the
session's anvil as every environment's chain (the fixture repository has contracts to deploy)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chainless.chain.localnode import LocalChain
from chainless.platform.core.settings import ChainConfig, ChainEnvironment, Settings
from tests.contracts.conftest import chain
from tests.deployer.fixture_repo import git_repository
from tests.deployer.github_standin import GitHubStandIn

__all__ = ["chain"]


@pytest.fixture
def mini_program_repo(tmp_path: Path) -> Path:
    return git_repository(tmp_path / "greeter")


@pytest.fixture
def hosted(github: GitHubStandIn, mini_program_repo: Path) -> str:
    """The fixture repository, public on the stand-in as ``dev/greeter``."""
    return github.host("dev/greeter", mini_program_repo)


@pytest.fixture
def github() -> Iterator[GitHubStandIn]:
    standin = GitHubStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture
def settings(settings: Settings, github: GitHubStandIn, chain: LocalChain) -> Settings:
    """The test settings, with GitHub served by the stand-in, local git repositories allowed,
    and contracts deployed to the session's anvil from its development account."""
    local = ChainConfig(chain_id=31337, rpc_urls=[chain.rpc_url], confirmations=1, name="anvil")
    return settings.model_copy(
        update={
            "chains": dict.fromkeys(ChainEnvironment, local),
            "deployer": settings.deployer.model_copy(
                update={
                    "github_api_url": github.base_url,
                    "github_throttle_seconds": 0,
                    "git_schemes": ["https", "file"],
                }
            ),
        }
    )
