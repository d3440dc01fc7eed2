"""A webhook URL cannot make the platform call its own network (issue 12, item 2): refused at
registration in every spelling, checked again at each delivery (DNS rebinding), no redirect
followed. Production mode with a resolver the test controls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from chainless.chain.models import WebhookDelivery
from chainless.platform.core.services import Services
from chainless.platform.core.settings import Mode, OutboundSettings, Settings
from chainless.platform.outbound import OutboundClient
from tests.chain.relay.support import (
    RelayApp,
    WebhookReceiver,
    approve_data,
    drain_with_retries,
    relay_app,
    signed,
    submit,
)
from tests.contracts.conftest import Platform
from tests.factories import Factory
from tests.platform.outbound.support import PUBLIC_V4, RecordingServer, Reply, ScriptedResolver

pytestmark = pytest.mark.portable

BYPASSES = [
    "https://0x7f000001/x",
    "https://2130706433/x",
    "https://127.1/x",
    "https://0177.0.0.1/x",
    "https://localhost./x",
    "https://100.64.0.1/x",
    "https://169.254.169.254/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://[fd00::1]/x",
    "https://internal.example/x",  # resolves to 10.0.0.7
    "https://cgnat.example/x",  # resolves to 100.64.0.9
]
RESOLVER_SCRIPT = {
    "internal.example": [["10.0.0.7"]],
    "cgnat.example": [["100.64.0.9"]],
    "hooks.example": [[PUBLIC_V4]],
}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    found = WebhookReceiver()
    yield found
    found.close()


def go_production(services: Services, resolver: ScriptedResolver) -> None:
    """The running platform's settings as production has them (allow_private left unset)."""
    production = services.settings.model_copy(
        update={"mode": Mode.PRODUCTION, "outbound": OutboundSettings()}
    )
    production = Settings.model_validate(production.model_dump())
    assert production.outbound.allow_private is False
    services.settings = production
    services.outbound = OutboundClient(production.outbound, resolver=resolver)


def put_webhook(client: Any, relay: RelayApp, url: str) -> Any:
    return client.put(
        f"/api/v1/apps/{relay.app_id}/relay/webhook",
        headers=relay.developer_headers,
        json={"url": url},
    )


def one_delivery(services: Services, relay: RelayApp) -> WebhookDelivery:
    with services.transaction() as session:
        delivery = session.scalar(
            select(WebhookDelivery).where(WebhookDelivery.app_id == relay.app_id)
        )
    assert delivery is not None
    return delivery


def test_production_refuses_every_spelling_of_an_internal_host(
    client: Any, factory: Factory, platform: Platform, services: Services
) -> None:
    relay = relay_app(factory, platform)
    go_production(services, ScriptedResolver(RESOLVER_SCRIPT))
    for url in BYPASSES:
        refused = put_webhook(client, relay, url)
        assert refused.status_code == 422, (url, refused.text)
        assert refused.json()["code"] == "invalid_webhook_url", url
        assert refused.json()["reason"] in {"address_refused", "invalid_url"}, url
    assert put_webhook(client, relay, "http://hooks.example/x").status_code == 422  # https only
    unresolvable = put_webhook(client, relay, "https://nowhere.example/x")
    assert (unresolvable.status_code, unresolvable.json()["reason"]) == (422, "unresolvable")
    assert put_webhook(client, relay, "https://hooks.example/x").status_code == 200


def test_a_name_rebound_to_loopback_after_registration_gets_nothing(
    client: Any,
    factory: Factory,
    platform: Platform,
    services: Services,
    jobs: Any,
    receiver: WebhookReceiver,
) -> None:
    relay = relay_app(factory, platform)
    port = receiver.server.server_address[1]
    resolver = ScriptedResolver({"rebind.example": [[PUBLIC_V4], ["127.0.0.1"]]})
    go_production(services, resolver)
    url = f"https://rebind.example:{port}/hooks/chainless"
    assert put_webhook(client, relay, url).status_code == 200  # public when checked

    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))
    submit(client, relay, raw)
    drain_with_retries(services, jobs)  # broadcast, then the delivery: refused at connect time
    assert receiver.received == []
    delivery = one_delivery(services, relay)
    assert delivery.delivered_at is None
    assert delivery.last_error is not None
    assert delivery.last_error.startswith("address_refused: rebind.example is 127.0.0.1")
    assert len(resolver.calls) == 2  # registration, then the delivery's own lookup


def test_a_redirect_is_a_failed_delivery_not_followed(
    client: Any, factory: Factory, platform: Platform, services: Services, jobs: Any
) -> None:
    target = RecordingServer()
    redirecting = RecordingServer(Reply(status=302, headers={"Location": target.url()}))
    try:
        relay = relay_app(factory, platform)
        assert put_webhook(client, relay, redirecting.url()).status_code == 200
        raw = signed(
            platform.w3, relay.user, to=platform.token.address, data=approve_data(platform)
        )
        submit(client, relay, raw)
        assert len(drain_with_retries(services, jobs)) == 1  # the delivery asks for a retry
        assert len(redirecting.received) == 1
        assert target.received == []
        delivery = one_delivery(services, relay)
        assert (delivery.last_status, delivery.delivered_at) == (302, None)
    finally:
        redirecting.close()
        target.close()
