"""The ``chainless`` command: migrations, the first operator, and the embedded ``run``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from chainless.platform.cli import app

pytestmark = pytest.mark.portable
CHAINLESS = str(Path(sys.executable).parent / "chainless")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINLESS_")}
    env.update(
        {
            "CHAINLESS_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'c.db'}",
            "CHAINLESS_DATA_DIR": str(tmp_path / "data"),
            "CHAINLESS_STORAGE__LOCAL_PATH": str(tmp_path / "data" / "storage"),
        }
    )
    env.update(extra)
    return env


def test_db_upgrade_then_create_admin(tmp_path: Path) -> None:
    runner = CliRunner()
    env = _env(tmp_path)
    upgraded = runner.invoke(app, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    assert "database at head" in upgraded.output
    created = runner.invoke(
        app,
        ["create-admin", "--email", "ops@example.com", "--password", "Operator-pass-2026"],
        env=env,
    )
    assert created.exit_code == 0, created.output
    assert "holds platform_operator" in created.output
    weak = runner.invoke(
        app, ["create-admin", "--email", "b@example.com", "--password", "short"], env=env
    )
    assert weak.exit_code == 1
    assert "weak_password" in weak.output
    wrong_role = runner.invoke(
        app,
        [
            "create-admin",
            "--email",
            "c@example.com",
            "--password",
            "Operator-pass-2026",
            "--role",
            "developer",
        ],
        env=env,
    )
    assert wrong_role.exit_code != 0
    assert "staff roles" in wrong_role.output


def test_production_mode_refuses_development_secrets(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["db", "upgrade"], env=_env(tmp_path, CHAINLESS_MODE="production")
    )
    assert result.exit_code == 2
    assert "refusing to start in production" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_run_serves_the_embedded_platform_with_its_own_chain(tmp_path: Path) -> None:
    port, chain_port = _free_port(), _free_port()
    chains = f'{{"dev": {{"chain_id": 31337, "rpc_urls": ["http://127.0.0.1:{chain_port}"]}}}}'
    process = subprocess.Popen(
        [CHAINLESS, "run", "--port", str(port)],
        env=_env(tmp_path, CHAINLESS_CHAINS=chains),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert ready is not None, "chainless run did not serve"
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["chain"]["ok"] is True
        assert httpx.get(f"http://127.0.0.1:{port}/docs").status_code == 200
        assert (tmp_path / "data" / "c.db").exists()
        assert _port_open(chain_port)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/docs" in output
    assert "/console" in output
    assert "anvil started with the platform" in output
    time.sleep(0.5)
    assert not _port_open(chain_port), "anvil outlived the platform"
