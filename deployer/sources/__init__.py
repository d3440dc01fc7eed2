"""Where a deployment's sources come from (GitHub or plain git) and the backend for a URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from chainless.deployer.extract import ExtractLimits
from chainless.deployer.sources.base import (
    RefNotFound,
    RepoInfo,
    RepoNotFound,
    RepoPrivate,
    SourceBackend,
    SourceError,
    SourceTree,
    SourceUnavailable,
    check_ref,
    fetch_source,
)
from chainless.deployer.sources.git import GitSource
from chainless.deployer.sources.github import GitHubSource
from chainless.platform.core.settings import Settings

__all__ = [
    "GitHubSource",
    "GitSource",
    "RefNotFound",
    "RepoInfo",
    "RepoNotFound",
    "RepoPrivate",
    "SourceBackend",
    "SourceError",
    "SourceTree",
    "SourceUnavailable",
    "check_ref",
    "fetch_source",
    "source_for",
]


def source_for(repo_url: str, settings: Settings) -> SourceBackend:
    """GitHub's API for a repository on an allowed GitHub host, plain git for anything else."""
    config = settings.deployer
    limits = ExtractLimits(
        max_total_bytes=config.max_source_bytes,
        max_file_bytes=min(config.max_source_bytes, 64 * 1024 * 1024),
        max_files=config.max_source_files,
    )
    host = (urlsplit(repo_url).hostname or "").lower()
    if host in {h.lower() for h in settings.allowed_repo_hosts}:
        return GitHubSource(
            base_url=config.github_api_url,
            token=config.github_token,
            timeout=config.github_timeout_seconds,
            limits=limits,
            max_download_bytes=config.max_download_bytes,
            throttle_seconds=config.github_throttle_seconds or None,
        )
    return GitSource(schemes=config.git_schemes, timeout=config.git_timeout_seconds, limits=limits)
