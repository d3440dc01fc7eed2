"""GitHub through PyGithub: the REST API of github.com or of a GitHub Enterprise Server.

``GET /repos/{owner}/{repo}`` tells whether the repository is public; ``GET .../commits/{ref}``
resolves a branch, tag or commit to its SHA; ``GET .../tarball/{sha}`` answers with a redirect to
the archive (codeload), downloaded here with a size cap and without the API token: the redirect
target is another origin and already authorised by its URL (GitHub REST docs, "Download a
repository archive (tar)").
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
from github import Auth, Github, GithubException, UnknownObjectException
from github.Repository import Repository

from chainless.deployer.extract import ExtractedTree, ExtractLimits, extract_archive
from chainless.deployer.sources.base import (
    FULL_SHA,
    RefNotFound,
    RepoInfo,
    RepoNotFound,
    RepoPrivate,
    SourceError,
    SourceUnavailable,
    network_reason,
)

USER_AGENT = "chainless-deployer"


def repo_full_name(repo_url: str) -> str:
    """``owner/name`` from ``https://<host>/<owner>/<name>[.git]``."""
    parts = [p for p in urlsplit(repo_url).path.split("/") if p]
    if len(parts) != 2:
        raise RepoNotFound(f"{repo_url} does not name a repository as /<owner>/<name>")
    return f"{parts[0]}/{parts[1].removesuffix('.git')}"


class GitHubSource:
    def __init__(
        self,
        *,
        base_url: str = "https://api.github.com",
        token: str = "",
        timeout: float = 30,
        limits: ExtractLimits | None = None,
        max_download_bytes: int = 100 * 1024 * 1024,
        throttle_seconds: float | None = 0.25,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.limits = limits or ExtractLimits()
        self.max_download_bytes = max_download_bytes
        self.github = Github(
            base_url=self.base_url,
            auth=Auth.Token(token) if token else None,
            timeout=int(timeout),
            user_agent=USER_AGENT,
            retry=None,  # a refused call fails the step; the job retries it with backoff
            seconds_between_requests=throttle_seconds,
        )

    def _failure(self, exc: GithubException, what: str) -> SourceError:
        message = exc.data.get("message") if isinstance(exc.data, dict) else None
        if exc.status in {401, 403, 429} or exc.status >= 500:
            return SourceUnavailable(f"GitHub refused {what}: {exc.status} {message or ''}".strip())
        return SourceError(f"GitHub answered {exc.status} for {what}: {message or ''}".strip())

    @contextmanager
    def _reaching(self, what: str) -> Iterator[None]:
        """PyGithub's calls go through ``requests``: an API that cannot be reached (refused,
        unresolvable, timed out, a broken answer) is ``source_unavailable``, retried later."""
        try:
            yield
        except requests.RequestException as exc:
            reason = network_reason(str(exc)) or type(exc).__name__
            raise SourceUnavailable(
                f"GitHub ({self.base_url}) could not be reached for {what}: {reason}"
            ) from None

    def _repo(self, repo_url: str) -> Repository:
        name = repo_full_name(repo_url)
        try:
            with self._reaching(f"repository {name}"):
                repo = self.github.get_repo(name)
        except UnknownObjectException:
            raise RepoNotFound(
                f"repository {name} does not exist or is not public", repo=name
            ) from None
        except GithubException as exc:
            raise self._failure(exc, f"repository {name}") from None
        if repo.private:  # visible with a token, still never deployed
            raise RepoPrivate(
                f"repository {repo.full_name} is private; the platform deploys public "
                "repositories only (spec §2.4.1)",
                repo=repo.full_name,
            )
        return repo

    def describe(self, repo_url: str) -> RepoInfo:
        repo = self._repo(repo_url)
        return RepoInfo(
            url=repo.html_url,
            full_name=repo.full_name,
            default_branch=repo.default_branch,
            private=False,
        )

    def resolve(self, repo_url: str, ref: str) -> str:
        repo = self._repo(repo_url)
        try:
            with self._reaching(f"ref {ref}"):
                sha = repo.get_commit(ref).sha
        except (UnknownObjectException, GithubException) as exc:
            if exc.status in {404, 422}:
                raise RefNotFound(
                    f"{ref!r} is no branch, tag or commit of {repo.full_name}", ref=ref
                ) from None
            raise self._failure(exc, f"ref {ref}") from None
        if not isinstance(sha, str) or not FULL_SHA.match(sha):
            raise SourceError(f"GitHub answered an invalid commit SHA for {ref!r}")
        return sha

    def fetch(self, repo_url: str, commit_sha: str, dest: Path) -> ExtractedTree:
        if not FULL_SHA.match(commit_sha):
            raise RefNotFound(f"{commit_sha!r} is not a full commit SHA")
        repo = self._repo(repo_url)
        try:
            with self._reaching(f"the archive of {commit_sha}"):
                link = repo.get_archive_link("tarball", commit_sha)
        except GithubException as exc:
            if exc.status in {404, 422}:
                raise RefNotFound(f"no archive of {commit_sha} in {repo.full_name}") from None
            raise self._failure(exc, f"the archive of {commit_sha}") from None
        with tempfile.TemporaryFile(prefix="chainless-tarball-") as spool:
            self._download(link, spool)
            spool.seek(0)
            return extract_archive(spool, dest, limits=self.limits, strip=1)

    def _download(self, url: str, into: Any) -> None:
        """Stream the archive to a file, stopping at ``max_download_bytes``."""
        if urlsplit(url).scheme not in {"https", "http"}:
            raise SourceError(f"GitHub redirected the archive to an unexpected URL {url!r}")
        received = 0
        try:
            with httpx.stream(
                "GET",
                url,
                timeout=self.timeout,
                follow_redirects=True,
                headers={"User-Agent": USER_AGENT},
            ) as response:
                if response.status_code != 200:
                    raise SourceUnavailable(f"the archive download answered {response.status_code}")
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    if received > self.max_download_bytes:
                        raise SourceError(
                            f"the archive is larger than {self.max_download_bytes} bytes",
                            code="source_too_large",
                            status=413,
                        )
                    into.write(chunk)
        except httpx.HTTPError as exc:
            reason = network_reason(str(exc)) or str(exc) or type(exc).__name__
            raise SourceUnavailable(f"the archive download failed: {reason}") from None
