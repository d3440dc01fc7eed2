"""Build a mini-program's frontend in the sandbox: ``npm ci``, the repository's build, the output.

The install is the platform's command (``npm ci``: exactly the committed lockfile, nothing else);
it runs without network whenever the lockfile names no package to download, and the build step
never has network. The output folder is then read as untrusted too: it must be a real folder
inside the tree, with only regular files (no links, which could point anywhere on the build
machine), within size and count limits. Each file is named by its SHA-256, ready to be published
content-addressed.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainless.deployer.isolation import Sandbox, StepResult
from chainless.deployer.manifest import LOCKFILES, FrontendSection
from chainless.platform.core.errors import Unprocessable

MiB = 1024 * 1024
NPM_CI = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=warn"]


class FrontendError(Unprocessable):
    code = "frontend_output_invalid"
    title = "Frontend build output rejected"


@dataclass(frozen=True)
class OutputLimits:
    max_files: int = 10_000
    max_total_bytes: int = 200 * MiB
    max_file_bytes: int = 50 * MiB


@dataclass(frozen=True)
class OutputFile:
    path: str  # POSIX, relative to the output folder
    sha256: str
    size: int
    content_type: str


@dataclass
class FrontendBuild:
    output: Path  # inside the sandbox: read it before the sandbox is cleaned up
    files: list[OutputFile]
    steps: list[StepResult] = field(default_factory=list)
    offline_install: bool = True

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def digest(self) -> str:
        """One hash for the whole site: the same files at the same paths, the same digest."""
        lines = "".join(f"{f.path}\0{f.sha256}\0{f.size}\n" for f in self.files)
        return hashlib.sha256(lines.encode()).hexdigest()


def offline_install_possible(lockfile: dict[str, Any]) -> bool:
    """True when the lockfile names no package to download (only the project and local links).

    npm lockfile v2/v3 list every package under ``packages`` (``""`` is the project itself);
    v1 lists dependencies under ``dependencies``.
    """
    packages = lockfile.get("packages")
    if isinstance(packages, dict):
        for key, entry in packages.items():
            if key == "" or (isinstance(entry, dict) and entry.get("link")):
                continue
            return False
        return True
    return not lockfile.get("dependencies")


def _lockfile(front: Path) -> dict[str, Any]:
    for name in LOCKFILES:
        path = front / name
        if path.is_file() and not path.is_symlink():
            try:
                data = json.loads(path.read_text())
            except (ValueError, UnicodeDecodeError):
                raise FrontendError(f"{name} is not valid JSON", code="lockfile_invalid") from None
            if isinstance(data, dict):
                return data
    raise FrontendError("no package-lock.json to install from", code="lockfile_missing")


def build_frontend(
    source_root: Path,
    spec: FrontendSection,
    sandbox: Sandbox,
    *,
    limits: OutputLimits | None = None,
) -> FrontendBuild:
    """Copy the tree into the sandbox, install, build, and read the output folder.

    Raises :class:`~chainless.deployer.isolation.BuildFailed` naming the failed step, or
    :class:`FrontendError` for an unusable output; either way each step's log is in
    ``sandbox.logs``.
    """
    tree = sandbox.work / "src"
    shutil.copytree(source_root, tree, symlinks=True)
    front = tree / spec.root
    offline = offline_install_possible(_lockfile(front))
    steps: list[StepResult] = []
    install_argv = [*NPM_CI, "--offline"] if offline else NPM_CI
    for name, argv, network in (
        ("npm ci", install_argv, not offline),
        (spec.build, spec.build_argv, False),
    ):
        result = sandbox.run(name, argv, cwd=front, network=network)
        steps.append(result)
        result.raise_for_failure()
    output = front / spec.output
    files = collect_output(output, tree, limits or OutputLimits())
    return FrontendBuild(output=output, files=files, steps=steps, offline_install=offline)


def _reject(detail: str, code: str = "frontend_output_invalid") -> FrontendError:
    return FrontendError(detail, code=code)


def collect_output(output: Path, tree: Path, limits: OutputLimits) -> list[OutputFile]:
    """Every regular file of the output folder, hashed; links and special files refused."""
    if output.is_symlink() or not output.is_dir():
        raise _reject(
            f"the build did not produce the output folder {output.relative_to(tree)}",
            code="frontend_output_missing",
        )
    if not output.resolve().is_relative_to(tree.resolve()):
        raise _reject("the output folder lies outside the repository")
    files: list[OutputFile] = []
    total = 0
    for folder, dirnames, filenames in os.walk(output, followlinks=False):
        for name in sorted(dirnames + filenames):
            path = Path(folder) / name
            mode = path.lstat().st_mode
            relative = path.relative_to(output).as_posix()
            if stat.S_ISLNK(mode):
                raise _reject(f"{relative} is a link; the output must hold files only")
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                raise _reject(f"{relative} is not a regular file")
            size = path.lstat().st_size
            total += size
            if len(files) >= limits.max_files or size > limits.max_file_bytes:
                raise _reject(f"the output has too many or too large files ({relative})")
            if total > limits.max_total_bytes:
                raise _reject(f"the output is larger than {limits.max_total_bytes} bytes")
            files.append(_describe(path, relative, size))
    if not files:
        raise _reject("the output folder is empty", code="frontend_output_missing")
    return sorted(files, key=lambda f: f.path)


def _describe(path: Path, relative: str, size: int) -> OutputFile:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
    return OutputFile(relative, digest.hexdigest(), size, content_type)
