"""The developer's view of an app's relay (the console's API): the transaction list and its
detail with the receipt, the gas budget and spend, the webhook's delivery log, its event types
and switch, and the rotation of its signing secret; the bad inputs and another tenant's app."""

from __future__ import annotations

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
from tests.factories import Factory, online_app

pytestmark = pytest.mark.portable


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    found = WebhookReceiver()
    yield found
    found.close()


def _base(app_id: str) -> str:
    return f"/api/v1/apps/{app_id}/relay"


def _relayed_twice(
    client: Any, relay: RelayApp, platform: Platform, services: Services, jobs: Any
) -> list[str]:
    hashes = []
    for nonce_offset in range(2):
        nonce = platform.w3.eth.get_transaction_count(relay.user.address) + nonce_offset
        raw = signed(
            platform.w3,
            relay.user,
            to=platform.token.address,
            data=approve_data(platform),
            nonce=nonce,
        )
        answer = submit(client, relay, raw)
        assert answer.status_code == 202, answer.text
        hashes.append(answer.json()["hash"])
    jobs.drain()
    track_now(services)
    jobs.drain()
    return hashes


def test_the_list_and_the_detail_show_what_was_relayed(
    client: Any,
    factory: Factory,
    platform: Platform,
    services: Services,
    jobs: RecordingJobRunner,
    receiver: WebhookReceiver,
) -> None:
    relay = relay_app(factory, platform)
    base, headers = _base(relay.app_id), relay.developer_headers
    put = client.put(f"{base}/webhook", headers=headers, json={"url": receiver.url})
    assert put.status_code == 200, put.text
    first, second = _relayed_twice(client, relay, platform, services, jobs)

    listed = client.get(f"{base}/transactions", headers=headers)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [i["hash"] for i in items] == [second, first]  # newest first
    assert {i["state"] for i in items} == {"confirmed"}
    assert items[0]["sponsored"] is False
    assert items[0]["sender"] == relay.user.address
    assert items[0]["to"] == platform.token.address
    assert int(items[0]["fee_wei"]) == int(items[0]["gas_used"]) * int(
        items[0]["effective_gas_price"]
    )
    assert items[0]["block_number"] is not None

    page = client.get(f"{base}/transactions", headers=headers, params={"limit": 1}).json()
    assert [i["hash"] for i in page["items"]] == [second]
    rest = client.get(
        f"{base}/transactions", headers=headers, params={"limit": 1, "cursor": page["next_cursor"]}
    ).json()
    assert [i["hash"] for i in rest["items"]] == [first]
    assert rest["next_cursor"] is None
    for params, count in (({"status": "confirmed"}, 2), ({"status": "failed"}, 0)):
        assert (
            len(client.get(f"{base}/transactions", headers=headers, params=params).json()["items"])
            == count
        )
    assert (
        client.get(f"{base}/transactions", headers=headers, params={"environment": "prod"}).json()[
            "items"
        ]
        == []
    )

    detail = client.get(f"{base}/transactions/{first}", headers=headers)
    assert detail.status_code == 200, detail.text
    shown = detail.json()
    assert shown["receipt"]["status"] == 1
    assert shown["receipt"]["block_hash"] == shown["block_hash"]
    assert len(shown["receipt"]["logs"]) == 1  # the token's Approval event
    assert shown["receipt"]["logs"][0]["address"].lower() == platform.token.address.lower()
    events = [(d["event_type"], d["status"], d["status_code"]) for d in shown["deliveries"]]
    assert events == [
        ("transaction.confirmed", "delivered", 200),
        ("transaction.mined", "delivered", 200),
        ("transaction.submitted", "delivered", 200),
    ]

    log = client.get(f"{base}/webhook/deliveries", headers=headers).json()
    assert len(log["items"]) == 6
    assert {d["transaction_hash"] for d in log["items"]} == {first, second}

    usage = client.get(f"{base}/usage", headers=headers)
    assert usage.status_code == 200, usage.text
    today = usage.json()["today"]
    assert today["tx_count"] == 2
    assert today["tx_limit"] == services.settings.relay.app_daily_tx_limit
    assert usage.json()["payment_service"] is False


def test_bad_inputs_and_another_tenant(
    client: Any, factory: Factory, platform: Platform, services: Services
) -> None:
    app = online_app(factory)
    base, headers = _base(app.app_id), app.developer.headers
    bad_cursor = client.get(f"{base}/transactions", headers=headers, params={"cursor": "nope!"})
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["code"] == "invalid_cursor"
    assert bad_cursor.json()["field"] == "cursor"
    forged = client.get(
        f"{base}/webhook/deliveries", headers=headers, params={"cursor": "MjAyNnxhYmM"}
    )  # "2026|abc": no time zone
    assert forged.json()["code"] == "invalid_cursor"
    unknown = client.get(f"{base}/transactions", headers=headers, params={"status": "lost"})
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "validation_error"
    assert (
        client.get(f"{base}/transactions", headers=headers, params={"limit": 0}).status_code == 422
    )
    assert client.get(f"{base}/transactions/0x1234", headers=headers).status_code == 422
    missing = client.get(f"{base}/transactions/0x{'ab' * 32}", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == "transaction_not_found"
    assert client.get(f"{base}/transactions", headers=headers).json() == {
        "items": [],
        "next_cursor": None,
    }
    assert client.get(f"{base}/webhook/deliveries", headers=headers).json()["items"] == []
    assert client.post(f"{base}/webhook/rotate-secret", headers=headers).json()["code"] == (
        "webhook_not_found"
    )
    assert (
        client.patch(f"{base}/webhook", headers=headers, json={"enabled": False}).status_code == 404
    )

    stranger = factory.developer().headers
    for method, path in (
        ("get", "/transactions"),
        ("get", f"/transactions/0x{'ab' * 32}"),
        ("get", "/usage"),
        ("get", "/webhook/deliveries"),
        ("post", "/webhook/rotate-secret"),
        ("patch", "/webhook"),
    ):
        kwargs: dict[str, Any] = {"json": {"enabled": False}} if method == "patch" else {}
        answer = getattr(client, method)(f"{base}{path}", headers=stranger, **kwargs)
        assert answer.status_code == 404, (path, answer.text)
        assert answer.json()["code"] == "app_not_found"


def test_event_types_switch_and_secret_rotation(
    client: Any,
    factory: Factory,
    platform: Platform,
    services: Services,
    jobs: RecordingJobRunner,
    receiver: WebhookReceiver,
) -> None:
    relay = relay_app(factory, platform)
    base, headers = _base(relay.app_id), relay.developer_headers
    put = client.put(
        f"{base}/webhook",
        headers=headers,
        json={"url": receiver.url, "events": ["transaction.confirmed", "transaction.failed"]},
    )
    assert put.status_code == 200, put.text
    old_secret = put.json()["secret"]
    assert put.json()["events"] == ["transaction.confirmed", "transaction.failed"]

    refused = client.patch(f"{base}/webhook", headers=headers, json={"url": "ftp://x.example/"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_webhook_url"
    assert refused.json()["field"] == "url"
    unknown = client.patch(f"{base}/webhook", headers=headers, json={"events": ["tx.lost"]})
    assert unknown.status_code == 422
    shown = client.get(f"{base}/webhook", headers=headers).json()
    assert shown["url"] == receiver.url, "nothing saved"
    assert shown["enabled"] is True

    rotated = client.post(f"{base}/webhook/rotate-secret", headers=headers)
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_")
    assert new_secret != old_secret
    assert "secret" not in client.get(f"{base}/webhook", headers=headers).json()

    receiver.statuses = [500]
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))
    submit(client, relay, raw)
    drain_with_retries(services, jobs)
    track_now(services)
    retried = drain_with_retries(services, jobs)
    assert len(retried) == 1  # only "confirmed" is sent, and the receiver answered 500
    with services.transaction() as session:
        deliveries = list(
            session.scalars(select(WebhookDelivery).where(WebhookDelivery.app_id == relay.app_id))
        )
    assert [d.event_type for d in deliveries] == ["transaction.confirmed"]
    log = client.get(f"{base}/webhook/deliveries", headers=headers).json()["items"]
    assert log[0]["status"] == "retrying"
    assert log[0]["status_code"] == 500
    assert log[0]["next_attempt_at"] is not None
    body = json.loads(receiver.received[0][1])
    assert body["type"] == "transaction.confirmed"

    off = client.patch(f"{base}/webhook", headers=headers, json={"enabled": False})
    assert off.status_code == 200, off.text
    assert off.json()["enabled"] is False
    audit = client.get(f"/api/v1/apps/{relay.app_id}/audit-events", headers=headers).json()
    actions = [e["action"] for e in audit["items"]]
    assert {"relay.webhook_set", "relay.webhook_secret_rotated", "relay.webhook_updated"} <= set(
        actions
    )
