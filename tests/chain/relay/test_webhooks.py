"""Status webhooks: one event per state change, signed with HMAC-SHA256 over
``timestamp.body``, retried until the app backend accepts it, never delivered twice."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from chainless.chain.models import WebhookDelivery
from chainless.platform.core.services import Services
from tests.chain.relay.support import (
    RelayApp,
    WebhookReceiver,
    approve_data,
    drain_with_retries,
    relay_app,
    signed,
    submit,
    track_now,
)
from tests.conftest import RecordingJobRunner
from tests.contracts.conftest import Platform
from tests.factories import Factory

pytestmark = pytest.mark.portable  # also holds on the embedded SQLite default


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    found = WebhookReceiver()
    yield found
    found.close()


def set_webhook(client: Any, relay: RelayApp, url: str) -> str:
    response = client.put(
        f"/api/v1/apps/{relay.app_id}/relay/webhook",
        headers=relay.developer_headers,
        json={"url": url},
    )
    assert response.status_code == 200, response.text
    secret = str(response.json()["secret"])
    assert secret.startswith("whsec_")
    shown = client.get(
        f"/api/v1/apps/{relay.app_id}/relay/webhook", headers=relay.developer_headers
    )
    assert "secret" not in shown.json()
    return secret


def verify(secret: str, headers: dict[str, str], body: bytes) -> None:
    message = headers["chainless-webhook-timestamp"].encode() + b"." + body
    expected = "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["chainless-webhook-signature"], expected)


def test_each_state_change_is_one_signed_event(
    client: Any,
    factory: Factory,
    platform: Platform,
    services: Services,
    jobs: RecordingJobRunner,
    receiver: WebhookReceiver,
) -> None:
    relay = relay_app(factory, platform)
    secret = set_webhook(client, relay, receiver.url)
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))
    tx_hash = submit(client, relay, raw).json()["hash"]
    jobs.drain()  # broadcast, then the "submitted" event
    track_now(services)
    jobs.drain()  # "mined" and "confirmed"

    types = []
    for headers, body in receiver.received:
        verify(secret, headers, body)
        event = json.loads(body)
        assert headers["chainless-webhook-id"] == event["id"]
        assert event["data"]["hash"] == tx_hash
        types.append(event["type"])
    assert types == ["transaction.submitted", "transaction.mined", "transaction.confirmed"]


def test_a_failed_delivery_is_retried_and_never_sent_twice(
    client: Any,
    factory: Factory,
    platform: Platform,
    services: Services,
    jobs: RecordingJobRunner,
    receiver: WebhookReceiver,
) -> None:
    relay = relay_app(factory, platform)
    set_webhook(client, relay, receiver.url)
    receiver.statuses = [500]
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))
    submit(client, relay, raw)
    assert len(drain_with_retries(services, jobs)) == 1  # broadcast; its event gets a 500
    with services.transaction() as session:
        event_id = session.scalar(
            select(WebhookDelivery.id).where(WebhookDelivery.app_id == relay.app_id)
        )
    delivery_job = [("relay.deliver_webhook", {"delivery_id": event_id})]

    jobs.sent.extend(delivery_job)
    jobs.drain()
    jobs.sent.extend(delivery_job)  # a duplicate of the job: already delivered, nothing sent
    jobs.drain()
    ids = [headers["chainless-webhook-id"] for headers, _ in receiver.received]
    assert len(ids) == 2
    assert ids[0] == ids[1]  # the same event id on the retry: receivers deduplicate on it
    with services.transaction() as session:
        delivery = session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == ids[0]))
    assert delivery is not None
    assert delivery.attempts == 2
    assert delivery.delivered_at is not None


def test_webhook_urls_are_checked(client: Any, factory: Factory, platform: Platform) -> None:
    relay = relay_app(factory, platform)
    url = f"/api/v1/apps/{relay.app_id}/relay/webhook"
    bad = client.put(url, headers=relay.developer_headers, json={"url": "ftp://example.com/x"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_webhook_url"
    stranger = factory.developer()
    refused = client.put(url, headers=stranger.headers, json={"url": "https://example.com/x"})
    assert refused.status_code == 404  # another developer's app is invisible
    assert client.get(url, headers=relay.developer_headers).json()["code"] == "webhook_not_found"
