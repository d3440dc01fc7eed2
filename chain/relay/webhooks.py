"""Status webhooks to the app backend, signed like Stripe-style webhooks with HMAC-SHA256.

The signed message is ``"<timestamp>.<body>"`` (RFC 2104 HMAC, SHA-256, hex) with the endpoint's
secret; receivers check the signature, refuse stale timestamps and deduplicate on the event id
(a delivery may arrive more than once if the receiver's answer is lost).

Headers: ``Chainless-Webhook-Id`` (event id), ``Chainless-Webhook-Timestamp`` (Unix seconds),
``Chainless-Webhook-Signature: v1=<hex>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from chainless.chain.models import WebhookDelivery, WebhookEndpoint
from chainless.chain.relay import repository
from chainless.oauth.keys import KeyCipher
from chainless.platform.alerts.service import raise_alert
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import Unprocessable
from chainless.platform.core.jobs import MAX_BACKOFF_SECONDS, RetryJob
from chainless.platform.core.security import new_token
from chainless.platform.core.services import Services
from chainless.platform.core.settings import Mode
from chainless.platform.outbound import DestinationRefused, OutboundError

ID_HEADER = "Chainless-Webhook-Id"
TIMESTAMP_HEADER = "Chainless-Webhook-Timestamp"
SIGNATURE_HEADER = "Chainless-Webhook-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
# Every event type, one per state a transaction reaches after ``received`` (docs/relay.md)
EVENT_TYPES = (
    "transaction.submitted",
    "transaction.stuck",
    "transaction.mined",
    "transaction.confirmed",
    "transaction.failed",
    "transaction.replaced",
    "transaction.dropped",
)
# The delivery job's backoff (``tasks.deliver_webhook``): retry n waits RETRY_BACKOFF * 2**(n-1)
RETRY_BACKOFF_SECONDS = 2.0


def receives(endpoint: WebhookEndpoint, event_type: str) -> bool:
    """Whether the endpoint wants this event: enabled, and subscribed to its type (or to all)."""
    return endpoint.enabled and (endpoint.events is None or event_type in endpoint.events)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _cipher(services: Services) -> KeyCipher:
    return KeyCipher(services.settings.secret_key)


def new_secret() -> str:
    return SECRET_PREFIX + new_token(32)


def seal_secret(services: Services, app_id: str, secret: str) -> str:
    return _cipher(services).seal(secret.encode(), f"webhook:{app_id}")


def open_secret(services: Services, endpoint: WebhookEndpoint) -> str:
    return _cipher(services).open(endpoint.secret_sealed, f"webhook:{endpoint.app_id}").decode()


def check_url(services: Services, url: str) -> str:
    """An absolute URL (in production https only) whose host resolves, now, to public addresses
    only, unless ``outbound.allow_private``: the same check every delivery repeats just before
    it connects (:mod:`chainless.platform.outbound`), refused early so the developer hears."""
    parts = urlsplit(url)
    production = services.settings.mode is Mode.PRODUCTION
    allowed = {"https"} if production else {"https", "http"}
    if parts.scheme not in allowed or not parts.hostname:
        raise Unprocessable(
            f"the webhook URL must be an absolute {' or '.join(sorted(allowed))} URL",
            code="invalid_webhook_url",
            field="url",
        )
    try:
        services.outbound.destination(url)
    except DestinationRefused as refused:
        raise Unprocessable(
            f"the webhook URL cannot be used: {refused}",
            code="invalid_webhook_url",
            field="url",
            reason=refused.reason,
        ) from None
    return url


def deliver(services: Services, session: Session, delivery_id: str) -> None:
    """Send one event; retried with exponential backoff by the job runner until delivered.

    Through the guarded client: the URL's host is resolved and checked again right before the
    connection (its DNS may have changed since registration), redirects are not followed (a
    3xx is a failed attempt), and the answer is capped in size and time."""
    delivery = repository.locked_delivery(session, delivery_id)
    if delivery is None or delivery.delivered_at is not None or delivery.abandoned_at is not None:
        return
    endpoint = repository.webhook_endpoint(session, delivery.app_id)
    if endpoint is None:
        delivery.abandoned_at = utcnow()
        delivery.last_error = "the app has no webhook endpoint any more"
        delivery.next_attempt_at = None
        return
    if not endpoint.enabled:
        delivery.abandoned_at = utcnow()
        delivery.last_error = "the webhook endpoint is disabled"
        delivery.next_attempt_at = None
        return
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        ID_HEADER: delivery.id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(open_secret(services, endpoint), timestamp, body),
    }
    delivery.attempts += 1
    settings = services.settings.relay
    try:
        response = services.outbound.post(
            endpoint.url, content=body, headers=headers, timeout=settings.webhook_timeout_seconds
        )
    except OutboundError as error:
        _failed(session, delivery, None, f"{error.reason}: {error}", settings.webhook_retries)
        return
    if 200 <= response.status_code < 300:
        delivery.delivered_at = utcnow()
        delivery.last_status = response.status_code
        delivery.last_error = None
        delivery.next_attempt_at = None
        return
    _failed(
        session,
        delivery,
        response.status_code,
        f"HTTP {response.status_code}",
        settings.webhook_retries,
    )


def _failed(
    session: Session, delivery: WebhookDelivery, status: int | None, error: str, retries: int
) -> None:
    delivery.last_status = status
    delivery.last_error = error[:512]
    if delivery.attempts > retries:
        delivery.abandoned_at = utcnow()
        delivery.next_attempt_at = None
        raise_alert(
            session,
            kind="relay.webhook_abandoned",
            subject=delivery.app_id,
            summary=f"webhook event {delivery.id} undeliverable after {delivery.attempts} tries",
            app_id=delivery.app_id,
            details={"event_id": delivery.id, "last_error": delivery.last_error},
        )
        return
    delay = min(RETRY_BACKOFF_SECONDS * 2 ** (delivery.attempts - 1), MAX_BACKOFF_SECONDS)
    delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
    raise RetryJob(f"webhook delivery {delivery.id} failed: {error}")
