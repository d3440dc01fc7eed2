"""An app's relay configuration, managed by its developer: the relay policy (spec 3.2.1 limits)
and the webhook endpoint for status events."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from chainless.chain.models import RelayPolicy, WebhookEndpoint
from chainless.chain.relay import repository, webhooks
from chainless.chain.relay.console_schemas import WebhookPatch, WebhookSecret
from chainless.chain.relay.rules import FIELDS, PolicyValues, effective_policy
from chainless.chain.relay.schemas import (
    PolicyIn,
    PolicyOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
)
from chainless.platform.apps.access import app_for
from chainless.platform.audit import service as audit
from chainless.platform.auth.principal import Principal
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import NotFound
from chainless.platform.core.permissions import Permission
from chainless.platform.core.services import Services


def policy_out(values: PolicyValues) -> PolicyOut:
    data = {f: getattr(values, f) for f in FIELDS}
    return PolicyOut(
        **{k: (str(v) if k.endswith("_wei") else v) for k, v in data.items()},
        custom=values.custom,
    )


def get_policy(
    services: Services, session: Session, principal: Principal, app_id: str
) -> PolicyOut:
    app = app_for(session, principal, app_id, Permission.APP_READ)
    row = repository.policy_of(session, app.app_id)
    return policy_out(effective_policy(row, services.settings.relay))


def put_policy(
    services: Services, session: Session, principal: Principal, app_id: str, body: PolicyIn
) -> PolicyOut:
    app = app_for(session, principal, app_id, Permission.APP_WRITE)
    values = {f: int(getattr(body, f)) for f in FIELDS}
    row = repository.policy_of(session, app.app_id)
    if row is None:
        row = RelayPolicy(app_id=app.app_id, **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    row.updated_at = utcnow()
    row.updated_by = principal.id
    audit.record(
        session,
        principal,
        "relay.policy_updated",
        target_type="app",
        target_id=app.app_id,
        app_id=app.app_id,
        summary="relay policy updated",
        changes={k: [None, str(v)] for k, v in values.items()},
    )
    return policy_out(effective_policy(row, services.settings.relay))


def webhook_out(endpoint: WebhookEndpoint) -> WebhookOut:
    return WebhookOut(
        url=endpoint.url,
        events=list(endpoint.events or webhooks.EVENT_TYPES),
        enabled=endpoint.enabled,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
    )


def _events(chosen: Sequence[str] | None) -> list[str] | None:
    """Stored in the order of ``EVENT_TYPES``; every type chosen is stored as ``None`` (all,
    and the types added later too)."""
    if chosen is None or set(webhooks.EVENT_TYPES) <= set(chosen):
        return None
    return [e for e in webhooks.EVENT_TYPES if e in chosen]


def put_webhook(
    services: Services, session: Session, principal: Principal, app_id: str, body: WebhookIn
) -> WebhookCreated:
    """Set the endpoint with a fresh signing secret (shown once in the answer)."""
    app = app_for(session, principal, app_id, Permission.APP_WRITE)
    url = webhooks.check_url(services, body.url)
    secret = webhooks.new_secret()
    now = utcnow()
    endpoint = repository.webhook_endpoint(session, app.app_id)
    sealed = webhooks.seal_secret(services, app.app_id, secret)
    if endpoint is None:
        endpoint = WebhookEndpoint(app_id=app.app_id, url=url, secret_sealed=sealed, created_at=now)
        session.add(endpoint)
    else:
        endpoint.url, endpoint.secret_sealed = url, sealed
    endpoint.events, endpoint.enabled = _events(body.events), body.enabled
    endpoint.updated_at = now
    audit.record(
        session,
        principal,
        "relay.webhook_set",
        target_type="app",
        target_id=app.app_id,
        app_id=app.app_id,
        summary=f"webhook endpoint set to {url}",
    )
    return WebhookCreated(**webhook_out(endpoint).model_dump(), secret=secret)


def patch_webhook(
    services: Services, session: Session, principal: Principal, app_id: str, body: WebhookPatch
) -> WebhookOut:
    """Change the URL, the event types or the switch; the signing secret stays."""
    app = app_for(session, principal, app_id, Permission.APP_WRITE)
    endpoint = _endpoint(session, app.app_id)
    before = {"url": endpoint.url, "events": endpoint.events, "enabled": endpoint.enabled}
    if body.url is not None:
        endpoint.url = webhooks.check_url(services, body.url)
    if "events" in body.model_fields_set:
        endpoint.events = _events(body.events)
    if body.enabled is not None:
        endpoint.enabled = body.enabled
    after = {"url": endpoint.url, "events": endpoint.events, "enabled": endpoint.enabled}
    changes = audit.diff(before, after)
    if changes:
        endpoint.updated_at = utcnow()
        audit.record(
            session,
            principal,
            "relay.webhook_updated",
            target_type="app",
            target_id=app.app_id,
            app_id=app.app_id,
            summary="webhook endpoint updated",
            changes=changes,
        )
    return webhook_out(endpoint)


def rotate_webhook_secret(
    services: Services, session: Session, principal: Principal, app_id: str
) -> WebhookSecret:
    """A new signing secret, shown once; the old one signs nothing from now on (deliveries
    retried later are signed with the new one)."""
    app = app_for(session, principal, app_id, Permission.APP_WRITE)
    endpoint = _endpoint(session, app.app_id)
    secret = webhooks.new_secret()
    endpoint.secret_sealed = webhooks.seal_secret(services, app.app_id, secret)
    endpoint.updated_at = now = utcnow()
    audit.record(
        session,
        principal,
        "relay.webhook_secret_rotated",
        target_type="app",
        target_id=app.app_id,
        app_id=app.app_id,
        summary="webhook signing secret rotated",
    )
    return WebhookSecret(secret=secret, rotated_at=now)


def _endpoint(session: Session, app_id: str) -> WebhookEndpoint:
    endpoint = repository.webhook_endpoint(session, app_id)
    if endpoint is None:
        raise NotFound("the app has no webhook endpoint", code="webhook_not_found")
    return endpoint


def get_webhook(session: Session, principal: Principal, app_id: str) -> WebhookOut:
    app = app_for(session, principal, app_id, Permission.APP_READ)
    return webhook_out(_endpoint(session, app.app_id))
