"""Where the pinned node tools live: the ``solc`` wrapper over solc-js and the anvil binary.

No native solc or anvil can be downloaded where Chainless is built, so ``make setup`` installs them
from npm (``npm ci`` in ``toolchain/``) at the versions pinned in ``toolchain/package-lock.json``.
Everything that compiles, audits or runs a local chain asks this module for absolute paths; nothing
relies on ``PATH`` (slither-analyzer puts a downloading ``solc`` of solc-select there).
"""

from __future__ import annotations

import json
import os
import platform as host_platform
import re
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

from chainless.platform.core.settings import PROJECT_ROOT

TOOLCHAIN_DIR_ENV = "CHAINLESS_TOOLCHAIN_DIR"
SETUP_FIX = "run `make setup`"

SOLC_PACKAGE = "solc"
ANVIL_PACKAGE = "@foundry-rs/anvil"
OPENZEPPELIN_PACKAGE = "@openzeppelin/contracts"

_SEMVER = re.compile(r"\d+\.\d+\.\d+")
_ANVIL_PLATFORMS = {
    ("linux", "x86_64"): "linux-amd64",
    ("linux", "amd64"): "linux-amd64",
    ("linux", "aarch64"): "linux-arm64",
    ("linux", "arm64"): "linux-arm64",
    ("darwin", "x86_64"): "darwin-amd64",
    ("darwin", "arm64"): "darwin-arm64",
    ("windows", "amd64"): "win32-amd64",
}


class ToolchainMissing(RuntimeError):
    """A pinned node tool is not installed (or broken); ``fix`` says what to run."""

    def __init__(self, name: str, fix: str = SETUP_FIX, detail: str = "") -> None:
        self.name = name
        self.fix = fix
        self.detail = detail
        reason = f" ({detail})" if detail else ""
        super().__init__(f"{name} is not installed{reason}: {fix}")


def toolchain_dir() -> Path:
    """``$CHAINLESS_TOOLCHAIN_DIR`` if set (the Makefile exports it), else ``<repo>/toolchain``."""
    configured = os.environ.get(TOOLCHAIN_DIR_ENV)
    return Path(configured).resolve() if configured else PROJECT_ROOT / "toolchain"


def node_modules() -> Path:
    return toolchain_dir() / "node_modules"


def lockfile_path() -> Path:
    return toolchain_dir() / "package-lock.json"


def _read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return data


def pinned_versions() -> dict[str, str]:
    """The direct dependencies of the toolchain at the exact versions the lockfile pins."""
    path = lockfile_path()
    try:
        lock = _read_json(path)
    except (OSError, ValueError) as error:
        raise ToolchainMissing(
            "toolchain/package-lock.json", "restore it from git", str(error)
        ) from error
    packages: dict[str, Any] = lock.get("packages", {})
    direct: dict[str, str] = packages.get("", {}).get("dependencies", {})
    return {
        name: str(packages.get(f"node_modules/{name}", {}).get("version", spec))
        for name, spec in sorted(direct.items())
    }


def installed_version(package: str) -> str | None:
    """The version of an npm package in the toolchain's node_modules, or None if absent."""
    try:
        return str(_read_json(node_modules() / package / "package.json")["version"])
    except (OSError, ValueError, KeyError):
        return None


def solc_path() -> Path:
    """The project's ``solc``-compatible command (``toolchain/bin/solc`` over solc-js)."""
    wrapper = toolchain_dir() / "bin" / "solc"
    if not wrapper.is_file() or not os.access(wrapper, os.X_OK):
        raise ToolchainMissing(
            "solc", "restore toolchain/bin/solc from git", f"{wrapper} is missing"
        )
    if installed_version(SOLC_PACKAGE) is None:
        raise ToolchainMissing("solc", SETUP_FIX, f"solc-js is not in {node_modules()}")
    return wrapper


def _anvil_candidates() -> list[Path]:
    """Where ``@foundry-rs/anvil`` puts the native binary: its per-platform optional package, or
    the copy its postinstall script downloads when that package was not installed."""
    scope = node_modules() / "@foundry-rs"
    name = "anvil.exe" if os.name == "nt" else "anvil"
    system, machine = host_platform.system().lower(), host_platform.machine().lower()
    candidates = []
    suffix = _ANVIL_PLATFORMS.get((system, machine))
    if suffix:
        candidates.append(scope / f"anvil-{suffix}" / "bin" / name)
    candidates += [scope / "anvil" / name, scope / "dist" / name]
    return candidates


def anvil_path() -> Path:
    """The native anvil binary (called directly: the npm ``bin.mjs`` shim adds a node process)."""
    for candidate in _anvil_candidates():
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ToolchainMissing(
        "anvil", SETUP_FIX, f"no anvil binary under {node_modules() / '@foundry-rs'}"
    )


@lru_cache(maxsize=8)
def _version_output(command: Path, mtime_ns: int) -> str:
    """``<command> --version`` (cached per binary and modification time; solc-js takes ~0.4 s)."""
    del mtime_ns  # part of the cache key only
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments, binary from our own toolchain
            [str(command), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ToolchainMissing(
            command.name, SETUP_FIX, f"{command} --version failed: {error}"
        ) from error
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise ToolchainMissing(command.name, SETUP_FIX, f"{command} --version: {' | '.join(tail)}")
    return result.stdout


def _version_of(command: Path) -> str:
    return _version_output(command, command.stat().st_mtime_ns)


def solc_long_version() -> str:
    """E.g. ``0.8.30+commit.73712a01``: what explorers ask for when verifying a contract."""
    text = _version_of(solc_path())
    match = re.search(r"Version:\s*(\d+\.\d+\.\d+\+commit\.[0-9a-f]+)", text)
    if not match:
        raise ToolchainMissing("solc", SETUP_FIX, f"unexpected --version output: {text.strip()!r}")
    return match.group(1)


def solc_version() -> str:
    """The compiler's semantic version, e.g. ``0.8.30`` (compare with ``pinned_versions()``)."""
    return solc_long_version().split("+", 1)[0]


def anvil_version() -> str:
    """Runs ``anvil --version`` (``anvil Version: 1.7.1 ...``) and returns ``1.7.1``."""
    text = _version_of(anvil_path())
    match = _SEMVER.search(text)
    if not match:
        raise ToolchainMissing("anvil", SETUP_FIX, f"unexpected --version output: {text.strip()!r}")
    return match.group(0)


def openzeppelin_dir() -> Path:
    """Root of the pinned OpenZeppelin Contracts (the wrapper resolves ``@openzeppelin/`` here)."""
    path = node_modules() / OPENZEPPELIN_PACKAGE
    if not (path / "package.json").is_file():
        raise ToolchainMissing(OPENZEPPELIN_PACKAGE, SETUP_FIX, f"{path} is missing")
    return path
