"""`chainless doctor`: every dependency is checked and every failure carries a concrete fix."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from chainless.chain.localnode import LocalChain
from chainless.platform import doctor, toolchain
from chainless.platform.core.migrate import upgrade
from chainless.platform.core.settings import ChainConfig, ChainEnvironment, Settings
from chainless.platform.doctor import CheckResult, render, run_checks

REDIS_URL = os.environ.get("CHAINLESS_TEST_REDIS", "redis://127.0.0.1:6379")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _settings(*, chain_url: str | None = None, chain_id: int = 31337, **overrides: Any) -> Settings:
    chain = ChainConfig(
        chain_id=chain_id, rpc_urls=[chain_url or f"http://127.0.0.1:{_closed_port()}"]
    )
    values: dict[str, Any] = {
        "mode": "test",
        "log_json": False,
        "start_local_chain": False,
        "chains": dict.fromkeys(ChainEnvironment, chain),
    }
    values.update(overrides)
    return Settings(**values)


def _by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {result.name: result for result in results}


def _rendered(results: list[CheckResult]) -> tuple[int, str]:
    console = Console(record=True, width=240, force_terminal=False)
    code = render(results, console)
    return code, console.export_text()


@pytest.fixture(scope="module")
def chain() -> Iterator[LocalChain]:
    with LocalChain() as running:
        yield running


@pytest.fixture
def copied_toolchain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A toolchain folder with the package files but nothing installed (before `make setup`)."""
    real = toolchain.toolchain_dir()
    folder = tmp_path / "toolchain"
    (folder / "bin").mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(real / name, folder / name)
    shutil.copy2(real / "bin" / "solc", folder / "bin" / "solc")
    monkeypatch.setenv(toolchain.TOOLCHAIN_DIR_ENV, str(folder))
    return folder


# -- failures and their fixes ---------------------------------------------------------------------


@pytest.mark.slow
def test_bogus_database_and_redis_fail_with_fixes() -> None:
    settings = _settings(
        database_url=f"postgresql://doctor:hunter2@127.0.0.1:{_closed_port()}/nothing",
        redis_url=f"redis://127.0.0.1:{_closed_port()}/0",
    )
    results = _by_name(run_checks(settings))

    database = results["database"]
    assert not database.ok
    assert database.fix == "run `make services` (or correct CHAINLESS_DATABASE_URL)"
    assert "hunter2" not in database.detail  # the password is redacted
    assert "doctor:***@" in database.detail
    assert "migrations" not in results  # not checked without a database

    redis = results["redis"]
    assert not redis.ok
    assert redis.fix is not None
    assert "make services" in redis.fix

    chain = results["chain (dev)"]
    assert not chain.ok
    assert chain.fix is not None
    assert "start a node for chain 31337" in chain.fix

    assert all(result.fix for result in results.values() if not result.ok)
    code, text = _rendered(list(results.values()))
    assert code == 1
    assert "✗" in text
    assert "make services" in text


def test_redis_not_configured_means_embedded() -> None:
    result = doctor.check_redis(_settings(redis_url=None))
    assert result.ok
    assert result.detail == "embedded: in-process substitutes"


def test_missing_python_package_says_make_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    packages = {"sqlalchemy": "SQLAlchemy", "no_such_module_x": "no-such-dist"}
    monkeypatch.setattr(doctor, "PYTHON_PACKAGES", packages)
    results = _by_name(doctor.check_python_packages())
    assert results["python: SQLAlchemy"].ok
    missing = results["python: no-such-dist"]
    assert not missing.ok
    assert missing.fix == "run `make setup`"
    assert "no_such_module_x" in missing.detail


def test_missing_node_tools_say_make_setup(copied_toolchain: Path) -> None:
    results = _by_name(doctor.check_node_tools())
    for name in ("solc (solc-js)", "anvil", "@openzeppelin/contracts"):
        assert not results[name].ok, name
        assert results[name].fix == "run `make setup`"


def test_version_drift_from_the_lockfile_is_reported(copied_toolchain: Path) -> None:
    (copied_toolchain / "node_modules").symlink_to(
        toolchain.PROJECT_ROOT / "toolchain" / "node_modules"
    )
    lock_path = copied_toolchain / "package-lock.json"
    lock = json.loads(lock_path.read_text())
    lock["packages"]["node_modules/solc"]["version"] = "0.8.99"
    lock["packages"]["node_modules/@foundry-rs/anvil"]["version"] = "9.9.9"
    lock_path.write_text(json.dumps(lock))

    results = _by_name(doctor.check_node_tools())
    assert not results["solc (solc-js)"].ok
    assert "0.8.99 pinned" in results["solc (solc-js)"].detail
    assert results["solc (solc-js)"].fix == "run `make setup`"
    assert not results["anvil"].ok
    assert "9.9.9 pinned" in results["anvil"].detail
    assert results["@openzeppelin/contracts"].ok


def test_embedded_chain_needs_the_anvil_binary(copied_toolchain: Path) -> None:
    settings = _settings(mode="development", start_local_chain=True)
    result = doctor.check_chain(settings)
    assert not result.ok
    assert result.fix == "run `make setup`"


def test_a_crashing_check_does_not_hide_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode() -> list[CheckResult]:
        raise RuntimeError("kaboom")

    for name in ("check_python_packages", "check_node_tools", "check_slither"):
        monkeypatch.setattr(doctor, name, lambda: [])
    monkeypatch.setattr(doctor, "check_node", explode)
    monkeypatch.setattr(doctor, "check_database", lambda settings: [])
    results = _by_name(run_checks(_settings(redis_url=None)))
    assert not results["node"].ok
    assert "kaboom" in results["node"].detail
    assert results["node"].fix
    assert results["redis"].ok  # later checks still ran


# -- database and migrations --------------------------------------------------------------------


def test_sqlite_migrations_are_checked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'doctor.db'}"

    absent = doctor.check_database(_settings(database_url=url))
    assert [(r.name, r.ok, r.fix) for r in absent] == [
        ("database", False, "run `chainless db upgrade`")
    ]
    assert not (tmp_path / "doctor.db").exists()  # the check did not create it
    (embedded,) = doctor.check_database(_settings(database_url=url, mode="development"))
    assert embedded.ok
    assert "`chainless run` creates and migrates it" in embedded.detail

    sqlite3.connect(tmp_path / "doctor.db").close()
    database, migrations = doctor.check_database(_settings(database_url=url))
    assert database.ok
    assert not migrations.ok
    assert "empty database" in migrations.detail
    assert migrations.fix == "run `chainless db upgrade`"

    upgrade(url)
    database, migrations = doctor.check_database(_settings(database_url=url))
    assert database.ok
    assert migrations.ok
    assert migrations.detail.startswith("at head")


def test_migrations_behind_head_are_reported(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url)
    with sqlite3.connect(tmp_path / "old.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'an_old_revision'")
    _, migrations = doctor.check_database(_settings(database_url=url))
    assert not migrations.ok
    assert "at an_old_revision" in migrations.detail
    assert migrations.fix == "run `chainless db upgrade`"


def test_real_database_and_redis_pass(database_url: str) -> None:
    """The test harness's database (PostgreSQL in the main run) is reachable and at head."""
    settings = _settings(database_url=database_url, redis_url=REDIS_URL)
    database, migrations = doctor.check_database(settings)
    assert database.ok, database.detail
    assert migrations.ok, migrations.detail
    redis = doctor.check_redis(settings)
    assert redis.ok, redis.detail
    assert "answers" in redis.detail


# -- chain ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_chain_answers_with_the_expected_id(chain: LocalChain) -> None:
    result = doctor.check_chain(_settings(chain_url=chain.rpc_url))
    assert result.ok
    assert result.detail == f"chain 31337 at {chain.rpc_url}"


@pytest.mark.slow
def test_chain_with_the_wrong_id_fails(chain: LocalChain) -> None:
    result = doctor.check_chain(_settings(chain_url=chain.rpc_url, chain_id=1))
    assert not result.ok
    assert f"{chain.rpc_url} is chain 31337" in result.detail
    assert result.fix is not None


def test_nothing_listening_in_embedded_development_is_fine() -> None:
    result = doctor.check_chain(_settings(mode="development", start_local_chain=True))
    assert result.ok
    assert result.detail.endswith("started by `chainless run`")


def test_nothing_listening_outside_embedded_mode_fails() -> None:
    for settings in (
        _settings(mode="development", start_local_chain=False),
        _settings(mode="test", start_local_chain=True),
    ):
        result = doctor.check_chain(settings)
        assert not result.ok
        assert result.fix is not None
        assert "start a node" in result.fix


# -- the whole run --------------------------------------------------------------------------------


@pytest.mark.slow
def test_toolchain_checks_pass() -> None:
    pins = toolchain.pinned_versions()
    results = _by_name(
        doctor.check_python_packages()
        + doctor.check_node()
        + doctor.check_node_tools()
        + doctor.check_slither()
    )
    failed = {name: r.detail for name, r in results.items() if not r.ok}
    assert failed == {}
    assert results["solc (solc-js)"].detail.startswith(pins["solc"] + "+commit.")
    assert results["anvil"].detail.startswith(pins["@foundry-rs/anvil"])
    assert results["@openzeppelin/contracts"].detail == pins["@openzeppelin/contracts"]
    assert results["python: slither-analyzer"].detail.startswith("0.11.")
    assert {"node", "npm", "slither", "python: web3", "python: PyGithub"} <= set(results)


@pytest.mark.slow
def test_everything_passes(chain: LocalChain, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ok.db'}"
    upgrade(url)
    results = run_checks(_settings(database_url=url, redis_url=REDIS_URL, chain_url=chain.rpc_url))
    assert {r.name: r.detail for r in results if not r.ok} == {}
    code, text = _rendered(results)
    assert code == 0
    assert "✓" in text
    assert "✗" not in text
    assert f"all {len(results)} checks passed" in text
