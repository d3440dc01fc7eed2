"""Alembic environment: one set of migrations for PostgreSQL and SQLite.

Batch mode lets the same ``op.alter_column`` calls work on SQLite; every PostgreSQL migration runs
in its own transaction under a session lock timeout, so a migration never queues behind a long query
while blocking everything behind it.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from chainless.platform.core.db import make_engine
from chainless.platform.registry import metadata

LOCK_TIMEOUT = "5s"

config = context.config


def _url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return str(url)
    from chainless.platform.core.settings import Settings

    return Settings().database_url


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """The SQLite FTS5 table of the catalog (and its shadow tables) has no model: the
    migration alone makes it (``models.catalog``)."""
    return not (type_ == "table" and (name or "").startswith("catalog_fts"))


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=_include_name,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
        compare_type=True,
    )


def _on_migration_start(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SET lock_timeout = '{LOCK_TIMEOUT}'"))


def _run(connection: Connection) -> None:
    _on_migration_start(connection)
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), pool_size=1)
    with engine.connect() as connection:
        _run(connection)
        connection.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit(
        "offline (SQL script) migrations are not supported; run `chainless db upgrade`"
    )
run_migrations_online()
