"""The catalog's jobs: index one app after it is listed, refresh the whole index periodically."""

from __future__ import annotations

from datetime import timedelta

from chainless.platform.catalog import indexing
from chainless.platform.core.jobs import job
from chainless.platform.core.services import JobScope


@job(indexing.INDEX_JOB)
def index_app(scope: JobScope, app_id: str) -> None:
    """Sent after the commit of an approval or a relisting (searchable within seconds)."""
    indexing.index_app(scope.session, app_id)


@job(indexing.REFRESH_JOB, every=timedelta(minutes=10))
def refresh(scope: JobScope) -> None:
    """Popularity (authorizations in the last 7 days) moves; entries a lost job missed heal."""
    indexing.refresh(scope.session)
