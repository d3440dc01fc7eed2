"""Release use cases: the channel view, canary, promotion, rollback, history, client reports.

Every change locks the environment's channel row first (``repository.channel_for_update``), so
the pointer moves atomically and two changes never interleave; each one is appended to the
release history and to the audit log in the same transaction. Services never commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from chainless.deployer.models import Release, ReleaseChannel, ReleaseEvent
from chainless.deployer.releases import keys, publish, reports, repository
from chainless.deployer.releases import manifest as release_manifest
from chainless.deployer.releases.schemas import ChannelOut, ReleaseOut
from chainless.platform.apps import access
from chainless.platform.apps.semver import Version
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core.clock import utcnow
from chainless.platform.core.counters import Counters
from chainless.platform.core.errors import Conflict, NotFound
from chainless.platform.core.permissions import Permission
from chainless.platform.core.settings import Settings


def release_out(settings: Settings, release: Release, channel: ReleaseChannel | None) -> ReleaseOut:
    status = "published"
    if channel is not None and channel.current_release_id == release.id:
        status = "current"
    elif channel is not None and channel.canary_release_id == release.id:
        status = "canary"
    return ReleaseOut(
        version=release.version,
        status=status,
        deployment_id=release.deployment_id,
        commit_sha=release.commit_sha,
        bundle_hash=release.bundle_hash,
        site_url=settings.public_url + keys.site_path(release.app_id, release.bundle_hash)
        if release_manifest.has_frontend(release.bundle_hash)
        else None,
        manifest_url=settings.public_url + keys.manifest_path(release.manifest_key),
        created_by=release.created_by,
        created_at=release.created_at,
    )


def channel_view(
    session: Session, settings: Settings, principal: Principal, app_id: str, environment: str
) -> ChannelOut:
    app = access.app_for(session, principal, app_id, Permission.APP_READ)
    return _view(session, settings, app.app_id, environment)


def _view(session: Session, settings: Settings, app_id: str, environment: str) -> ChannelOut:
    """The channel as the caller sees it after a change (the change's check covers the read)."""
    channel = repository.channel(session, app_id, environment)
    releases = repository.recent(session, app_id, environment)
    by_id = {r.id: r for r in releases}

    def version_of(release_id: str | None) -> str | None:
        release = by_id.get(release_id or "") or repository.release_by_id(session, release_id)
        return release.version if release is not None else None

    return ChannelOut(
        app_id=app_id,
        environment=environment,
        current=version_of(channel.current_release_id) if channel else None,
        canary=version_of(channel.canary_release_id) if channel else None,
        canary_percent=channel.canary_percent if channel else 0,
        releases=[release_out(settings, r, channel) for r in releases],
    )


def release_of(
    session: Session, settings: Settings, principal: Principal, app_id: str, env: str, version: str
) -> ReleaseOut:
    app = access.app_for(session, principal, app_id, Permission.APP_READ)
    release = _release(session, app.app_id, env, version)
    return release_out(settings, release, repository.channel(session, app.app_id, env))


def _release(session: Session, app_id: str, environment: str, version: str) -> Release:
    release = repository.release_by_version(session, app_id, environment, version)
    if release is None:
        raise NotFound(
            f"no release {version} of app {app_id} in {environment}", code="release_not_found"
        )
    return release


def _locked(
    session: Session, principal: Principal, app_id: str, environment: str
) -> tuple[str, ReleaseChannel, Release | None]:
    app = access.app_for(session, principal, app_id, Permission.DEPLOY_REQUEST)
    channel = repository.channel_for_update(session, app.app_id, environment)
    return app.app_id, channel, repository.release_by_id(session, channel.current_release_id)


def _newer_than_current(release: Release, current: Release | None) -> None:
    if current is not None and not Version.parse(release.version) > Version.parse(current.version):
        raise Conflict(
            f"release {release.version} is not newer than the current {current.version}; "
            "use a rollback to go back",
            code="release_not_newer",
        )


def start_canary(
    session: Session,
    settings: Settings,
    counters: Counters,
    principal: Principal,
    app_id: str,
    environment: str,
    version: str,
    percent: int,
) -> ChannelOut:
    """Serve ``version`` to ``percent`` % of users (sticky by user); the share may only grow."""
    app_id, channel, current = _locked(session, principal, app_id, environment)
    release = _release(session, app_id, environment, version)
    if current is None:
        raise Conflict(
            f"{environment} has no current release for a canary to run beside; promote it",
            code="no_current_release",
        )
    if release.id == current.id:
        raise Conflict(f"release {version} is already current", code="release_already_current")
    _newer_than_current(release, current)
    if channel.canary_release_id not in (None, release.id):
        running = repository.release_by_id(session, channel.canary_release_id)
        raise Conflict(
            f"release {running.version if running else '?'} is in canary; promote or cancel it "
            "first",
            code="canary_in_progress",
        )
    if channel.canary_release_id == release.id and percent < channel.canary_percent:
        raise Conflict(
            f"the canary of {version} is at {channel.canary_percent}%; it may only grow "
            "(users once in stay in)",
            code="canary_percent_decrease",
            percent=channel.canary_percent,
        )
    before = channel.canary_percent if channel.canary_release_id == release.id else 0
    if before == 0:
        reports.reset(counters, release)  # a new canary starts counting from zero
    channel.canary_release_id = release.id
    channel.canary_percent = percent
    _touched(channel, principal.id)
    repository.add_event(
        session, release, "canary", actor=principal.id, previous=current, canary_percent=percent
    )
    _audit(session, principal, "release.canary", release, f"{version} to {percent}% ({before}%)")
    return _view(session, settings, app_id, environment)


def promote(
    session: Session,
    settings: Settings,
    principal: Principal,
    app_id: str,
    environment: str,
    version: str,
) -> ChannelOut:
    """Make ``version`` current for everyone (the canary, or a staged release)."""
    app_id, channel, current = _locked(session, principal, app_id, environment)
    release = _release(session, app_id, environment, version)
    if current is not None and release.id == current.id:
        raise Conflict(f"release {version} is already current", code="release_already_current")
    _newer_than_current(release, current)
    publish.switch(channel, release, actor=principal.id)
    repository.add_event(session, release, "promoted", actor=principal.id, previous=current)
    _audit(session, principal, "release.promoted", release, f"{version} is current")
    return _view(session, settings, app_id, environment)


def rollback(
    session: Session,
    settings: Settings,
    principal: Principal,
    app_id: str,
    environment: str,
    version: str | None,
) -> ChannelOut:
    """Switch at once to one of the last releases (by default the newest below the current)."""
    app_id, channel, current = _locked(session, principal, app_id, environment)
    window = repository.recent(session, app_id, environment, settings.deployer.rollback_window)
    candidates = [r for r in window if current is None or r.id != current.id]
    if version is not None:
        target = next((r for r in candidates if r.version == version), None)
        if target is None:
            raise Conflict(
                f"{version} is not one of the last {settings.deployer.rollback_window} releases "
                f"of {environment} other than the current one",
                code="rollback_target_unavailable",
            )
    else:
        below = [
            r
            for r in candidates
            if current is None or Version.parse(r.version) < Version.parse(current.version)
        ]
        target = max(below, key=lambda r: Version.parse(r.version), default=None)
        if target is None:
            raise Conflict(
                f"{environment} has no earlier release to roll back to",
                code="nothing_to_roll_back_to",
            )
    publish.switch(channel, target, actor=principal.id)
    repository.add_event(session, target, "rolled_back", actor=principal.id, previous=current)
    was = current.version if current is not None else "none"
    _audit(session, principal, "release.rolled_back", target, f"{was} → {target.version}")
    return _view(session, settings, app_id, environment)


def cancel_canary(
    session: Session, settings: Settings, principal: Principal, app_id: str, environment: str
) -> ChannelOut:
    app_id, channel, current = _locked(session, principal, app_id, environment)
    canary = repository.release_by_id(session, channel.canary_release_id)
    if canary is None:
        raise Conflict(f"{environment} has no canary", code="no_canary")
    publish.clear_canary(channel, principal.id)
    repository.add_event(
        session, canary, "canary_cancelled", actor=principal.id, previous=current, reason="manual"
    )
    _audit(session, principal, "release.canary_cancelled", canary, f"{canary.version} cancelled")
    return _view(session, settings, app_id, environment)


def history(
    session: Session, principal: Principal, app_id: str, environment: str
) -> Sequence[ReleaseEvent]:
    app = access.app_for(session, principal, app_id, Permission.APP_READ)
    return repository.history(session, app.app_id, environment)


def _touched(channel: ReleaseChannel, actor: str) -> None:
    channel.updated_at = utcnow()
    channel.updated_by = actor[:64]


def _audit(
    session: Session, actor: Principal | str, action: str, release: Release, summary: str
) -> None:
    audit.record(
        session,
        actor,
        action,
        target_type="release",
        target_id=release.id,
        app_id=release.app_id,
        summary=f"{release.environment}: {summary}",
    )
