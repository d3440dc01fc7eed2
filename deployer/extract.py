"""Hardened extraction of an untrusted source archive (a GitHub tarball or a ``git archive``).

``tarfile.extractall`` trusts the archive: ``../`` names, absolute paths, links out of the tree,
device files and decompression bombs all reach the disk. Here every member is checked before a
byte is written, the decompressed stream is capped and compared with the compressed bytes read
(so a bomb stops after a few MiB, whatever its headers claim), links are kept only when they
resolve inside the tree, hard links become copies, and permissions keep only the execute bit.
Each rejection is an :class:`ArchiveRejected` with a stable code (docs/deployer.md, "Limits").
"""

from __future__ import annotations

import gzip
import os
import posixpath
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from chainless.platform.core.errors import Unprocessable

CHUNK = 64 * 1024
MiB = 1024 * 1024


class Readable(Protocol):
    """Anything with ``read``: a file, a pipe, a response stream."""

    def read(self, size: int = ..., /) -> bytes: ...


class ArchiveRejected(Unprocessable):
    code = "archive_rejected"
    title = "Source archive rejected"


@dataclass(frozen=True)
class ExtractLimits:
    """Bounds on what one source tree may unpack to; a mini-program repo is far below them."""

    max_total_bytes: int = 256 * MiB  # file contents
    max_file_bytes: int = 64 * MiB
    max_files: int = 20_000  # every member: files, folders and links
    max_ratio: float = 100.0  # decompressed / compressed bytes ...
    ratio_floor_bytes: int = 4 * MiB  # ... checked once this much has been decompressed
    max_path_length: int = 1024
    max_depth: int = 64


@dataclass(frozen=True)
class ExtractedTree:
    root: Path
    files: int
    total_bytes: int
    links: int


class _CountingReader:
    """A read-only stream that counts what passes through it."""

    def __init__(self, raw: Readable) -> None:
        self.raw = raw
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        return data


class _BoundedStream:
    """The decompressed tar stream: stops at a hard cap and at the compression-ratio limit.

    The cap covers headers and padding too, so a bomb hidden in pax headers or zero blocks is
    caught as surely as one hidden in file contents.
    """

    def __init__(self, inner: Readable, compressed: _CountingReader | None, limits: ExtractLimits):
        self.inner = inner
        self.compressed = compressed
        self.limits = limits
        self.count = 0
        self.cap = limits.max_total_bytes + (limits.max_files + 16) * 2048

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > CHUNK:
            size = CHUNK
        data = self.inner.read(size)
        self.count += len(data)
        if self.count > self.cap:
            raise ArchiveRejected(
                f"the archive unpacks to more than {self.limits.max_total_bytes} bytes",
                code="archive_too_large",
            )
        if self.compressed is not None and self.count > self.limits.ratio_floor_bytes:
            ratio = self.count / max(self.compressed.count, 1)
            if ratio > self.limits.max_ratio:
                raise ArchiveRejected(
                    f"the archive expands more than {self.limits.max_ratio:.0f} times "
                    "(a decompression bomb?)",
                    code="archive_ratio_exceeded",
                )
        return data


def _open_stream(source: Readable, limits: ExtractLimits) -> _BoundedStream:
    """gzip (what GitHub serves) or a plain tar (``git archive``), told apart by magic bytes."""
    counted = _CountingReader(source)
    head = counted.read(2)
    rest = _Prefixed(head, counted)
    if head == b"\x1f\x8b":
        unpacked = gzip.GzipFile(fileobj=cast(BinaryIO, rest), mode="rb")
        return _BoundedStream(unpacked, counted, limits)
    return _BoundedStream(rest, None, limits)


class _Prefixed:
    """Puts the sniffed magic bytes back in front of the stream."""

    def __init__(self, prefix: bytes, rest: _CountingReader) -> None:
        self.prefix = prefix
        self.rest = rest

    def read(self, size: int = -1) -> bytes:
        if self.prefix:
            head, self.prefix = self.prefix, b""
            if size < 0:
                return head + self.rest.read()
            return head + self.rest.read(max(size - len(head), 0))
        return self.rest.read(size)


def _member_path(name: str, strip: int, limits: ExtractLimits) -> str | None:
    """The member's path inside the tree, or ``None`` for the stripped leading folders.

    Checked on the full name before stripping: ``top/../../etc`` is refused even though
    stripping ``top`` would hide the problem.
    """
    if "\x00" in name or "\\" in name:
        raise ArchiveRejected(f"member {name!r} has a forbidden character", code="archive_bad_name")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ArchiveRejected(f"member {name!r} is an absolute path", code="archive_absolute_path")
    parts = [part for part in name.split("/") if part not in {"", "."}]
    if ".." in parts:
        raise ArchiveRejected(f"member {name!r} climbs out of the tree", code="archive_traversal")
    if len(name) > limits.max_path_length or len(parts) > limits.max_depth + strip:
        raise ArchiveRejected(f"member {name[:200]!r} is nested too deep", code="archive_bad_name")
    if len(parts) <= strip:
        return None
    return "/".join(parts[strip:])


def _link_target(relative: str, target: str) -> str:
    """Where a symbolic link at ``relative`` points, as a tree path; refused if outside."""
    if not target or target.startswith("/") or "\x00" in target:
        raise ArchiveRejected(
            f"link {relative!r} points to an absolute path {target!r}", code="archive_link_escape"
        )
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(relative), target))
    if joined == ".." or joined.startswith("../"):
        raise ArchiveRejected(
            f"link {relative!r} points out of the tree ({target!r})", code="archive_link_escape"
        )
    return joined


class _Extractor:
    def __init__(self, dest: Path, limits: ExtractLimits, strip: int) -> None:
        self.dest = dest
        self.limits = limits
        self.strip = strip
        self.members = 0
        self.files: dict[str, Path] = {}
        self.links: set[str] = set()
        self.seen: set[str] = set()
        self.total = 0

    def add(self, archive: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        relative = _member_path(member.name, self.strip, self.limits)
        if relative is None:
            return
        self.members += 1
        if self.members > self.limits.max_files:
            raise ArchiveRejected(
                f"the archive has more than {self.limits.max_files} entries",
                code="archive_too_many_files",
            )
        self._check_parents(relative)
        if relative in self.seen and not member.isdir():
            raise ArchiveRejected(f"{relative!r} appears twice", code="archive_duplicate_entry")
        self.seen.add(relative)
        if member.isdir():
            self._mkdir(relative)
        elif member.isreg():
            self._write(archive, member, relative)
        elif member.issym():
            self._symlink(relative, member.linkname)
        elif member.islnk():
            self._hardlink(relative, member.linkname)
        else:
            raise ArchiveRejected(
                f"{relative!r} is a device, FIFO or other special file",
                code="archive_special_file",
            )

    def _check_parents(self, relative: str) -> None:
        """Nothing is written through a link, even one that stays inside the tree."""
        parts = relative.split("/")
        for depth in range(1, len(parts)):
            prefix = "/".join(parts[:depth])
            if prefix in self.links or prefix in self.files:
                raise ArchiveRejected(
                    f"{relative!r} would be written through {prefix!r}, which is not a folder",
                    code="archive_link_escape",
                )

    def _path(self, relative: str) -> Path:
        return self.dest.joinpath(*relative.split("/"))

    def _mkdir(self, relative: str) -> None:
        if relative in self.links or relative in self.files:
            raise ArchiveRejected(f"{relative!r} appears twice", code="archive_duplicate_entry")
        self._path(relative).mkdir(parents=True, exist_ok=True)

    def _reserve(self, relative: str, size: int) -> None:
        if size > self.limits.max_file_bytes:
            raise ArchiveRejected(
                f"{relative!r} is {size} bytes; the limit is {self.limits.max_file_bytes}",
                code="archive_file_too_large",
            )
        self.total += size
        if self.total > self.limits.max_total_bytes:
            raise ArchiveRejected(
                f"the archive unpacks to more than {self.limits.max_total_bytes} bytes",
                code="archive_too_large",
            )

    def _create(self, relative: str, mode: int) -> BinaryIO:
        path = self._path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        executable = mode & 0o111
        fd = os.open(path, flags, 0o755 if executable else 0o644)
        self.files[relative] = path
        return os.fdopen(fd, "wb")

    def _write(self, archive: tarfile.TarFile, member: tarfile.TarInfo, relative: str) -> None:
        self._reserve(relative, member.size)
        source = archive.extractfile(member)
        assert source is not None  # a regular member always has data
        with self._create(relative, member.mode) as target:
            remaining = member.size
            while remaining > 0:
                chunk = source.read(min(CHUNK, remaining))
                if not chunk:
                    raise ArchiveRejected(f"{relative!r} is truncated", code="archive_corrupt")
                target.write(chunk)
                remaining -= len(chunk)

    def _symlink(self, relative: str, target: str) -> None:
        _link_target(relative, target)
        path = self._path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
        self.links.add(relative)

    def _hardlink(self, relative: str, target: str) -> None:
        """A hard link becomes a copy of a regular file extracted earlier, never a real link."""
        linked = _member_path(target, self.strip, self.limits)
        if linked is None or linked not in self.files:
            raise ArchiveRejected(
                f"hard link {relative!r} does not point to a file of the archive ({target!r})",
                code="archive_link_escape",
            )
        source = self.files[linked]
        self._reserve(relative, source.stat().st_size)
        with source.open("rb") as reader, self._create(relative, source.stat().st_mode) as writer:
            shutil.copyfileobj(reader, writer, CHUNK)

    def check_links(self) -> None:
        """Each link, followed through any chain of links, still lands inside the tree."""
        root = self.dest.resolve()
        for relative in sorted(self.links):
            resolved = Path(os.path.realpath(self._path(relative)))
            if not resolved.is_relative_to(root):
                raise ArchiveRejected(
                    f"link {relative!r} resolves out of the tree", code="archive_link_escape"
                )


def extract_archive(
    source: Readable, dest: Path, *, limits: ExtractLimits | None = None, strip: int = 0
) -> ExtractedTree:
    """Unpack ``source`` into the empty folder ``dest`` or raise :class:`ArchiveRejected`.

    ``strip`` drops leading path components (1 for GitHub tarballs, whose members all sit in an
    ``<owner>-<repo>-<sha>/`` folder). On rejection ``dest`` is emptied: nothing half-checked stays.
    """
    limits = limits or ExtractLimits()
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise ValueError(f"{dest} is not empty")
    extractor = _Extractor(dest, limits, strip)
    try:
        stream = _open_stream(source, limits)
        with tarfile.open(fileobj=stream, mode="r|") as archive:  # type: ignore[call-overload]
            for member in archive:
                extractor.add(archive, member)
        extractor.check_links()
    except ArchiveRejected:
        _empty(dest)
        raise
    except (tarfile.TarError, EOFError, OSError, gzip.BadGzipFile) as exc:
        _empty(dest)
        raise ArchiveRejected(f"the archive is unreadable: {exc}", code="archive_corrupt") from None
    return ExtractedTree(
        root=dest,
        files=len(extractor.files),
        total_bytes=extractor.total,
        links=len(extractor.links),
    )


def _empty(dest: Path) -> None:
    for entry in dest.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
