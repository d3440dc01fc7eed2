"""Hardened extraction: every classic archive attack is refused with its own code."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import pytest

from chainless.deployer.extract import ArchiveRejected, ExtractLimits, extract_archive

pytestmark = pytest.mark.portable


def _tar(*members: tuple[tarfile.TarInfo, bytes | None], compress: bool = True) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    raw = buffer.getvalue()
    return io.BytesIO(gzip.compress(raw) if compress else raw)


def _file(name: str, data: bytes = b"x", mode: int = 0o644) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    return info, data


def _entry(name: str, kind: bytes, link: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info, None


def _rejected(archive: io.BytesIO, dest: Path, **kwargs: object) -> ArchiveRejected:
    with pytest.raises(ArchiveRejected) as caught:
        extract_archive(archive, dest, **kwargs)  # type: ignore[arg-type]
    assert caught.value.status == 422
    assert not any(dest.iterdir()), "a rejected archive leaves nothing behind"
    return caught.value


def test_a_github_style_tarball_unpacks_without_its_top_folder(tmp_path: Path) -> None:
    archive = _tar(
        _entry("owner-repo-abc1234/", tarfile.DIRTYPE),
        _file("owner-repo-abc1234/README.md", b"# hi\n"),
        _file("owner-repo-abc1234/bin/run.sh", b"#!/bin/sh\n", mode=0o4755),
        _entry("owner-repo-abc1234/docs/readme", tarfile.SYMTYPE, "../README.md"),
        _entry("owner-repo-abc1234/copy.md", tarfile.LNKTYPE, "owner-repo-abc1234/README.md"),
    )
    tree = extract_archive(archive, tmp_path, strip=1)
    assert (tree.files, tree.links) == (3, 1)
    assert (tmp_path / "README.md").read_text() == "# hi\n"
    assert (tmp_path / "docs" / "readme").read_text() == "# hi\n"
    copy = tmp_path / "copy.md"
    assert copy.read_text() == "# hi\n"
    assert os.stat(copy).st_nlink == 1  # a copy, not a second link
    assert (tmp_path / "bin" / "run.sh").stat().st_mode & 0o7777 == 0o755  # no setuid bit


def test_a_plain_tar_from_git_archive_unpacks_too(tmp_path: Path) -> None:
    extract_archive(_tar(_file("a/b.txt", b"b"), compress=False), tmp_path)
    assert (tmp_path / "a" / "b.txt").read_bytes() == b"b"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("../evil.sh", "archive_traversal"),
        ("top/../../evil.sh", "archive_traversal"),
        ("top/a/../../../evil.sh", "archive_traversal"),
        ("/etc/cron.d/evil", "archive_absolute_path"),
        ("C:/evil", "archive_absolute_path"),
        ("top\\..\\evil", "archive_bad_name"),
    ],
)
def test_names_leaving_the_tree_are_refused(tmp_path: Path, name: str, code: str) -> None:
    error = _rejected(_tar(_file("top/ok.txt"), _file(name)), tmp_path, strip=1)
    assert error.code == code
    assert not (tmp_path.parent / "evil.sh").exists()


@pytest.mark.parametrize("target", ["/etc/passwd", "../../etc/passwd", "a/../../..", "../outside"])
def test_symlinks_out_of_the_tree_are_refused(tmp_path: Path, target: str) -> None:
    error = _rejected(_tar(_entry("link", tarfile.SYMTYPE, target)), tmp_path)
    assert error.code == "archive_link_escape"


def test_a_chain_of_links_that_escapes_is_refused(tmp_path: Path) -> None:
    # each link looks harmless on its own: "up" is the root itself, "up/.." is its parent
    archive = _tar(
        _entry("up", tarfile.SYMTYPE, "."),
        _entry("sub/escape", tarfile.SYMTYPE, "../up/.."),
    )
    assert _rejected(archive, tmp_path).code == "archive_link_escape"


def test_nothing_is_written_through_a_link(tmp_path: Path) -> None:
    archive = _tar(_entry("dir", tarfile.SYMTYPE, "real"), _file("dir/file.txt"))
    assert _rejected(archive, tmp_path).code == "archive_link_escape"


def test_hard_links_must_name_an_extracted_file(tmp_path: Path) -> None:
    archive = _tar(_entry("passwd", tarfile.LNKTYPE, "/etc/passwd"))
    assert _rejected(archive, tmp_path).code == "archive_absolute_path"
    archive = _tar(_entry("shadow", tarfile.LNKTYPE, "missing.txt"))
    assert _rejected(archive, tmp_path).code == "archive_link_escape"


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_device_files_and_fifos_are_refused(tmp_path: Path, kind: bytes) -> None:
    assert _rejected(_tar(_entry("dev", kind)), tmp_path).code == "archive_special_file"


def test_duplicate_entries_are_refused(tmp_path: Path) -> None:
    archive = _tar(_file("a.txt", b"1"), _file("a.txt", b"2"))
    assert _rejected(archive, tmp_path).code == "archive_duplicate_entry"


def test_a_huge_file_is_refused_from_its_header(tmp_path: Path) -> None:
    limits = ExtractLimits(max_file_bytes=1024)
    error = _rejected(_tar(_file("big.bin", b"\0" * 4096)), tmp_path, limits=limits)
    assert error.code == "archive_file_too_large"


def test_the_total_size_is_bounded(tmp_path: Path) -> None:
    limits = ExtractLimits(max_total_bytes=10_000, max_file_bytes=8_000)
    archive = _tar(*(_file(f"f{i}.bin", os.urandom(4000)) for i in range(4)))
    assert _rejected(archive, tmp_path, limits=limits).code == "archive_too_large"


def test_the_file_count_is_bounded(tmp_path: Path) -> None:
    limits = ExtractLimits(max_files=10)
    archive = _tar(*(_file(f"f{i}.txt") for i in range(11)))
    assert _rejected(archive, tmp_path, limits=limits).code == "archive_too_many_files"


def test_a_decompression_bomb_stops_early(tmp_path: Path) -> None:
    """200 MiB of zeros compress to ~200 KiB: the ratio check stops it after a few MiB."""
    bomb = io.BytesIO()
    with gzip.GzipFile(fileobj=bomb, mode="wb") as packed:
        header = tarfile.TarInfo("zeros.bin")
        header.size = 200 * 1024 * 1024
        packed.write(header.tobuf(format=tarfile.GNU_FORMAT))
        block = b"\0" * (1024 * 1024)
        for _ in range(200):
            packed.write(block)
    bomb.seek(0)
    limits = ExtractLimits(max_file_bytes=512 * 1024 * 1024, max_total_bytes=512 * 1024 * 1024)
    assert _rejected(bomb, tmp_path, limits=limits).code == "archive_ratio_exceeded"


def test_garbage_is_reported_as_corrupt(tmp_path: Path) -> None:
    assert _rejected(io.BytesIO(b"\x1f\x8bnot gzip at all"), tmp_path).code == "archive_corrupt"


def test_the_destination_must_be_empty(tmp_path: Path) -> None:
    (tmp_path / "old").write_text("x")
    with pytest.raises(ValueError, match="not empty"):
        extract_archive(_tar(_file("a")), tmp_path)
