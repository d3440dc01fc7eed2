"""The toolchain module finds the pinned tools and says `make setup` when they are missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from chainless.platform import toolchain
from chainless.platform.core.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow  # runs `solc --version` / `anvil --version`


def test_default_directory_is_the_repository_toolchain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(toolchain.TOOLCHAIN_DIR_ENV, raising=False)
    assert toolchain.toolchain_dir() == PROJECT_ROOT / "toolchain"
    assert (toolchain.toolchain_dir() / "package-lock.json").is_file()


def test_pins_come_from_the_lockfile() -> None:
    pins = toolchain.pinned_versions()
    lock = json.loads(toolchain.lockfile_path().read_text())
    assert set(pins) == {"solc", "@foundry-rs/anvil", "@openzeppelin/contracts"}
    for name, version in pins.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
        assert version.count(".") == 2  # exact versions, no ranges
    assert pins["@openzeppelin/contracts"].startswith("5.")
    assert pins["solc"].startswith("0.8.")


def test_lockfile_lists_every_anvil_platform_package() -> None:
    """`npm ci` refuses a lockfile that lacks any optional platform package of anvil; a registry
    holding only the linux-amd64 one makes `npm install` drop the others (see toolchain/README)."""
    packages = json.loads(toolchain.lockfile_path().read_text())["packages"]
    platforms = packages["node_modules/@foundry-rs/anvil"]["optionalDependencies"]
    assert len(platforms) >= 5
    for name, version in platforms.items():
        entry = packages[f"node_modules/{name}"]
        assert entry["version"] == version
        assert entry["optional"] is True
        assert entry["os"]
        assert entry["cpu"]


def test_installed_tools_match_the_pins() -> None:
    pins = toolchain.pinned_versions()
    assert toolchain.solc_version() == pins["solc"]
    assert toolchain.solc_long_version().startswith(pins["solc"] + "+commit.")
    assert toolchain.anvil_version() == pins["@foundry-rs/anvil"]
    assert toolchain.installed_version("@openzeppelin/contracts") == pins["@openzeppelin/contracts"]
    assert (toolchain.openzeppelin_dir() / "token" / "ERC20" / "ERC20.sol").is_file()


def test_paths_are_absolute_executables_not_from_path() -> None:
    for path in (toolchain.solc_path(), toolchain.anvil_path()):
        assert path.is_absolute()
        assert os.access(path, os.X_OK)
        assert toolchain.toolchain_dir() in path.parents
    # the native anvil binary, not the node shim of the npm package
    assert not toolchain.anvil_path().name.endswith(".mjs")
    assert toolchain.anvil_path().read_bytes()[:4] == b"\x7fELF"


def test_missing_toolchain_says_run_make_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = toolchain.toolchain_dir()
    (tmp_path / "bin").mkdir()
    shutil.copy2(real / "bin" / "solc", tmp_path / "bin" / "solc")
    shutil.copy2(real / "package-lock.json", tmp_path / "package-lock.json")
    monkeypatch.setenv(toolchain.TOOLCHAIN_DIR_ENV, str(tmp_path))

    assert toolchain.toolchain_dir() == tmp_path.resolve()
    assert toolchain.pinned_versions()["solc"]  # the lockfile alone is enough for the pins
    for locate, name in ((toolchain.solc_path, "solc"), (toolchain.anvil_path, "anvil")):
        with pytest.raises(toolchain.ToolchainMissing) as caught:
            locate()
        assert caught.value.name == name
        assert caught.value.fix == "run `make setup`"
        assert "make setup" in str(caught.value)
    with pytest.raises(toolchain.ToolchainMissing, match="make setup"):
        toolchain.anvil_version()
    assert toolchain.installed_version("solc") is None


def test_missing_lockfile_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(toolchain.TOOLCHAIN_DIR_ENV, str(tmp_path))
    with pytest.raises(toolchain.ToolchainMissing) as caught:
        toolchain.pinned_versions()
    assert "package-lock.json" in caught.value.name


def test_wrapper_without_solcjs_fails_with_the_fix(tmp_path: Path) -> None:
    """The wrapper itself also points at `make setup` when node_modules is absent."""
    (tmp_path / "bin").mkdir()
    shutil.copy2(toolchain.toolchain_dir() / "bin" / "solc", tmp_path / "bin" / "solc")
    done = subprocess.run(
        [str(tmp_path / "bin" / "solc"), "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "make setup" in done.stderr
