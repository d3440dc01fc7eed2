"""Every query of releases.

Reads for a caller go through an app the caller was already allowed to see
(``apps.access.app_for``); the CDN's reads take the app id from a public URL and only ever
return what is published anyway.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chainless.deployer.models import Release, ReleaseChannel, ReleaseEvent
from chainless.platform.apps.semver import Version
from chainless.platform.core.clock import utcnow

RECENT_LIMIT = 50
HISTORY_LIMIT = 100


def channel_for_update(session: Session, app_id: str, environment: str) -> ReleaseChannel:
    """The environment's channel row, created if missing, locked until the transaction ends.

    Every change of the pointer happens under this lock, so two changes never interleave.
    """
    statement = (
        select(ReleaseChannel)
        .where(ReleaseChannel.app_id == app_id, ReleaseChannel.environment == environment)
        .with_for_update()
    )
    channel = session.scalars(statement).first()
    if channel is not None:
        return channel
    try:
        with session.begin_nested():
            session.add(ReleaseChannel(app_id=app_id, environment=environment, canary_percent=0))
    except IntegrityError:
        pass  # created meanwhile by another transaction
    return session.scalars(statement.execution_options(populate_existing=True)).one()


def channel(session: Session, app_id: str, environment: str) -> ReleaseChannel | None:
    return session.get(ReleaseChannel, (app_id, environment))


def release_by_id(session: Session, release_id: str | None) -> Release | None:
    return session.get(Release, release_id) if release_id else None


def release_by_version(
    session: Session, app_id: str, environment: str, version: str
) -> Release | None:
    return session.scalars(
        select(Release).where(
            Release.app_id == app_id,
            Release.environment == environment,
            Release.version == version,
        )
    ).first()


def highest_version(session: Session, app_id: str, environment: str) -> Version | None:
    versions = session.scalars(
        select(Release.version).where(Release.app_id == app_id, Release.environment == environment)
    ).all()
    return max((Version.parse(v) for v in versions), default=None)


def recent(
    session: Session, app_id: str, environment: str, limit: int = RECENT_LIMIT
) -> Sequence[Release]:
    return session.scalars(
        select(Release)
        .where(Release.app_id == app_id, Release.environment == environment)
        .order_by(Release.created_at.desc(), Release.id.desc())
        .limit(limit)
    ).all()


def add_release(session: Session, release: Release) -> Release:
    session.add(release)
    session.flush()
    return release


def add_event(
    session: Session,
    release: Release,
    action: str,
    *,
    actor: str,
    previous: Release | None = None,
    canary_percent: int = 0,
    reason: str = "",
) -> ReleaseEvent:
    event = ReleaseEvent(
        app_id=release.app_id,
        environment=release.environment,
        action=action,
        version=release.version,
        previous_version=previous.version if previous is not None else None,
        commit_sha=release.commit_sha,
        canary_percent=canary_percent,
        actor=actor[:64],
        reason=reason,
        at=utcnow(),
    )
    session.add(event)
    return event


def history(session: Session, app_id: str, environment: str) -> Sequence[ReleaseEvent]:
    return session.scalars(
        select(ReleaseEvent)
        .where(ReleaseEvent.app_id == app_id, ReleaseEvent.environment == environment)
        .order_by(ReleaseEvent.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()


def signed_by_other_key(session: Session, kid: str, limit: int) -> Sequence[Release]:
    """Releases whose manifest another key signed, locked (two runs never sign one twice)."""
    return session.scalars(
        select(Release)
        .where(Release.manifest_kid != kid)
        .order_by(Release.created_at.desc())
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
