"""Background jobs of the relay: the broadcast, the tracking pass, webhook deliveries."""

from __future__ import annotations

from datetime import timedelta

from chainless.chain.relay import broadcasting, repository, tracking, webhooks
from chainless.chain.relay.relayers import nonces
from chainless.platform.core.jobs import job
from chainless.platform.core.services import JobScope

BROADCAST = "relay.broadcast"
TRACK = "relay.track"
DELIVER_WEBHOOK = "relay.deliver_webhook"
RESYNC_RELAYERS = "relay.resync_relayers"
SEND_REPLACEMENT = "relay.send_replacement"


@job(BROADCAST, max_retries=8, backoff_seconds=1.0)
def broadcast(scope: JobScope, transaction_id: str) -> None:
    """Send one accepted transaction; idempotent (see ``broadcasting``)."""
    tx = repository.locked(scope.session, transaction_id)
    if tx is not None:
        broadcasting.broadcast(scope.services, scope.session, tx)


@job(SEND_REPLACEMENT, max_retries=8, backoff_seconds=1.0)
def send_replacement(scope: JobScope, transaction_id: str, tx_hash: str) -> None:
    """Send a fee-bumped replacement of a stuck sponsored transaction (see ``replacing``)."""
    tx = repository.locked(scope.session, transaction_id)
    if tx is not None:
        broadcasting.send_replacement(scope.services, tx, tx_hash)


@job(TRACK, max_retries=0, every=timedelta(seconds=3))
def track(scope: JobScope) -> None:
    """One tracking pass; the next one comes with the schedule."""
    tracking.track(scope.services, scope.session)


@job(DELIVER_WEBHOOK, max_retries=10, backoff_seconds=webhooks.RETRY_BACKOFF_SECONDS)
def deliver_webhook(scope: JobScope, delivery_id: str) -> None:
    webhooks.deliver(scope.services, scope.session, delivery_id)


@job(RESYNC_RELAYERS, max_retries=0, every=timedelta(minutes=1))
def resync_relayers(scope: JobScope) -> None:
    """Relayer nonces back in step with the chains after a restart (see ``relayers.nonces``)."""
    nonces.resync_all(scope.services, scope.session)
