"""Background jobs of the apikeys feature, and how often the scheduler runs them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from chainless.platform.apikeys import repository
from chainless.platform.apikeys.service import EXPIRY_WARNING
from chainless.platform.apikeys.usage import usage_counter
from chainless.platform.audit import service as audit
from chainless.platform.core.clock import utcnow
from chainless.platform.core.jobs import job
from chainless.platform.core.services import JobScope
from chainless.platform.core.settings import Settings
from chainless.platform.mail import service as mail
from chainless.platform.models import Account, ApiKey, MiniProgram

FLUSH_USAGE = "apikeys.flush_usage"
EXPIRY_REMINDERS = "apikeys.expiry_reminders"
REMINDER_ACTION = "api_key.expiry_reminder_sent"

log = logging.getLogger("chainless.apikeys.tasks")


@job(FLUSH_USAGE, every=timedelta(minutes=1))
def flush_usage(scope: JobScope) -> None:
    """Move the counted calls into ``usage_count`` / ``last_used_at``.

    Counts taken from the counter go back to it if this transaction rolls back, so a failed run
    loses nothing and a retry applies them once. Not audited: this is bookkeeping of reads, not a
    change anyone made, and one event per minute would drown the audit log.
    """
    counter = usage_counter(scope.services)
    scope.session.connection()  # begin first: a transaction that never began never rolls back
    taken = counter.take()
    if not taken:
        return
    _on_rollback(scope.session, lambda: counter.restore(taken))
    repository.add_usage(scope.session, taken)


@job(EXPIRY_REMINDERS, every=timedelta(hours=1))
def expiry_reminders(scope: JobScope) -> None:
    """Email the developer once per key that expires within 14 days and was not rotated.

    The audit event recorded with the email marks the key as reminded (idempotent: a rerun, or a
    retry after a failure, finds it and sends nothing twice).
    """
    now = utcnow()
    due = repository.due_for_reminder(
        scope.session, now=now, until=now + EXPIRY_WARNING, action=REMINDER_ACTION
    )
    for key, app, developer in due:
        _remind(scope.session, scope.services.settings, key, app, developer, now)


def _remind(
    session: Session,
    settings: Settings,
    key: ApiKey,
    app: MiniProgram,
    developer: Account,
    now: datetime,
) -> None:
    days = max(0, (key.expires_at - now).days)
    mail.send(
        session,
        to=developer.email,
        kind="api_key_expiring",
        subject=f"API key {key.prefix} of {app.name} expires in {days} days",
        body=(
            f'The API key {key.prefix}... ("{key.name}", {key.environment}) of your mini-program '
            f"{app.name} ({app.app_id}) expires on {key.expires_at:%Y-%m-%d %H:%M} UTC.\n\n"
            f"API keys live {settings.api_key_ttl_days} days. Rotate it before then: the new "
            f"key works at once, and the old one keeps working for "
            f"{settings.api_key_rotation_overlap_hours} hours so you can switch without "
            f"downtime.\n\n"
            f"Console: {settings.public_url}/console/apps/{app.app_id}/api-keys\n"
            f"API: POST /api/v1/apps/{app.app_id}/api-keys/{key.id}/rotate\n"
        ),
    )
    audit.record(
        session,
        audit.SYSTEM,
        REMINDER_ACTION,
        target_type="api_key",
        target_id=key.id,
        app_id=app.app_id,
        summary=f"emailed {developer.email}: {key.prefix} expires soon",
        changes={"expires_at": [None, key.expires_at.isoformat()]},
    )


def _on_rollback(session: Session, undo: Callable[[], None]) -> None:
    """Call ``undo`` if this session's transaction rolls back (and not after it committed)."""
    armed = [True]

    def rolled_back(_session: Session) -> None:
        if armed[0]:
            armed[0] = False
            try:
                undo()
            except Exception:  # never mask the error that caused the rollback
                log.exception("could not undo after a rollback")

    def committed(_session: Session) -> None:
        armed[0] = False

    event.listen(session, "after_rollback", rolled_back)
    event.listen(session, "after_commit", committed)
