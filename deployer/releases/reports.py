"""Client reports of a release (loads and errors from the wallet or the SDK) and the automatic
rollback of a canary whose error rate is too high.

Counts are kept per release in the shared counters (Redis in production), for 30 days. Only the
canary's counts are kept: once at least ``canary_min_sample`` loads were reported and more than
``canary_error_threshold`` of them failed, the canary is cancelled (every user is back on the
current release at their next load) and the audit log says why.

Reports are unauthenticated (the wallet sends them for every user) and rate limited per IP; a
canary is a small share of users, so the threshold and the minimum sample are the guard against
noise. Someone who floods error reports can at worst stop a canary early, never change what is
current.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chainless.deployer.models import Release
from chainless.deployer.releases import publish, repository
from chainless.deployer.releases.schemas import ReportIn, ReportOut
from chainless.platform.audit import service as audit
from chainless.platform.core.counters import Counters
from chainless.platform.core.errors import NotFound
from chainless.platform.core.settings import DeployerSettings

TTL_SECONDS = 30 * 24 * 3600
SYSTEM = "system"


def _key(release: Release, what: str) -> str:
    return f"release:{release.id}:{what}"


def _add(counters: Counters, key: str, amount: int) -> int:
    return counters.incr(key, TTL_SECONDS, amount) if amount else counters.get(key)


def reset(counters: Counters, release: Release) -> None:
    counters.reset(_key(release, "loads"))
    counters.reset(_key(release, "errors"))


def receive(
    session: Session,
    counters: Counters,
    settings: DeployerSettings,
    app_id: str,
    environment: str,
    body: ReportIn,
) -> ReportOut:
    channel = repository.channel(session, app_id, environment)
    release = repository.release_by_version(session, app_id, environment, body.version)
    if channel is None or release is None:
        raise NotFound(f"no release {body.version} of {app_id} in {environment}", code="not_found")
    if channel.canary_release_id != release.id:
        return ReportOut(status="ignored", reason=f"{body.version} is not in canary")
    loads = _add(counters, _key(release, "loads"), body.loads)
    errors = _add(counters, _key(release, "errors"), body.errors)
    if loads < settings.canary_min_sample or errors <= loads * settings.canary_error_threshold:
        return ReportOut(status="counted")
    reason = (
        f"client error rate {errors / loads:.1%} ({errors} errors in {loads} loads) above "
        f"{settings.canary_error_threshold:.1%}"
    )
    return _cancel(session, app_id, environment, release, reason)


def _cancel(
    session: Session, app_id: str, environment: str, release: Release, reason: str
) -> ReportOut:
    channel = repository.channel_for_update(session, app_id, environment)
    if channel.canary_release_id != release.id:  # cancelled or promoted meanwhile
        return ReportOut(status="ignored", reason=f"{release.version} is no longer in canary")
    current = repository.release_by_id(session, channel.current_release_id)
    percent = channel.canary_percent
    publish.clear_canary(channel, SYSTEM)
    repository.add_event(
        session,
        release,
        "canary_cancelled",
        actor=SYSTEM,
        previous=current,
        canary_percent=percent,
        reason=reason,
    )
    audit.record(
        session,
        SYSTEM,
        "release.canary_auto_cancelled",
        target_type="release",
        target_id=release.id,
        app_id=app_id,
        summary=f"{environment}: canary {release.version} at {percent}% cancelled: {reason}",
        changes={"canary": [release.version, None]},
    )
    return ReportOut(status="canary_cancelled", reason=reason)
