"""Untrusted build steps: no secrets, bounded resources, killed whole, logs kept.

Each test runs in the strongest mode this machine offers (namespaces when the tests run as root)
and, where the guarantee also holds there, in the process-group fallback.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainless.deployer.isolation import (
    BuildFailed,
    BuildLimits,
    Isolation,
    IsolationUnavailable,
    Outcome,
    Sandbox,
    namespaces_available,
    sandbox_for,
)
from chainless.platform.core.settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.portable

PY = "/usr/bin/python3"
MODES = [Isolation.PROCESS_GROUP]
if namespaces_available():
    MODES.insert(0, Isolation.NAMESPACES)
needs_namespaces = pytest.mark.skipif(
    not namespaces_available(), reason="namespaces need root with unshare and setpriv"
)
SHORT = BuildLimits(wall_seconds=10, cpu_seconds=10, processes=64, memory_bytes=512 * 1024 * 1024)


@pytest.fixture(params=MODES, ids=str)
def mode(request: pytest.FixtureRequest) -> Isolation:
    return request.param  # type: ignore[no-any-return]


_made: list[Sandbox] = []


def _sandbox(mode: Isolation, limits: BuildLimits = SHORT, **options: object) -> Sandbox:
    box = Sandbox(isolation=mode, limits=limits, **options)  # type: ignore[arg-type]
    _made.append(box)
    return box


def _alive(marker: str) -> list[int]:
    """Processes whose command line carries ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_step_runs_in_the_work_folder_and_its_output_is_logged(mode: Isolation) -> None:
    with _sandbox(mode) as box:
        (box.work / "input.txt").write_text("from the repo\n")
        result = box.run("hello", ["/bin/sh", "-c", "cat input.txt; echo oops >&2; touch out"])
        assert result.ok, result.tail
        assert result.outcome is Outcome.SUCCEEDED
        assert result.isolation is mode
        assert result.log_path.read_text() == "from the repo\noops\n"
        assert result.tail == "from the repo\noops\n"
        assert (box.work / "out").exists()
    assert not box.root.exists(), "the throwaway folder is gone"


def test_a_build_sees_none_of_the_workers_secrets(
    mode: Isolation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAINLESS_SECRET_KEY", "platform-secret-4b1d")
    monkeypatch.setenv("CHAINLESS_DEPLOYER__GITHUB_TOKEN", "ghp_secret_77aa")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-9c2e")
    script = "env; for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < $f; done 2>/dev/null; true"
    with _sandbox(mode) as box:
        result = box.run("snoop", ["/bin/sh", "-c", script])
    assert result.ok, result.tail
    log = result.log_path.read_text() if result.log_path.exists() else result.tail
    for secret in ("platform-secret-4b1d", "ghp_secret_77aa", "aws-secret-9c2e", "CHAINLESS_"):
        assert secret not in result.tail
        assert secret not in log
    assert "HOME=" in result.tail  # the build's own, minimal environment


def test_the_platform_refuses_to_pass_its_settings_to_a_build(mode: Isolation) -> None:
    with _sandbox(mode) as box, pytest.raises(ValueError, match="platform setting"):
        box.run("leak", ["/bin/true"], env={"CHAINLESS_SECRET_KEY": "x"})


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
def test_the_build_runs_as_the_unprivileged_build_user(mode: Isolation) -> None:
    with _sandbox(mode) as box:
        result = box.run("whoami", ["/bin/sh", "-c", "id -u; id -G; cat /root/.bashrc"])
    lines = result.tail.splitlines()
    assert lines[:2] == ["65534", "65534"]
    assert "Permission denied" in result.tail


@needs_namespaces
def test_platform_folders_are_hidden_even_when_world_readable() -> None:
    secret_dir = Path(tempfile.mkdtemp(prefix="chainless-platform-"))
    try:
        secret_dir.chmod(0o755)
        (secret_dir / "signing-key.pem").write_text("PRIVATE-KEY-31f0\n")
        (secret_dir / "signing-key.pem").chmod(0o644)
        with _sandbox(Isolation.NAMESPACES, hidden_paths=[secret_dir]) as box:
            result = box.run("peek", ["/bin/sh", "-c", f"ls -a {secret_dir}; cat {secret_dir}/*"])
        assert "PRIVATE-KEY-31f0" not in result.tail
        assert "signing-key.pem" not in result.tail
        assert (secret_dir / "signing-key.pem").read_text() == "PRIVATE-KEY-31f0\n"
    finally:
        for entry in secret_dir.iterdir():
            entry.unlink()
        secret_dir.rmdir()


@needs_namespaces
def test_no_network_unless_the_step_needs_it() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    dial = f"import socket; socket.create_connection(('127.0.0.1', {port}), 2); print('connected')"
    try:
        with _sandbox(Isolation.NAMESPACES) as box:
            offline = box.run("offline", [PY, "-c", dial])
            online = box.run("online", [PY, "-c", dial], network=True)
    finally:
        listener.close()
    assert not offline.ok
    assert "unreachable" in offline.tail or "refused" in offline.tail
    assert offline.network is False
    assert online.ok, online.tail


def test_an_infinite_loop_is_killed_at_the_wall_clock(mode: Isolation) -> None:
    limits = BuildLimits(wall_seconds=1.5, cpu_seconds=30, processes=64)
    with _sandbox(mode, limits) as box:
        result = box.run("build", [PY, "-c", "print('spinning', flush=True)\nwhile True: pass"])
    assert result.outcome is Outcome.TIMED_OUT
    assert result.duration_seconds < 6
    assert "longer than 1.5 s" in result.message
    assert "spinning" in result.tail


def test_background_processes_die_with_the_step(mode: Isolation) -> None:
    marker = f"chainless-daemon-{os.getpid()}-{mode}"
    script = f"{PY} -c 'import time; time.sleep(600)' {marker} & echo started"
    with _sandbox(mode) as box:
        result = box.run("daemon", ["/bin/sh", "-c", script])
    assert result.ok
    assert _alive(marker) == []


def test_a_fork_bomb_is_contained_and_cleaned_up(mode: Isolation) -> None:
    marker = f"chainless-bomb-{os.getpid()}-{mode}"
    bomb = (
        "import os, sys, time\n"
        "while True:\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError:\n"
        "        time.sleep(0.05)\n"
    )
    limits = BuildLimits(wall_seconds=2, cpu_seconds=10, processes=32)
    with _sandbox(mode, limits) as box:
        result = box.run("bomb", [PY, "-c", bomb, marker])
    assert not result.ok
    assert result.duration_seconds < 10
    assert _alive(marker) == []


def test_a_memory_hog_fails_with_a_clear_message(mode: Isolation) -> None:
    limits = BuildLimits(wall_seconds=20, memory_bytes=256 * 1024 * 1024)
    with _sandbox(mode, limits) as box:
        result = box.run("build", [PY, "-c", "blob = bytearray(1024 * 1024 * 1024)"])
    assert result.outcome is Outcome.MEMORY_LIMIT
    assert result.message == "step 'build' ran out of memory (limit 256 MiB per process)"


def test_cpu_time_is_limited(mode: Isolation) -> None:
    limits = BuildLimits(wall_seconds=20, cpu_seconds=1)
    with _sandbox(mode, limits) as box:
        result = box.run("build", [PY, "-c", "while True: pass"])
    assert result.outcome is Outcome.CPU_LIMIT
    assert result.duration_seconds < 10


def test_a_failure_names_the_step_and_shows_the_log_tail(mode: Isolation) -> None:
    script = (
        "for i in $(seq 1 5000); do echo line $i; done; "
        "echo 'npm ERR! missing script: build'; exit 3"
    )
    limits = BuildLimits(tail_bytes=200, log_bytes=1000)
    with _sandbox(mode, limits) as box:
        result = box.run("npm run build", ["/bin/sh", "-c", script])
        with pytest.raises(BuildFailed) as caught:
            result.raise_for_failure()
        assert result.log_truncated
        assert result.log_path.stat().st_size < 1100
    error = caught.value
    assert error.extra["step"] == "npm run build"
    assert error.extra["exit_code"] == 3
    assert error.extra["log_tail"].endswith("npm ERR! missing script: build\n")
    assert len(error.extra["log_tail"]) <= 200
    assert "step 'npm run build' failed (exit code 3)" in error.detail


def test_the_weaker_mode_can_be_refused() -> None:
    with pytest.raises(IsolationUnavailable):
        Sandbox(isolation=Isolation.PROCESS_GROUP, require_isolation=True)


def test_a_step_cannot_start_outside_its_folder(mode: Isolation) -> None:
    with _sandbox(mode) as box, pytest.raises(ValueError, match="outside"):
        box.run("escape", ["/bin/true"], cwd=Path("/"))


@pytest.fixture(autouse=True)
def _no_leftover_build_folders() -> Iterator[None]:
    """Every sandbox a test made is gone afterwards (its ``with`` block removed it)."""
    _made.clear()
    yield
    assert [box.root for box in _made if box.root.exists()] == []


@needs_namespaces
def test_the_configured_sandbox_hides_the_platform(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    (storage / "private").mkdir(parents=True)
    settings = Settings(
        data_dir=tmp_path / "data",
        storage={"backend": "local", "local_path": storage},
        database_url=f"sqlite:///{tmp_path / 'db' / 'chainless.db'}",
        deployer={"build_wall_seconds": 5},
    )
    (tmp_path / "db").mkdir()
    with sandbox_for(settings) as box:
        assert box.limits.wall_seconds == 5
        assert str(PROJECT_ROOT) in box.hidden
        assert {str(storage), str(tmp_path / "db")} <= set(box.hidden)
        result = box.run("peek", ["/bin/sh", "-c", f"ls -A {PROJECT_ROOT} | wc -l"])
    assert result.tail.strip() == "0"


@needs_namespaces
def test_the_embedded_default_layout_builds_with_its_nested_folders_hidden() -> None:
    """``make run``: the data folder inside the checkout, storage and SQLite inside data. Once
    the checkout is covered, the folders inside it are no mount points any more: the step must
    still run (it failed with exit 125, "mount point does not exist"), and see none of them."""
    data = Path(tempfile.mkdtemp(prefix="data-layout-", dir=PROJECT_ROOT))
    try:
        storage = data / "storage"
        (storage / "private").mkdir(parents=True)
        (storage / "private" / "document.txt").write_text("PRIVATE-DOC-9c2e\n")
        settings = Settings(
            data_dir=data,
            storage={"backend": "local", "local_path": storage},
            database_url=f"sqlite:///{data / 'chainless.db'}",
        )
        with sandbox_for(settings) as box:
            assert box.hidden == sorted({str(PROJECT_ROOT), str(Path.home().resolve())})
            result = box.run(
                "npm ci",
                ["/bin/sh", "-c", f"ls -A {PROJECT_ROOT} | wc -l; cat {storage}/private/* || :"],
            )
        assert result.ok, result.tail
        assert result.tail.splitlines()[0].strip() == "0"
        assert "PRIVATE-DOC-9c2e" not in result.tail
    finally:
        shutil.rmtree(data)


def test_a_folder_inside_another_hidden_one_is_not_mounted_again(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "data" / "storage").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    nested = [checkout / "data" / "storage", tmp_path / "elsewhere", checkout / "data", checkout]
    with _sandbox(Isolation.PROCESS_GROUP, hidden_paths=nested) as box:
        assert box.hidden == [str(checkout.resolve()), str((tmp_path / "elsewhere").resolve())]


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
def test_concurrent_builds_as_distinct_users_cannot_reach_each_other(mode: Isolation) -> None:
    with (
        _sandbox(mode, uid=64001, gid=64001) as first,
        _sandbox(mode, uid=64002, gid=64002) as second,
    ):
        wrote = first.run("write", ["/bin/sh", "-c", "echo token-7f3a > secret.txt"])
        assert wrote.ok, wrote.tail
        assert (first.work / "secret.txt").stat().st_mode & 0o777 == 0o600
        peek = second.run(
            "peek", ["/bin/sh", "-c", f"cat {first.work}/secret.txt; ls {first.work}"]
        )
    assert "token-7f3a" not in peek.tail
    assert "Permission denied" in peek.tail


def test_the_configured_id_range_spreads_builds_over_users(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, deployer={"build_uid": 200000, "build_gid": 200000, "build_id_range": 50}
    )
    ids = set()
    for _ in range(10):
        with sandbox_for(settings) as box:
            assert box.uid == box.gid
            assert 200000 <= box.uid < 200050
            ids.add(box.uid)
    assert len(ids) > 1
