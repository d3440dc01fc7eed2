"""Catalog: the listing a version was submitted with, and the search index of listed apps.

``app_versions.listing`` holds the listing checked at submission (docs/catalog.md).
``catalog_entries`` is the index, filled by the catalog's jobs: on PostgreSQL with a ``pg_trgm``
GIN index (typo tolerance, Chinese without a word breaker) and a GIN index of the ``simple``
text search vector (word prefixes); on SQLite with a companion FTS5 table using the trigram
tokenizer (SQLite 3.34 or later). Existing online apps are indexed by the catalog's periodic
refresh job after the upgrade.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from chainless.platform.models.base import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_versions") as batch:
        batch.add_column(sa.Column("listing", sa.JSON(), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "catalog_entries",
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("slug", sa.String(length=96), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("icon_url", sa.String(length=256), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("popularity", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Float(), nullable=True),
        sa.Column("listed_at", UTCDateTime(), nullable=False),
        sa.Column("indexed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["app_id"],
            ["mini_programs.app_id"],
            name=op.f("fk_catalog_entries_app_id_mini_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("app_id", name=op.f("pk_catalog_entries")),
        sa.UniqueConstraint("slug", name=op.f("uq_catalog_entries_slug")),
    )
    op.create_index(op.f("ix_catalog_entries_category"), "catalog_entries", ["category"])
    if postgres:
        op.execute(
            "CREATE INDEX ix_catalog_entries_search_trgm ON catalog_entries "
            "USING gin (search_text gin_trgm_ops)"
        )
        op.execute(
            "CREATE INDEX ix_catalog_entries_search_tsv ON catalog_entries "
            "USING gin (to_tsvector('simple'::regconfig, search_text))"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE catalog_fts USING fts5("
            "app_id UNINDEXED, search_text, tokenize='trigram')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_catalog_entries_search_tsv")
        op.execute("DROP INDEX IF EXISTS ix_catalog_entries_search_trgm")
    else:
        op.execute("DROP TABLE IF EXISTS catalog_fts")
    op.drop_index(op.f("ix_catalog_entries_category"), table_name="catalog_entries")
    op.drop_table("catalog_entries")
    with op.batch_alter_table("app_versions") as batch:
        batch.drop_column("listing")
