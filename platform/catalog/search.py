"""Catalog search: match, facet, sort and page the listed apps (docs/catalog.md).

The database narrows the index to candidates (``repository.candidates``), ``matching`` scores
them, then the facets count by category before the category filter, and a keyset cursor pages
through the sorted matches. The cursor carries the last item's sort key (and the app id, which
breaks every tie), so a page starts strictly after it: no duplicates and no gaps, even when
entries come and go between two pages.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from chainless.platform.apps.schemas import CATEGORIES
from chainless.platform.catalog import repository
from chainless.platform.catalog.matching import MAX_QUERY, Match, normalise, score
from chainless.platform.catalog.schemas import (
    CatalogAppOut,
    CategoryCount,
    HighlightOut,
    SearchOut,
    Sort,
)
from chainless.platform.core.errors import BadRequest, Unprocessable
from chainless.platform.models import CatalogEntry

SortKey = tuple[Any, ...]


@dataclass(frozen=True)
class Query:
    q: str = ""
    category: str | None = None
    tag: str | None = None
    sort: Sort = "relevance"
    cursor: str | None = None
    limit: int = 20
    lang: str = "en"


def _fields(entry: CatalogEntry) -> list[tuple[str, str, str]]:
    fields = []
    for language, text in entry.texts.items():
        fields.append(("name", language, text.get("name", "")))
        fields.append(("short_description", language, text.get("short_description", "")))
    fields += [("tag", "", tag) for tag in entry.tags]
    return fields


def _micros(entry: CatalogEntry) -> int:
    return int(entry.listed_at.timestamp() * 1_000_000)


def sort_key(sort: Sort, entry: CatalogEntry, match: Match) -> SortKey:
    """Ascending order of the results; the app id last, so no two entries tie."""
    if sort == "new":
        return (-_micros(entry), entry.app_id)
    if sort == "popular":
        return (-entry.popularity, -_micros(entry), entry.app_id)
    if sort == "rating":
        rated = entry.rating is not None
        return (0 if rated else 1, -(entry.rating or 0.0), -entry.popularity, entry.app_id)
    return (-match.score, -entry.popularity, -_micros(entry), entry.app_id)


def encode_cursor(sort: Sort, key: SortKey) -> str:
    raw = json.dumps([sort, *key], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: Sort, cursor: str) -> SortKey:
    bad = BadRequest("the cursor is not one this search gave out", code="invalid_cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(values, list) or not values or values[0] != sort:
        raise bad
    if not all(isinstance(v, int | float | str) for v in values[1:]):
        raise bad
    return tuple(values[1:])


def preferred_text(entry: CatalogEntry, lang: str) -> tuple[str, dict[str, str]]:
    if lang in entry.texts:
        return lang, entry.texts[lang]
    language = next(iter(sorted(entry.texts)), lang)
    return language, entry.texts.get(language, {})


def app_out(entry: CatalogEntry, lang: str, match: Match | None = None) -> CatalogAppOut:
    language, text = preferred_text(entry, lang)
    spans = match.spans if match is not None else {}
    return CatalogAppOut(
        app_id=entry.app_id,
        slug=entry.slug,
        name=text.get("name", ""),
        short_description=text.get("short_description", ""),
        language=language,
        names={k: v.get("name", "") for k, v in entry.texts.items()},
        category=entry.category,
        tags=list(entry.tags),
        icon_url=entry.icon_url,
        version=entry.version,
        popularity=entry.popularity,
        rating=entry.rating,
        listed_at=entry.listed_at,
        highlights=[
            HighlightOut(field=kind, language=lang_, spans=list(found))
            for (kind, lang_), found in sorted(spans.items())
        ],
    )


def _check(query: Query) -> None:
    if len(query.q) > MAX_QUERY:
        raise Unprocessable(
            f"q is at most {MAX_QUERY} characters", code="query_too_long", max_length=MAX_QUERY
        )
    if query.category is not None and query.category not in CATEGORIES:
        raise Unprocessable(
            f"unknown category {query.category!r}; one of: {', '.join(CATEGORIES)}",
            code="unknown_category",
            categories=list(CATEGORIES),
        )


def _matches(session: Session, q: str) -> list[tuple[CatalogEntry, Match]]:
    if not q:
        return [(entry, Match()) for entry in repository.all_entries(session)]
    found = []
    for entry in repository.candidates(session, q):
        match = score(q, _fields(entry))
        if match.score > 0:
            found.append((entry, match))
    return found


def search(session: Session, query: Query) -> SearchOut:
    _check(query)
    q = normalise(query.q)
    matches = _matches(session, q)
    if query.tag:
        matches = [(e, m) for e, m in matches if query.tag in e.tags]
    facets = Counter(entry.category for entry, _ in matches)
    total = len(matches)
    if query.category:
        matches = [(e, m) for e, m in matches if e.category == query.category]
    keyed = sorted(((sort_key(query.sort, e, m), e, m) for e, m in matches), key=lambda t: t[0])
    if query.cursor:
        after = decode_cursor(query.sort, query.cursor)
        try:
            keyed = [item for item in keyed if item[0] > after]
        except TypeError:  # a key of other types than this sort's
            raise BadRequest("the cursor does not fit this sort", code="invalid_cursor") from None
    page = keyed[: query.limit]
    more = len(keyed) > query.limit
    return SearchOut(
        items=[app_out(e, query.lang, m) for _, e, m in page],
        total=total,
        facets=[
            CategoryCount(category=c, count=n)
            for c, n in sorted(facets.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        next_cursor=encode_cursor(query.sort, page[-1][0]) if more and page else None,
    )
