"""The catalog's search index: one row per listed app (docs/catalog.md).

It is derived data, rebuilt from the apps and their approved versions by the catalog's jobs;
the system of record stays ``mini_programs`` and ``app_versions``. PostgreSQL searches it with
``pg_trgm`` (typos, Chinese) and the ``simple`` text search configuration (word prefixes); the
embedded SQLite default keeps a companion FTS5 table with the trigram tokenizer,
``catalog_fts``, made by the migration only on SQLite.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from chainless.platform.core.clock import utcnow
from chainless.platform.models.base import Base


class CatalogEntry(Base):
    __tablename__ = "catalog_entries"
    __table_args__ = (
        Index(
            "ix_catalog_entries_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        Index(
            "ix_catalog_entries_search_tsv",
            func.to_tsvector(literal_column("'simple'::regconfig"), literal_column("search_text")),
            postgresql_using="gin",
        ),
    )

    app_id: Mapped[str] = mapped_column(
        ForeignKey("mini_programs.app_id", ondelete="CASCADE"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(String(96), unique=True)
    version: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32), index=True)
    tags: Mapped[list[str]] = mapped_column(default=list)
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)  # language -> name, descriptions
    icon_url: Mapped[str] = mapped_column(String(256), default="")
    search_text: Mapped[str] = mapped_column(Text)  # names, short descriptions, tags; lower case
    popularity: Mapped[int] = mapped_column(default=0)  # authorizations in the last 7 days
    rating: Mapped[float | None] = mapped_column(Float)  # no ratings yet: always null
    listed_at: Mapped[datetime]
    indexed_at: Mapped[datetime] = mapped_column(default=utcnow)
