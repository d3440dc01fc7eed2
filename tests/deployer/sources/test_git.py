"""Plain git URLs: local repositories fetched by branch, tag or commit, through ``git archive``."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainless.deployer.extract import ArchiveRejected, ExtractLimits
from chainless.deployer.sources import (
    GitSource,
    RefNotFound,
    RepoNotFound,
    SourceError,
    fetch_source,
    source_for,
)
from chainless.platform.core.settings import Settings
from tests.deployer.fixture_repo import commit_change, git

pytestmark = pytest.mark.portable

LOCAL = GitSource(schemes=["file"], timeout=60)


def test_a_branch_tag_or_commit_resolves_to_its_sha(mini_program_repo: Path) -> None:
    url = mini_program_repo.as_uri()
    tagged = git(mini_program_repo, "rev-parse", "HEAD")
    git(mini_program_repo, "tag", "-a", "v1.0.1", "-m", "annotated")
    newer = commit_change(mini_program_repo, "docs/notes.md", "notes\n", "Notes")
    assert LOCAL.resolve(url, "main") == newer
    assert LOCAL.resolve(url, "v1.0.0") == tagged
    assert LOCAL.resolve(url, "v1.0.1") == tagged  # an annotated tag peels to its commit
    assert LOCAL.resolve(url, "refs/heads/main") == newer
    assert LOCAL.resolve(url, tagged) == tagged


def test_fetch_extracts_exactly_the_resolved_commit(
    mini_program_repo: Path, tmp_path: Path
) -> None:
    url = mini_program_repo.as_uri()
    first = git(mini_program_repo, "rev-parse", "HEAD")
    commit_change(mini_program_repo, "later.txt", "later\n", "Later")
    tree = fetch_source(LOCAL, url, first, tmp_path / "src")
    assert tree.commit_sha == first
    assert (tree.root / "chainless.toml").is_file()
    assert not (tree.root / "later.txt").exists()
    assert not (tree.root / ".git").exists()


def test_registration_reads_the_default_branch(mini_program_repo: Path) -> None:
    info = LOCAL.describe(mini_program_repo.as_uri())
    assert info.default_branch == "main"


def test_missing_refs_and_repositories(mini_program_repo: Path, tmp_path: Path) -> None:
    url = mini_program_repo.as_uri()
    with pytest.raises(RefNotFound):
        LOCAL.resolve(url, "nope")
    with pytest.raises(RefNotFound):
        LOCAL.resolve(url, "0" * 40)
    with pytest.raises(RepoNotFound):
        LOCAL.resolve((tmp_path / "missing").as_uri(), "main")


@pytest.mark.parametrize("ref", ["--upload-pack=touch /tmp/x", "main..other", "a b", "x^{}"])
def test_option_like_or_malformed_refs_never_reach_git(mini_program_repo: Path, ref: str) -> None:
    with pytest.raises(RefNotFound):
        fetch_source(LOCAL, mini_program_repo.as_uri(), ref, mini_program_repo / "never")


def test_only_allowed_schemes_are_fetched(mini_program_repo: Path) -> None:
    https_only = GitSource(schemes=["https"])
    with pytest.raises(SourceError) as caught:
        https_only.resolve(mini_program_repo.as_uri(), "main")
    assert caught.value.code == "unsupported_repo_url"
    with pytest.raises(SourceError):
        LOCAL.resolve("ext::sh -c touch% /tmp/pwned", "main")


def test_a_symlink_escaping_the_repository_is_refused(
    mini_program_repo: Path, tmp_path: Path
) -> None:
    (mini_program_repo / "secrets").symlink_to("/etc/passwd")
    git(mini_program_repo, "add", "secrets")
    git(mini_program_repo, "commit", "-q", "-m", "link out")
    with pytest.raises(ArchiveRejected) as caught:
        fetch_source(LOCAL, mini_program_repo.as_uri(), "main", tmp_path / "src")
    assert caught.value.code == "archive_link_escape"


def test_a_huge_file_is_refused(mini_program_repo: Path, tmp_path: Path) -> None:
    (mini_program_repo / "blob.bin").write_bytes(b"\0" * 300_000)
    git(mini_program_repo, "add", "blob.bin")
    git(mini_program_repo, "commit", "-q", "-m", "big")
    small = GitSource(schemes=["file"], limits=ExtractLimits(max_file_bytes=100_000))
    with pytest.raises(ArchiveRejected) as caught:
        fetch_source(small, mini_program_repo.as_uri(), "main", tmp_path / "src")
    assert caught.value.code == "archive_file_too_large"


def test_settings_pick_plain_git_for_other_hosts() -> None:
    settings = Settings(deployer={"git_schemes": ["https", "file"]})
    backend = source_for("https://git.example.org/team/app.git", settings)
    assert isinstance(backend, GitSource)
    assert backend.schemes == ("https", "file")
