"""Keeping the catalog's index in step with what is listed (docs/catalog.md).

Listing an app (approval, relisting) publishes ``app.listed``; the handler sends the
``catalog.index_app`` job after the commit, which writes the entry from the approved version's
listing. Delisting removes the entry in the delisting's own transaction: it is gone from search
the moment the delisting commits. A periodic refresh recomputes popularity and repairs any
entry a lost job left behind. Every step is idempotent: it looks at the app's status now.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from chainless.oauth.popularity import authorizations_since
from chainless.platform.apps import listing as app_listing
from chainless.platform.apps import repository as apps
from chainless.platform.catalog import repository
from chainless.platform.catalog.matching import normalise
from chainless.platform.core import jobs
from chainless.platform.core.clock import utcnow
from chainless.platform.models import AppStatus, CatalogEntry, MiniProgram

INDEX_JOB = "catalog.index_app"
REFRESH_JOB = "catalog.refresh"
POPULARITY_WINDOW = timedelta(days=7)


def on_app_listed(session: Session, *, app_id: str, **_: Any) -> None:
    jobs.enqueue(session, INDEX_JOB, app_id=app_id)


def on_app_delisted(session: Session, *, app_id: str, **_: Any) -> None:
    repository.remove(session, app_id)


def slug_for(session: Session, app: MiniProgram, texts: dict[str, dict[str, str]]) -> str:
    """``<ascii name>-<first 6 of the app id>``; the app id alone for a name without Latin
    letters. The app id stays accepted wherever a slug is (``repository.entry_by_slug``)."""
    name = (texts.get("en") or {}).get("name") or app.name
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80]
    if not base:
        return app.app_id
    slug = f"{base}-{app.app_id[:6]}"
    return app.app_id if repository.slug_taken(session, slug, app.app_id) else slug


def _listing_of(session: Session, app: MiniProgram) -> dict[str, Any]:
    version = apps.version(session, app.app_id, app.version or "")
    if version is not None and version.listing:
        return version.listing
    # approved before listings were checked at submission: the app's own fields
    return {"category": app.category, "tags": app.tags, "texts": app_listing.default_texts(app)}


def _search_text(texts: dict[str, dict[str, str]], tags: list[str]) -> str:
    parts = [t.get("name", "") for t in texts.values()]
    parts += [t.get("short_description", "") for t in texts.values()]
    return normalise(" ".join([*parts, *tags]))


def build_entry(session: Session, app: MiniProgram) -> CatalogEntry:
    """The entry ``app`` has in the index (not saved: a delisted app's page shows it too)."""
    listing = _listing_of(session, app)
    texts, tags = listing["texts"], list(listing["tags"])
    since = utcnow() - POPULARITY_WINDOW
    popularity = authorizations_since(session, since, [app.app_id]).get(app.app_id, 0)
    return CatalogEntry(
        app_id=app.app_id,
        slug=slug_for(session, app, texts),
        version=app.version or "",
        category=listing["category"],
        tags=tags,
        texts=texts,
        icon_url=app.icon_url,
        search_text=_search_text(texts, tags),
        popularity=popularity,
        rating=None,
        listed_at=app.listed_at or utcnow(),
        indexed_at=utcnow(),
    )


def index_app(session: Session, app_id: str) -> bool:
    """Write the app's entry if it is online, remove it otherwise; True when it is listed."""
    app = apps.app_by_id(session, app_id)
    if app is None or app.status != AppStatus.ONLINE:
        repository.remove(session, app_id)
        return False
    repository.save(session, build_entry(session, app))
    return True


def refresh(session: Session) -> int:
    """Re-index every online app and drop entries of apps no longer online."""
    listed = set(apps.online_app_ids(session))
    for app_id in set(repository.app_ids(session)) - listed:
        repository.remove(session, app_id)
    for app_id in sorted(listed):
        index_app(session, app_id)
    return len(listed)
