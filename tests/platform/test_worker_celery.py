"""A real Celery worker process on Redis, running jobs against its own PostgreSQL database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from redis import Redis

from chainless.platform import assembly
from chainless.platform.core.clock import utcnow
from chainless.platform.core.jobs import enqueue
from chainless.platform.core.migrate import upgrade
from chainless.platform.core.services import Services, build_services
from chainless.platform.core.settings import Settings
from chainless.platform.mail import service as mail
from chainless.platform.models import AuditEvent, OutboxEmail
from chainless.platform.worker import CeleryJobRunner
from tests.conftest import PG_ADMIN, REDIS_URL

pytestmark = pytest.mark.slow

BROKER = f"{REDIS_URL}/15"
TIMEOUT = 60.0


@pytest.fixture
def worker_database() -> Iterator[str]:
    """A fresh database of its own: the worker commits for real, outside any test transaction."""
    name = f"chainless_celery_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def broker() -> Iterator[Redis]:
    client = Redis.from_url(BROKER)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def worker(worker_database: str, broker: Redis, tmp_path: Path) -> Iterator[Path]:
    """``celery -A chainless.platform.worker worker`` configured only by its environment."""
    env = os.environ | {
        "CHAINLESS_DATABASE_URL": worker_database,
        "CHAINLESS_REDIS_URL": BROKER,
        "CHAINLESS_TASK_RUNNER": "celery",
        "CHAINLESS_MODE": "test",
        "CHAINLESS_DATA_DIR": str(tmp_path / "data"),
        "CHAINLESS_LOG_JSON": "false",
    }
    log = tmp_path / "worker.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "chainless.platform.worker",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--loglevel=INFO",
        f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log.open("wb") as output:
        # cwd: a folder without a .env, so only the environment above configures the worker
        process = subprocess.Popen(
            command,
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield log
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Warm shutdown first, then kill the worker's whole process group (it forks a child)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def wait_for(condition: Callable[[], bool], log: Path, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} within {TIMEOUT:.0f}s; worker log:\n{log.read_text()[-4000:]}")


def sender(database_url: str, tmp_path: Path) -> Services:
    """The api side: its job runner is the Celery one, chosen by the settings."""
    assembly.install()
    settings = Settings(
        mode="test",
        database_url=database_url,
        redis_url=BROKER,
        task_runner="celery",
        data_dir=tmp_path / "api-data",
        start_local_chain=False,
        log_json=False,
    )
    return build_services(settings)


def test_a_worker_process_runs_jobs_sent_after_the_commit(
    worker: Path, worker_database: str, tmp_path: Path
) -> None:
    services = sender(worker_database, tmp_path)
    try:
        assert isinstance(services.job_runner, CeleryJobRunner)
        with services.transaction() as session:
            message = mail.send(
                session, to="ada@example.com", subject="Hello", body="From a worker", kind="test"
            )
            expired = AuditEvent(
                actor_type="system",
                action="test.expired",
                target_type="test",
                occurred_at=utcnow() - timedelta(days=400),
            )
            session.add(expired)
            session.flush()
            enqueue(session, "audit.enforce_retention")
        message_id, expired_id = message.id, expired.id

        def delivered() -> bool:
            with services.transaction() as session:
                row = session.get(OutboxEmail, message_id)
                return row is not None and row.status == "stored"

        def purged() -> bool:
            with services.transaction() as session:
                return session.get(AuditEvent, expired_id) is None

        wait_for(delivered, worker, "the worker did not deliver the outbox message")
        wait_for(purged, worker, "the worker did not enforce the audit retention")
        with services.transaction() as session:
            row = session.get(OutboxEmail, message_id)
            assert row is not None
            assert row.sent_at is not None
    finally:
        services.close()
