"""The SDK's relay client and webhook verification over real HTTP, against the platform under
uvicorn and a real anvil: what an app backend does with a transaction its user signed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chainless.platform.core.settings import ChainConfig, ChainEnvironment, Settings
from chainless_sdk import RelayClient, RelayError, WebhookInvalid, verify_webhook
from tests.chain.relay.support import WebhookReceiver, approve_data, relay_app, signed
from tests.conftest import RecordingJobRunner
from tests.contracts.conftest import Platform, chain, compiled, deployed, platform
from tests.factories import Factory

__all__ = ["chain", "compiled", "deployed", "platform"]


@pytest.fixture
def settings(settings: Settings, platform: Platform) -> Settings:
    anvil = platform.w3.provider.endpoint_uri  # type: ignore[attr-defined]
    chains = {
        environment: ChainConfig(chain_id=31337, rpc_urls=[anvil], confirmations=1)
        for environment in ChainEnvironment
    }
    return settings.model_copy(update={"chains": chains})


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    found = WebhookReceiver()
    yield found
    found.close()


def test_a_signed_transaction_is_submitted_and_followed_through_the_sdk(
    issuer: str, factory: Factory, platform: Platform, jobs: RecordingJobRunner
) -> None:
    relay = relay_app(factory, platform)
    client = RelayClient(issuer, relay.api_key)
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))

    accepted = client.submit(raw, relay.access_token)
    assert accepted["state"] == "received"
    assert accepted["sender"] == relay.user.address
    jobs.wait_for("relay.broadcast")  # published once the answer is out
    jobs.drain()
    found = client.transaction(accepted["hash"])
    assert found["state"] == "submitted"
    assert [a["hash"] for a in found["attempts"]] == [accepted["hash"]]

    unknown = "0x" + "ab" * 32
    with pytest.raises(RelayError) as missing:
        client.transaction(unknown)
    assert (missing.value.status, missing.value.code) == (404, "transaction_not_found")


def test_a_refusal_is_raised_with_its_stable_code_and_field(
    issuer: str, factory: Factory, platform: Platform
) -> None:
    relay = relay_app(factory, platform)
    client = RelayClient(issuer, relay.api_key)
    raw = signed(platform.w3, relay.user, to=platform.nft.address, data="0x12345678")

    with pytest.raises(RelayError) as refused:
        client.submit(raw, relay.access_token)
    assert refused.value.status == 422
    assert refused.value.code == "contract_not_registered"
    assert refused.value.problem["field"] == "to"

    with pytest.raises(RelayError) as garbage:
        client.submit("0x00", relay.access_token)
    assert garbage.value.code == "invalid_raw_transaction"

    with pytest.raises(RelayError) as no_user:
        client.submit(raw, "not-a-token")
    assert (no_user.value.status, no_user.value.code) == (401, "user_token_invalid")


def test_webhooks_are_verified_and_forgeries_refused(
    issuer: str,
    client: Any,
    factory: Factory,
    platform: Platform,
    jobs: RecordingJobRunner,
    receiver: WebhookReceiver,
) -> None:
    relay = relay_app(factory, platform)
    answer = client.put(
        f"/api/v1/apps/{relay.app_id}/relay/webhook",
        headers=relay.developer_headers,
        json={"url": receiver.url},
    )
    assert answer.status_code == 200, answer.text
    secret = answer.json()["secret"]
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))
    tx_hash = RelayClient(issuer, relay.api_key).submit(raw, relay.access_token)["hash"]
    jobs.wait_for("relay.broadcast")  # published once the answer is out
    jobs.drain()  # the broadcast, then the delivery of "transaction.submitted"

    headers, body = receiver.received[0]
    event = verify_webhook(secret, headers, body)
    assert event["type"] == "transaction.submitted"
    assert event["data"]["hash"] == tx_hash

    def reason(*args: Any, **kwargs: Any) -> str:
        with pytest.raises(WebhookInvalid) as refused:
            verify_webhook(*args, **kwargs)
        return refused.value.reason

    forged = json.dumps({**json.loads(body), "type": "transaction.confirmed"}).encode()
    assert reason(secret, headers, forged) == "bad_signature"
    assert reason("whsec_another", headers, body) == "bad_signature"
    sent = int(headers["chainless-webhook-timestamp"])
    assert reason(secret, headers, body, now=sent + 3600) == "stale"
    assert reason(secret, {"content-type": "application/json"}, body) == "missing_headers"
