"""Every query of the catalog's index (``catalog_entries``, and ``catalog_fts`` on SQLite).

The index holds listed apps only: an entry is written when an app is listed (a job) and removed
in the delisting's own transaction, so a reader never needs the apps' tables to know what is
listed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String, column, delete, func, literal, or_, select, text
from sqlalchemy.orm import Session

from chainless.platform.catalog.matching import FUZZY_THRESHOLD, query_trigrams
from chainless.platform.models import CatalogEntry

MAX_CANDIDATES = 2000


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def entry(session: Session, app_id: str) -> CatalogEntry | None:
    return session.get(CatalogEntry, app_id)


def entry_by_slug(session: Session, slug: str) -> CatalogEntry | None:
    """By its slug, or by the app id (which stays when a rename changes the slug)."""
    statement = select(CatalogEntry).where(
        or_(CatalogEntry.slug == slug, CatalogEntry.app_id == slug)
    )
    return session.scalars(statement.limit(1)).first()


def slug_taken(session: Session, slug: str, app_id: str) -> bool:
    statement = select(CatalogEntry.app_id).where(
        CatalogEntry.slug == slug, CatalogEntry.app_id != app_id
    )
    return session.scalars(statement).first() is not None


def save(session: Session, row: CatalogEntry) -> None:
    session.merge(row)
    if _sqlite(session):
        session.execute(text("DELETE FROM catalog_fts WHERE app_id = :a"), {"a": row.app_id})
        session.execute(
            text("INSERT INTO catalog_fts (app_id, search_text) VALUES (:a, :t)"),
            {"a": row.app_id, "t": row.search_text},
        )


def remove(session: Session, app_id: str) -> None:
    session.execute(delete(CatalogEntry).where(CatalogEntry.app_id == app_id))
    if _sqlite(session):
        session.execute(text("DELETE FROM catalog_fts WHERE app_id = :a"), {"a": app_id})


def all_entries(session: Session) -> Sequence[CatalogEntry]:
    """Every entry, for a search without ``q``; past the cap, the most popular ones."""
    order = (CatalogEntry.popularity.desc(), CatalogEntry.listed_at.desc(), CatalogEntry.app_id)
    return session.scalars(select(CatalogEntry).order_by(*order).limit(MAX_CANDIDATES)).all()


def app_ids(session: Session) -> list[str]:
    return list(session.scalars(select(CatalogEntry.app_id)))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def candidates(session: Session, query: str) -> Sequence[CatalogEntry]:
    """Entries that may match ``query`` (normalised); ``matching.score`` has the last word.

    PostgreSQL: a substring (``ILIKE``, served by the trigram GIN index from three
    characters), a word prefix (``simple`` text search, its GIN index) or a trigram word
    similarity (typos). SQLite: any of the query's trigrams in the FTS5 trigram index, or for
    queries under three characters (two Chinese characters) a substring.
    """
    pattern = f"%{_escape_like(query)}%"
    if _sqlite(session):
        grams = query_trigrams(query)
        if not grams:
            statement = select(CatalogEntry).where(
                CatalogEntry.search_text.like(pattern, escape="\\")
            )
        else:
            match = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
            ids = text("SELECT app_id FROM catalog_fts WHERE catalog_fts MATCH :m")
            statement = select(CatalogEntry).where(
                or_(
                    CatalogEntry.app_id.in_(
                        ids.bindparams(m=match).columns(column("app_id", String))
                    ),
                    CatalogEntry.search_text.like(pattern, escape="\\"),
                )
            )
        return session.scalars(statement.limit(MAX_CANDIDATES)).all()
    words = [w for w in query.split() if w.isalnum()]
    conditions = [
        CatalogEntry.search_text.ilike(pattern, escape="\\"),
        func.word_similarity(literal(query), CatalogEntry.search_text) >= FUZZY_THRESHOLD,
    ]
    if words:
        tsquery = " & ".join(f"{w}:*" for w in words)
        vector = func.to_tsvector(text("'simple'::regconfig"), CatalogEntry.search_text)
        conditions.append(
            vector.op("@@")(func.to_tsquery(text("'simple'::regconfig"), literal(tsquery)))
        )
    statement = select(CatalogEntry).where(or_(*conditions))
    return session.scalars(statement.limit(MAX_CANDIDATES)).all()
