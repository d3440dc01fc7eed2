"""Client reports of a release (loads and errors from the wallet or the SDK) and the automatic
rollback of a canary whose error rate is too high.

Counts are kept per release in the shared counters (Redis in production), for 30 days. Only the
canary's counts are kept: once at least ``canary_min_sample`` loads were reported and more than
``canary_error_threshold`` of them failed, the canary is cancelled (every user is back on the
current release at their next load) and the audit log says why.

Reports are unauthenticated (the wallet sends them for every user) and rate limited per IP, but
each one must carry the ticket the entry route issued for that canary load
(``report_tickets.py``), counted once: one load and at most one error. The threshold and the
minimum sample guard against noise; someone who wants to end a canary early must first make as
many entry requests as the sample needs, and can never change what is current.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chainless.deployer.models import Release
from chainless.deployer.releases import publish, report_tickets, repository
from chainless.deployer.releases.schemas import ReportIn, ReportOut
from chainless.platform.audit import service as audit
from chainless.platform.core.counters import Counters
from chainless.platform.core.errors import NotFound, Unprocessable
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
    secret_key: str,
    app_id: str,
    environment: str,
    body: ReportIn,
) -> ReportOut:
    channel = repository.channel(session, app_id, environment)
    if channel is None:
        raise NotFound(f"app {app_id} has no release in {environment}", code="no_release")
    loads = errors = refused = 0
    problem = ""
    for report in body.reports:
        try:
            ticket = report_tickets.verify(secret_key, app_id, environment, report.ticket)
        except report_tickets.TicketRefused as error:
            refused, problem = refused + 1, str(error)
            continue
        if ticket.release_id != channel.canary_release_id:
            continue  # a release no longer in canary: nothing to watch
        if not _first_use(counters, ticket):
            refused, problem = refused + 1, "already reported"
            continue
        loads, errors = loads + 1, errors + int(report.error)
    if refused == len(body.reports):
        raise Unprocessable(f"no report ticket accepted: {problem}", code="report_ticket_invalid")
    release = repository.release_by_id(session, channel.canary_release_id) if loads else None
    if release is None:
        return ReportOut(status="ignored", reason="no load of the canary", refused=refused)
    total_loads = _add(counters, _key(release, "loads"), loads)
    total_errors = _add(counters, _key(release, "errors"), errors)
    counted = ReportOut(status="counted", counted=loads, refused=refused)
    if (
        total_loads < settings.canary_min_sample
        or total_errors <= total_loads * settings.canary_error_threshold
    ):
        return counted
    reason = (
        f"client error rate {total_errors / total_loads:.1%} ({total_errors} errors in "
        f"{total_loads} loads) above {settings.canary_error_threshold:.1%}"
    )
    cancelled = _cancel(session, app_id, environment, release, reason)
    return cancelled.model_copy(update={"counted": loads, "refused": refused})


def _first_use(counters: Counters, ticket: report_tickets.Ticket) -> bool:
    key = f"release:{ticket.release_id}:ticket:{ticket.nonce}"
    return counters.incr(key, report_tickets.LIFETIME_SECONDS + 120) == 1


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
