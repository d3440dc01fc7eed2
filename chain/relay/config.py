"""An app's relay configuration, managed by its developer: the relay policy (spec 3.2.1 limits)
and the webhook endpoint for status events."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chainless.chain.models import RelayPolicy, WebhookEndpoint
from chainless.chain.relay import repository, webhooks
from chainless.chain.relay.rules import FIELDS, PolicyValues, effective_policy
from chainless.chain.relay.schemas import PolicyIn, PolicyOut, WebhookCreated, WebhookOut
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


def put_webhook(
    services: Services, session: Session, principal: Principal, app_id: str, url: str
) -> WebhookCreated:
    """Set the endpoint with a fresh signing secret (shown once in the answer)."""
    app = app_for(session, principal, app_id, Permission.APP_WRITE)
    url = webhooks.check_url(services, url)
    secret = webhooks.new_secret()
    now = utcnow()
    endpoint = repository.webhook_endpoint(session, app.app_id)
    sealed = webhooks.seal_secret(services, app.app_id, secret)
    if endpoint is None:
        endpoint = WebhookEndpoint(app_id=app.app_id, url=url, secret_sealed=sealed, created_at=now)
        session.add(endpoint)
    else:
        endpoint.url, endpoint.secret_sealed = url, sealed
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
    return WebhookCreated(url=url, created_at=endpoint.created_at, secret=secret)


def get_webhook(session: Session, principal: Principal, app_id: str) -> WebhookOut:
    app = app_for(session, principal, app_id, Permission.APP_READ)
    endpoint = repository.webhook_endpoint(session, app.app_id)
    if endpoint is None:
        raise NotFound("the app has no webhook endpoint", code="webhook_not_found")
    return WebhookOut(url=endpoint.url, created_at=endpoint.created_at)
