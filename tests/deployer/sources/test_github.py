"""GitHub through PyGithub, over HTTP, against the local stand-in of the REST API."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from chainless.deployer.extract import ArchiveRejected
from chainless.deployer.manifest import load_manifest
from chainless.deployer.sources import (
    GitHubSource,
    RefNotFound,
    RepoNotFound,
    RepoPrivate,
    SourceError,
    fetch_source,
    source_for,
)
from chainless.platform.core.settings import Settings
from tests.deployer.fixture_repo import commit_change, git
from tests.deployer.github_standin import GitHubStandIn

pytestmark = pytest.mark.portable


def _source(github: GitHubStandIn, token: str = "", **options: object) -> GitHubSource:
    return GitHubSource(base_url=github.base_url, token=token, throttle_seconds=None, **options)  # type: ignore[arg-type]


def test_a_branch_resolves_and_its_tarball_extracts(
    github: GitHubStandIn, mini_program_repo: Path, tmp_path: Path
) -> None:
    url = github.host("dev/greeter", mini_program_repo)
    head = git(mini_program_repo, "rev-parse", "HEAD")
    tree = fetch_source(_source(github), url, "main", tmp_path / "src")
    assert tree.commit_sha == head
    assert load_manifest(tree.root).app.name == "Greeter"
    assert (tree.root / "contracts" / "Greeter.sol").is_file()
    paths = [r.path for r in github.requests]
    assert paths[:2] == ["/api/v3/repos/dev/greeter", "/api/v3/repos/dev/greeter/commits/main"]
    assert f"/api/v3/repos/dev/greeter/tarball/{head}" in paths
    assert github.requests[-1].origin == "codeload"


def test_tags_and_commits_resolve_to_the_commit(
    github: GitHubStandIn, mini_program_repo: Path
) -> None:
    url = github.host("dev/greeter", mini_program_repo)
    tagged = git(mini_program_repo, "rev-parse", "HEAD")
    newer = commit_change(mini_program_repo, "docs/notes.md", "notes\n", "Notes")
    source = _source(github)
    assert source.resolve(url, "v1.0.0") == tagged
    assert source.resolve(url, "main") == newer
    assert source.resolve(url, newer[:10]) == newer


def test_unknown_refs_and_repositories_have_their_own_codes(
    github: GitHubStandIn, mini_program_repo: Path
) -> None:
    url = github.host("dev/greeter", mini_program_repo)
    source = _source(github)
    with pytest.raises(RefNotFound):
        source.resolve(url, "no-such-branch")
    with pytest.raises(RepoNotFound) as caught:
        source.resolve("https://github.com/dev/missing", "main")
    assert caught.value.status == 404


def test_registration_sees_the_default_branch_and_refuses_private_repositories(
    github: GitHubStandIn, mini_program_repo: Path
) -> None:
    url = github.host("dev/greeter", mini_program_repo)
    info = _source(github).describe(url)
    assert (info.full_name, info.default_branch, info.private) == ("dev/greeter", "main", False)
    secret = github.host("dev/secret", mini_program_repo, private=True)
    with pytest.raises(RepoNotFound):
        _source(github).describe(secret)  # invisible without a token, as on GitHub
    with pytest.raises(RepoPrivate):
        _source(github, token=github.token).describe(secret)


def test_the_token_goes_to_the_api_only(
    github: GitHubStandIn, mini_program_repo: Path, tmp_path: Path
) -> None:
    url = github.host("dev/greeter", mini_program_repo)
    fetch_source(_source(github, token=github.token), url, "main", tmp_path / "src")
    api = [r for r in github.requests if r.origin == "api"]
    codeload = [r for r in github.requests if r.origin == "codeload"]
    assert all(r.headers.get("authorization") == f"token {github.token}" for r in api)
    assert codeload
    assert all("authorization" not in r.headers for r in codeload)


def _hostile_tarball() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("dev-evil-0000000/../../escape.txt")
        info.size = 4
        archive.addfile(info, io.BytesIO(b"evil"))
    return gzip.compress(buffer.getvalue())


def test_a_hostile_tarball_from_the_api_is_refused(
    github: GitHubStandIn, mini_program_repo: Path, tmp_path: Path
) -> None:
    url = github.host("dev/evil", mini_program_repo, tarball=_hostile_tarball())
    with pytest.raises(ArchiveRejected) as caught:
        fetch_source(_source(github), url, "main", tmp_path / "src")
    assert caught.value.code == "archive_traversal"
    assert not (tmp_path / "escape.txt").exists()


def test_the_download_size_is_capped(
    github: GitHubStandIn, mini_program_repo: Path, tmp_path: Path
) -> None:
    url = github.host("dev/greeter", mini_program_repo)
    with pytest.raises(SourceError) as caught:
        fetch_source(_source(github, max_download_bytes=1024), url, "main", tmp_path / "src")
    assert (caught.value.code, caught.value.status) == ("source_too_large", 413)


def test_settings_pick_the_github_backend_for_github_urls(github: GitHubStandIn) -> None:
    settings = Settings(deployer={"github_api_url": github.base_url})
    backend = source_for("https://github.com/dev/greeter", settings)
    assert isinstance(backend, GitHubSource)
    assert backend.base_url == github.base_url
