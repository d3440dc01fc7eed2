"""Audit log retention: events older than ``settings.audit_retention_days`` are deleted.

The spec keeps key operations at least 180 days; the settings refuse anything shorter and the
database refuses to delete younger rows, so this job can only ever remove expired history.
It deletes one batch per run, in the run's own transaction, and sends itself again (after the
commit) while full batches keep coming, so a large backlog never holds one long transaction.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from chainless.platform.audit import repository
from chainless.platform.audit import service as audit
from chainless.platform.core.clock import utcnow
from chainless.platform.core.jobs import enqueue, job
from chainless.platform.core.services import JobScope

log = logging.getLogger("chainless.audit")

RETENTION_JOB = "audit.enforce_retention"
BATCH_SIZE = 5000
# Worker and database clocks may disagree a little; never ask the trigger for a row it guards.
CLOCK_MARGIN = timedelta(hours=1)


@job(RETENTION_JOB, max_retries=3, backoff_seconds=60.0, every=timedelta(days=1))
def enforce_retention(scope: JobScope, *, batch_size: int = BATCH_SIZE) -> None:
    days = scope.services.settings.audit_retention_days
    cutoff = utcnow() - timedelta(days=days) - CLOCK_MARGIN
    deleted = repository.delete_older_than(scope.session, cutoff, limit=batch_size)
    if deleted == 0:
        return
    log.info("audit retention deleted %d events older than %s", deleted, cutoff.isoformat())
    audit.record(
        scope.session,
        audit.SYSTEM,
        "audit.retention_enforced",
        target_type="audit_log",
        target_id=None,
        summary=f"deleted {deleted} events older than {days} days",
        changes={"deleted": [None, deleted], "cutoff": [None, cutoff.isoformat()]},
    )
    if deleted >= batch_size:
        enqueue(scope.session, RETENTION_JOB, batch_size=batch_size)
