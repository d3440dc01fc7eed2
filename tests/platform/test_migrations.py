"""The migrations go up, down and up again on both databases, and leave nothing behind."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest
from alembic import command
from sqlalchemy import inspect

from chainless.platform.core.db import make_engine
from chainless.platform.core.migrate import alembic_config

PG_ADMIN = os.environ.get("CHAINLESS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _round_trip(url: str) -> None:
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = make_engine(url, pool_size=1)
    tables = set(inspect(engine).get_table_names())
    assert {"accounts", "mini_programs", "user_authorizations", "audit_events", "alerts"} <= tables
    engine.dispose()
    command.downgrade(config, "base")
    engine = make_engine(url, pool_size=1)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(config, "head")


@pytest.mark.portable
def test_sqlite_round_trip(tmp_path: Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'round.db'}")


def test_postgres_round_trip() -> None:
    name = f"chainless_migrations_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        _round_trip(
            PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
            + f"/{name}"
        )
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
