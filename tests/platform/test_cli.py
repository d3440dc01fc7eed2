"""The ``chainless`` command: migrations, the first operator, and the embedded ``run``."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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


def test_create_admin_without_a_terminal_says_how_to_give_the_password(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert CliRunner().invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    asked = CliRunner().invoke(app, ["create-admin", "--email", "ops@example.com"], env=env)
    assert asked.exit_code == 2, asked.output
    assert "stdin is not a terminal" in asked.output
    assert "--password-file" in asked.output
    assert "CHAINLESS_ADMIN_PASSWORD" in asked.output
    no_email = CliRunner().invoke(app, ["create-admin"], env=env)
    assert no_email.exit_code == 2
    assert "--email" in no_email.output


def test_create_admin_reads_the_password_from_the_environment_a_file_or_stdin(
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    env = _env(tmp_path)
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    from_env = runner.invoke(
        app,
        ["create-admin", "--email", "a@example.com"],
        env={**env, "CHAINLESS_ADMIN_PASSWORD": "Operator-pass-2026"},
    )
    assert from_env.exit_code == 0, from_env.output
    secret = tmp_path / "password"
    secret.write_text("Operator-pass-2027\n")
    from_file = runner.invoke(
        app, ["create-admin", "--email", "b@example.com", "--password-file", str(secret)], env=env
    )
    assert from_file.exit_code == 0, from_file.output
    from_stdin = runner.invoke(
        app,
        ["create-admin", "--email", "c@example.com", "--password-file", "-"],
        env=env,
        input="Operator-pass-2028\n",
    )
    assert from_stdin.exit_code == 0, from_stdin.output
    with _client(tmp_path) as client:
        for email, password in [
            ("a@example.com", "Operator-pass-2026"),
            ("b@example.com", "Operator-pass-2027"),
            ("c@example.com", "Operator-pass-2028"),
        ]:
            signed_in = client.post(
                "/api/v1/auth/tokens", json={"email": email, "password": password}
            )
            assert signed_in.status_code == 201, (email, signed_in.text)


def _client(tmp_path: Path) -> Any:
    from fastapi.testclient import TestClient

    from chainless.platform.app import create_app
    from chainless.platform.core.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'data' / 'c.db'}",
        data_dir=tmp_path / "data",
        storage={"backend": "local", "local_path": tmp_path / "data" / "storage"},
        public_url="http://chainless.example.test:8000",
        start_local_chain=False,
    )
    return TestClient(create_app(settings))


def test_outbox_prints_links_whole(tmp_path: Path) -> None:
    env = _env(tmp_path, COLUMNS="80")
    assert CliRunner().invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    email = "a-rather-long-address-for-wrapping@example.com"
    with _client(tmp_path) as client:
        registered = client.post(
            "/api/v1/accounts",
            json={"email": email, "password": "Developer-pass-2026", "display_name": "[b]Dev"},
        )
        assert registered.status_code == 201, registered.text
    shown = CliRunner().invoke(app, ["outbox", "--to", email], env=env)
    assert shown.exit_code == 0, shown.output
    links = re.findall(
        r"http://chainless\.example\.test:8000/console/verify-email\?token=\S+", shown.output
    )
    assert links, shown.output
    assert len(links[0]) > 80  # longer than the terminal: printed on one line all the same
    token = links[0].rsplit("=", 1)[1]
    with _client(tmp_path) as client:
        verified = client.post("/api/v1/accounts/verify-email", json={"token": token})
        assert verified.status_code == 200, verified.text


@pytest.mark.slow
def test_run_refuses_a_chain_port_held_by_another_process(tmp_path: Path) -> None:
    """A node already on the chain port (a chain left by a crashed run, another program) is
    named and refused, never reused without a word."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        chain_port = holder.getsockname()[1]
        chains = f'{{"dev": {{"chain_id": 31337, "rpc_urls": ["http://127.0.0.1:{chain_port}"]}}}}'
        result = subprocess.run(
            [CHAINLESS, "run", "--port", str(_free_port())],
            env=_env(tmp_path, CHAINLESS_CHAINS=chains, COLUMNS="200"),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"the chain port 127.0.0.1:{chain_port} is taken" in result.stdout
    assert "CHAINLESS_START_LOCAL_CHAIN=false" in result.stdout


def test_the_public_url_is_where_the_server_listens_unless_set(tmp_path: Path) -> None:
    from chainless.platform.cli import served_at
    from chainless.platform.core.settings import Settings

    assert served_at(Settings(), "127.0.0.1", 8123).public_url == "http://127.0.0.1:8123"
    assert served_at(Settings(), "0.0.0.0", 8123).public_url == "http://localhost:8123"  # noqa: S104
    assert served_at(Settings(), "::1", 8123).public_url == "http://[::1]:8123"
    chosen = Settings(public_url="https://open.chainless.example")
    assert served_at(chosen, "0.0.0.0", 8123).public_url == "https://open.chainless.example"  # noqa: S104
