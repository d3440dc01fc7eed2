"""The source interface: resolve a branch, tag or commit to a SHA, fetch that commit's tree.

Two backends implement it: :class:`~chainless.deployer.sources.github.GitHubSource` (PyGithub;
any GitHub-compatible API by ``base_url``, which is how tests reach a local stand-in) and
:class:`~chainless.deployer.sources.git.GitSource` (plain git URLs, local repositories in tests).
Both hand the archive to the same hardened extractor, so the limits hold whatever the origin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from chainless.deployer.extract import ExtractedTree, ExtractLimits
from chainless.platform.core.errors import AppError

FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


class SourceError(AppError):
    """A repository or ref that cannot be used; ``code`` tells the developer what to fix."""

    status, code, title = 422, "source_error", "Repository unavailable"


class RepoNotFound(SourceError):
    status, code, title = 404, "repo_not_found", "Repository not found"


class RepoPrivate(SourceError):
    code = "repo_private"


class RefNotFound(SourceError):
    code = "ref_not_found"


class SourceUnavailable(SourceError):
    """The code host failed or refused us (rate limit, outage): worth retrying later."""

    status, code, title = 503, "source_unavailable", "Repository host unavailable"
    # the deployment fails after ``source_attempts`` runs of the stage (a host that stays away
    # must not keep it, and every later deployment of the app, waiting)
    budgeted = True


_NETWORK_REASONS = (
    ("name or service not known", "its host name does not resolve"),
    ("temporary failure in name resolution", "its host name does not resolve"),
    ("could not resolve host", "its host name does not resolve"),
    ("connection refused", "the connection was refused"),
    ("failed to connect", "the connection was refused"),  # curl, under git over https
    ("couldn't connect", "the connection was refused"),
    ("timed out", "it did not answer in time"),
    ("network is unreachable", "the network is unreachable"),
    ("no route to host", "there is no route to it"),
    ("connection reset", "the connection was reset"),
)


def network_reason(message: str) -> str | None:
    """A short, readable reason for a network failure named in ``message``, else ``None``."""
    lowered = message.lower()
    return next((reason for needle, reason in _NETWORK_REASONS if needle in lowered), None)


@dataclass(frozen=True)
class RepoInfo:
    """What registration needs: the repository is public, and its default branch."""

    url: str
    full_name: str
    default_branch: str
    private: bool = False


@dataclass(frozen=True)
class SourceTree:
    """One commit's files, extracted and checked, in a folder the caller owns."""

    repo_url: str
    ref: str
    commit_sha: str
    tree: ExtractedTree

    @property
    def root(self) -> Path:
        return self.tree.root


class SourceBackend(Protocol):
    limits: ExtractLimits

    def describe(self, repo_url: str) -> RepoInfo:
        """The repository's public metadata; :class:`RepoPrivate` if it is not public."""
        ...

    def resolve(self, repo_url: str, ref: str) -> str:
        """The full commit SHA a branch, tag or (possibly abbreviated) commit names."""
        ...

    def fetch(self, repo_url: str, commit_sha: str, dest: Path) -> ExtractedTree:
        """Extract the tree of ``commit_sha`` into the empty folder ``dest``."""
        ...


def check_ref(ref: str) -> str:
    """A ref a developer may name: git's ref-format rules, and no option-like leading dash."""
    bad = (
        not ref
        or len(ref) > 255
        or ref.startswith(("-", "/"))
        or ref.endswith(("/", ".", ".lock"))
        or ".." in ref
        or "@{" in ref
        or "//" in ref
        or any(ch in ref for ch in " ~^:?*[\\\x7f")
        or any(ord(ch) < 0x20 for ch in ref)
    )
    if bad:
        raise RefNotFound(f"{ref!r} is not a valid branch, tag or commit name", ref=ref)
    return ref


def fetch_source(backend: SourceBackend, repo_url: str, ref: str, dest: Path) -> SourceTree:
    """Resolve ``ref`` once and fetch exactly that commit, so a push in between changes nothing."""
    sha = backend.resolve(repo_url, check_ref(ref))
    tree = backend.fetch(repo_url, sha, dest)
    return SourceTree(repo_url=repo_url, ref=ref, commit_sha=sha, tree=tree)
