"""Plain git repositories: any URL git can fetch with an allowed scheme (local ones in tests).

git runs with a clean environment (no user or system config, no credential prompt, only the
allowed protocols), fetches exactly one commit shallowly into a throwaway bare repository, and
``git archive`` streams that commit to the same hardened extractor as GitHub tarballs: no
checkout ever runs, so no hook, filter or submodule from the repository does anything here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from chainless.deployer.extract import (
    ArchiveRejected,
    ExtractedTree,
    ExtractLimits,
    extract_archive,
)
from chainless.deployer.sources.base import (
    FULL_SHA,
    RefNotFound,
    RepoInfo,
    RepoNotFound,
    SourceError,
    SourceUnavailable,
    network_reason,
)

SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"


class GitSource:
    def __init__(
        self,
        *,
        schemes: Sequence[str] = ("https",),
        timeout: float = 300,
        limits: ExtractLimits | None = None,
        git: str | None = None,
    ) -> None:
        self.schemes = tuple(schemes)
        self.timeout = timeout
        self.limits = limits or ExtractLimits()
        self.git = git or shutil.which("git") or "git"

    # -- plumbing ---------------------------------------------------------------------------

    def _checked_url(self, repo_url: str) -> str:
        """Only allowed schemes; a bare local path counts as ``file``. Never an option."""
        if repo_url.startswith("-") or "\n" in repo_url:
            raise RepoNotFound(f"{repo_url!r} is not a repository URL")
        scheme = urlsplit(repo_url).scheme or "file"
        if scheme not in self.schemes or "::" in repo_url.split("/", 1)[0]:
            raise SourceError(
                f"{scheme!r} repository URLs are not accepted here (allowed: "
                f"{', '.join(self.schemes)})",
                code="unsupported_repo_url",
            )
        return repo_url

    def _env(self, home: str) -> dict[str, str]:
        return {
            "PATH": SAFE_PATH,
            "HOME": home,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "/bin/false",
            "GIT_ALLOW_PROTOCOL": ":".join(self.schemes),
            "LC_ALL": "C",
        }

    def _run(self, args: list[str], *, home: str) -> str:
        try:
            done = subprocess.run(  # noqa: S603 (fixed argv, URL checked, "--" before it)
                [self.git, *args],
                env=self._env(home),
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise SourceUnavailable(f"git {args[0]} took longer than {self.timeout}s") from None
        except OSError as exc:
            raise SourceUnavailable(f"git could not be run ({self.git}): {exc}") from None
        if done.returncode != 0:
            message = done.stderr.strip()[-2000:]
            reason = network_reason(message)
            if reason is not None:  # the host, not the repository: worth trying again
                raise SourceUnavailable(f"git could not reach the repository: {reason}")
            raise _GitFailed(message)
        return done.stdout

    # -- the interface ----------------------------------------------------------------------

    def _ls_remote(self, repo_url: str, *patterns: str) -> list[tuple[str, str]]:
        url = self._checked_url(repo_url)
        with tempfile.TemporaryDirectory(prefix="chainless-git-") as home:
            try:
                out = self._run(["ls-remote", "--symref", "--", url, *patterns], home=home)
            except _GitFailed as exc:
                raise RepoNotFound(f"cannot read repository {repo_url}: {exc}") from None
        pairs = []
        for line in out.splitlines():
            left, _, right = line.partition("\t")
            pairs.append((left, right))
        return pairs

    def describe(self, repo_url: str) -> RepoInfo:
        branch = ""
        for left, right in self._ls_remote(repo_url, "HEAD"):
            if left.startswith("ref: refs/heads/") and right == "HEAD":
                branch = left.removeprefix("ref: refs/heads/")
        if not branch:
            raise SourceError(f"{repo_url} has no default branch", code="repo_empty")
        name = urlsplit(repo_url).path.rstrip("/").removesuffix(".git")
        return RepoInfo(url=repo_url, full_name=name.rsplit("/", 1)[-1], default_branch=branch)

    def resolve(self, repo_url: str, ref: str) -> str:
        """A tag (peeled to its commit) wins over a branch of the same name, as in git."""
        if FULL_SHA.match(ref):
            with tempfile.TemporaryDirectory(prefix="chainless-git-") as scratch:
                self._fetch_commit(repo_url, ref, Path(scratch))
            return ref
        wanted = [f"refs/tags/{ref}", f"refs/heads/{ref}"]
        if ref.startswith("refs/"):
            wanted = [ref]
        patterns = [pattern for name in wanted for pattern in (name, f"{name}^{{}}")]
        found = {name: sha for sha, name in self._ls_remote(repo_url, *patterns)}
        for name in wanted:
            peeled = found.get(f"{name}^{{}}") or found.get(name)
            if peeled and FULL_SHA.match(peeled):
                return peeled
        raise RefNotFound(f"{ref!r} is no branch or tag of {repo_url}", ref=ref)

    def _fetch_commit(self, repo_url: str, sha: str, scratch: Path) -> Path:
        url = self._checked_url(repo_url)
        bare = scratch / "repo.git"
        home = str(scratch)
        self._run(["init", "--quiet", "--bare", str(bare)], home=home)
        try:
            self._run(
                ["-C", str(bare), "fetch", "--quiet", "--depth=1", "--no-tags", "--", url, sha],
                home=home,
            )
        except _GitFailed as exc:
            raise RefNotFound(f"commit {sha} not found in {repo_url}: {exc}", ref=sha) from None
        return bare

    def fetch(self, repo_url: str, commit_sha: str, dest: Path) -> ExtractedTree:
        if not FULL_SHA.match(commit_sha):
            raise RefNotFound(f"{commit_sha!r} is not a full commit SHA")
        with tempfile.TemporaryDirectory(prefix="chainless-git-") as scratch:
            bare = self._fetch_commit(repo_url, commit_sha, Path(scratch))
            archive = subprocess.Popen(  # noqa: S603 (fixed argv)
                [self.git, "-C", str(bare), "archive", "--format=tar", commit_sha],
                env=self._env(scratch),
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            assert archive.stdout is not None
            try:
                tree = extract_archive(archive.stdout, dest, limits=self.limits)
            except ArchiveRejected:
                archive.kill()
                raise
            finally:
                archive.stdout.close()
                code = archive.wait(timeout=self.timeout)
            if code != 0:
                raise SourceError(f"git archive of {commit_sha} failed ({code})")
            return tree


class _GitFailed(Exception):
    """git exited non-zero; the message is the end of its stderr."""
