"""Shared benchmark plumbing: a scratch PostgreSQL database, a `chainless serve` subprocess, and
the load generator run as a separate process."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("CHAINLESS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("CHAINLESS_BENCH_REDIS", "redis://127.0.0.1:6379/13")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scratch_database(name: str) -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def drop_database(name: str) -> None:
    """Drop a scratch database once its run is over (runs named per run would pile up)."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "CHAINLESS_MODE": "test",
            "CHAINLESS_DATABASE_URL": database_url,
            "CHAINLESS_REDIS_URL": REDIS,
            "CHAINLESS_LOG_LEVEL": "WARNING",
            "CHAINLESS_START_LOCAL_CHAIN": "false",
            # the benchmark measures throughput, not the per-client limits
            "CHAINLESS_RATE_LIMITS__PER_IP_PER_MINUTE": "100000000",
            "CHAINLESS_RATE_LIMITS__PER_APP_PER_MINUTE": "100000000",
            "CHAINLESS_MAX_APPS_PER_DEVELOPER": "1000000",
            "CHAINLESS_DATABASE_POOL_SIZE": "8",
        }
    )
    return env


@dataclass
class Server:
    """A running ``chainless serve``: where it answers and its process (uvicorn's supervisor)."""

    base: str
    process: subprocess.Popen[bytes]


@contextmanager
def serve_process(
    env: dict[str, str], *, workers: int = 2, log_path: Path | None = None
) -> Iterator[Server]:
    """Migrate, then serve on a free port whose URL is the platform's public URL (the OAuth
    server checks SIWE domains and builds its URIs from it). The server's output goes to
    ``log_path`` (kept) or to a temporary file."""
    subprocess.run(
        [str(VENV_BIN / "chainless"), "db", "upgrade"], env=env, check=True, capture_output=True
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "CHAINLESS_PUBLIC_URL": base}
    # the log goes to a file, not a pipe: a chatty server must never block on a full pipe
    with log_path.open("w+b") if log_path else tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "chainless"), "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        try:
            _wait_healthy(base, log)
            yield Server(base, process)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _wait_healthy(base: str, log: Any) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    log.seek(0)
    raise RuntimeError("the server did not start:\n" + log.read().decode()[-3000:])


@contextmanager
def served(env: dict[str, str], *, workers: int = 2) -> Iterator[str]:
    with serve_process(env, workers=workers) as server:
        yield server.base


def load(
    url: str,
    *,
    method: str = "GET",
    headers: list[str] | None = None,
    body: str = "",
    bodies: list[str] | None = None,
    content_type: str = "application/json",
    requeue: tuple[int, ...] = (),
    forwarded_for: int = 0,
    concurrency: int = 50,
    duration: float = 10.0,
    warmup: float = 2.0,
) -> dict[str, Any]:
    """Run bench/loadgen.py in its own process; see its docstring for the options."""
    command = [
        sys.executable,
        str(ROOT / "bench" / "loadgen.py"),
        url,
        "--method",
        method,
        "--concurrency",
        str(concurrency),
        "--duration",
        str(duration),
        "--warmup",
        str(warmup),
        "--content-type",
        content_type,
        "--forwarded-for",
        str(forwarded_for),
    ]
    for header in headers or []:
        command += ["--header", header]
    for status in requeue:
        command += ["--requeue", str(status)]
    if body:
        command += ["--body", body]
    with tempfile.NamedTemporaryFile("w", suffix=".bodies", encoding="utf-8") as file:
        if bodies is not None:
            assert all("\n" not in b for b in bodies), "a body must fit on one line"
            file.write("\n".join(bodies) + "\n")
            file.flush()
            command += ["--bodies", file.name]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out))


def verification_token(database_url: str, email: str) -> str:
    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as connection:
        row = connection.execute(
            "SELECT body FROM outbox_emails WHERE to_address = %s ORDER BY created_at DESC LIMIT 1",
            (email,),
        ).fetchone()
    assert row, f"no verification mail for {email}"
    match = re.search(r"verify-email\?token=([\w-]+)", row[0])
    assert match
    return match.group(1)


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}"


def postgres_connections() -> dict[str, int]:
    """Connections in use per database, and the server's limit: other runs on a shared machine
    hold connections too, and a server that cannot get one answers 500."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT coalesce(datname, '-'), count(*) FROM pg_stat_activity GROUP BY 1"
        ).fetchall()
        limit = admin.execute("SHOW max_connections").fetchone()
    return {"max_connections": int(limit[0]) if limit else 0, **{str(d): int(n) for d, n in rows}}


def load_average() -> list[float]:
    """1, 5 and 15-minute load averages: the machine is shared, so report them with the figures."""
    return [round(x, 2) for x in os.getloadavg()]


SEED_PASSWORD = "bench-Strong-password-1"


@dataclass(frozen=True)
class OnlineApp:
    app_id: str
    client_secret: str
    redirect_uri: str
    developer_token: str = ""  # the developer's bearer token, to configure the app further


def create_operator(env: dict[str, str]) -> tuple[str, str]:
    """The first platform operator, made by the CLI as an operator would be."""
    email = f"operator-{uuid.uuid4().hex[:8]}@example.com"
    subprocess.run(
        [
            str(VENV_BIN / "chainless"),
            "create-admin",
            "--email",
            email,
            "--password",
            SEED_PASSWORD,
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    return email, SEED_PASSWORD


def seed_online_app(
    base: str,
    env: dict[str, str],
    database_url: str,
    *,
    scopes: tuple[str, ...] = ("basic:address", "basic:user_id"),
    redirect_uri: str = "https://bench.example.com/callback",
) -> OnlineApp:
    """An app through the whole platform story over HTTP: a qualified developer creates it, an
    operator approves its first version, and it is online, i.e. an OAuth client."""
    operator_email, operator_password = create_operator(env)
    email = f"bench-dev-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=base, timeout=30) as client:

        def ok(response: httpx.Response) -> dict[str, Any]:
            assert response.is_success, f"{response.request.url}: {response.text}"
            return dict(response.json())

        def bearer(login: str, password: str) -> dict[str, str]:
            answer = ok(
                client.post("/api/v1/auth/tokens", json={"email": login, "password": password})
            )
            return {"Authorization": f"Bearer {answer['access_token']}"}

        ok(client.post("/api/v1/accounts", json={"email": email, "password": SEED_PASSWORD}))
        token = verification_token(database_url, email)
        ok(client.post("/api/v1/accounts/verify-email", json={"token": token}))
        developer = bearer(email, SEED_PASSWORD)
        operator = bearer(operator_email, operator_password)
        qualification = ok(
            client.post(
                "/api/v1/developer/qualification",
                headers=developer,
                json={
                    "organization_name": "Bench Labs",
                    "registration_number": "REG-1",
                    "country": "SG",
                    "contact_name": "Ada",
                },
            )
        )
        ok(
            client.post(
                f"/api/v1/admin/qualifications/{qualification['id']}/decision",
                headers=operator,
                json={"decision": "approve"},
            )
        )
        created = ok(
            client.post(
                "/api/v1/apps",
                headers=developer,
                json={
                    "name": "Bench Swap",
                    "description": "an OAuth client for the benchmark",
                    "category": "defi",
                    "redirect_uris": [redirect_uri],
                    "requested_scopes": list(scopes),
                },
            )
        )
        app_id = created["app_id"]
        version = {"version": "1.0.0"}
        ok(client.post(f"/api/v1/apps/{app_id}/versions", headers=developer, json=version))
        ok(client.post(f"/api/v1/apps/{app_id}/submit", headers=developer, json=version))
        ok(
            client.post(
                f"/api/v1/admin/apps/{app_id}/review",
                headers=operator,
                json={"decision": "approve"},
            )
        )
    token = developer["Authorization"].removeprefix("Bearer ")
    return OnlineApp(app_id, created["client_secret"], redirect_uri, token)


_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # the fields after "pid (comm)"


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (uvicorn's workers below its supervisor)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def postgres_backends(database: str) -> list[int]:
    """The server processes serving connections to ``database`` (this machine's PostgreSQL)."""
    backends = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if command.startswith("postgres:") and f" {database} " in command:
            backends.append(int(entry.name))
    return backends


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time each process has used so far (vanished ones are left out)."""
    used = {}
    for pid in pids:
        fields = _stat(pid)
        if fields:
            used[pid] = (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime
    return used


@dataclass
class CpuMeter:
    """CPU seconds used by the server's workers and by its PostgreSQL backends over a run: per
    request, they are a cost that does not depend on how busy the shared machine is."""

    server_pid: int
    database: str

    def snapshot(self) -> tuple[dict[int, float], dict[int, float]]:
        return (
            cpu_seconds(descendants(self.server_pid)),
            cpu_seconds(postgres_backends(self.database)),
        )

    def per_request_ms(
        self, before: tuple[dict[int, float], dict[int, float]], requests: int
    ) -> dict[str, float]:
        after = self.snapshot()
        used = [sum(a[p] - b.get(p, 0.0) for p in a) for a, b in zip(after, before, strict=True)]
        count = max(1, requests)
        return {
            "server_cpu_ms": round(1000 * used[0] / count, 3),
            "postgres_cpu_ms": round(1000 * used[1] / count, 3),
        }
