"""The catalog's use cases: search (``search``) and the app page."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chainless.platform.apps import repository as apps
from chainless.platform.catalog import indexing, profile, repository
from chainless.platform.catalog.schemas import AppPageOut
from chainless.platform.catalog.search import app_out
from chainless.platform.core.errors import NotFound
from chainless.platform.core.services import Services
from chainless.platform.models import AppStatus


def app_page(services: Services, session: Session, slug: str, lang: str) -> AppPageOut:
    """A listed app by slug (or app id); a delisted one by app id, with its block verdict,
    so a wallet that still holds a link learns why it is gone. Anything else is a 404."""
    entry = repository.entry_by_slug(session, slug)
    app = apps.app_by_id(session, entry.app_id if entry else slug)
    if app is None or app.status not in (AppStatus.ONLINE, AppStatus.DELISTED):
        raise NotFound(f"no app {slug!r} in the catalog", code="app_not_found")
    if entry is None:
        if app.status != AppStatus.DELISTED:
            raise NotFound(f"no app {slug!r} in the catalog", code="app_not_found")
        entry = indexing.build_entry(session, app)
    security = profile.security_profile(services, session, app)
    return AppPageOut(
        app=app_out(entry, lang),
        descriptions={k: v.get("description", "") for k, v in entry.texts.items()},
        updated_at=max(
            [entry.listed_at, *([security.release.released_at] if security.release else [])]
        ),
        listed=app.status == AppStatus.ONLINE,
        security=security,
        risk=profile.risk(session, app, security),
    )
