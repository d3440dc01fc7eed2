"""Stuck transactions on a real anvil that does not mine until told to (``evm_setAutomine``):
a sponsored one is re-signed at its nonce with fees bumped by at least 10%, every hash sent is
kept, and whichever of them the chain mines is the one reported; a bump the fee cap or the app's
gas budget forbids is reported ``stuck`` to the app and alerted once; a user-signed one is
reported ``stuck`` to the app's webhook."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from web3.types import RPCEndpoint

from chainless.chain.models import RelayAttempt, RelayedTransaction
from chainless.platform.core.clock import utcnow
from chainless.platform.core.services import Services
from chainless.platform.core.settings import ChainEnvironment, Settings
from chainless.platform.models.alerts import Alert
from tests.chain.relay.sponsored_support import (
    SPONSORED_URL,
    body,
    forward_request,
    set_payment,
    sign_data,
    sponsoring_app,
)
from tests.chain.relay.support import (
    GWEI,
    TX_URL,
    RelayApp,
    WebhookReceiver,
    approve_data,
    relay_app,
    signed,
    submit,
    track_now,
)
from tests.conftest import RecordingJobRunner
from tests.contracts.conftest import Platform
from tests.factories import Factory

STUCK_AFTER = 60


@pytest.fixture
def settings(settings: Settings, platform: Platform) -> Settings:
    chains = dict(settings.chains)
    dev = chains[ChainEnvironment.DEV]
    chains[ChainEnvironment.DEV] = dev.model_copy(
        update={
            "forwarder_address": platform.forwarder.address,
            "fee_policy": dev.fee_policy.model_copy(),  # a test may lower its cap
        }
    )
    relay = settings.relay.model_copy(update={"stuck_after_seconds": STUCK_AFTER})
    return settings.model_copy(update={"chains": chains, "relay": relay})


@pytest.fixture
def no_mining(platform: Platform) -> Iterator[None]:
    """Anvil keeps transactions in its pool until ``mine``; afterwards all is mined and the
    platform's snapshot revert undoes it."""
    request = platform.w3.provider.make_request
    request(RPCEndpoint("evm_setAutomine"), [False])
    try:
        yield
    finally:
        request(RPCEndpoint("evm_setAutomine"), [True])
        request(RPCEndpoint("evm_mine"), [])


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    found = WebhookReceiver()
    yield found
    found.close()


def mine(platform: Platform) -> None:
    platform.w3.provider.make_request(RPCEndpoint("evm_mine"), [])


def record(client: Any, relay: RelayApp, tx_hash: str) -> dict[str, Any]:
    response = client.get(f"{TX_URL}/{tx_hash}", headers={"X-API-Key": relay.api_key})
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def pending_for(services: Services, tx_hash: str, seconds: float) -> None:
    """As if the transaction had been waiting ``seconds`` since it was sent (or last bumped)."""
    then = utcnow() - timedelta(seconds=seconds)
    with services.transaction() as session:
        found = session.get(RelayedTransaction, tx_id(services, tx_hash))
        assert found is not None
        found.submitted_at = then
        if found.last_bump_at is not None:
            found.last_bump_at = then


def tx_id(services: Services, tx_hash: str) -> str:
    with services.transaction() as session:
        found = session.scalar(
            select(RelayedTransaction.id)
            .outerjoin(RelayAttempt, RelayAttempt.transaction_id == RelayedTransaction.id)
            .where((RelayedTransaction.hash == tx_hash) | (RelayAttempt.hash == tx_hash))
        )
    assert found is not None
    return str(found)


def sponsored_pending(
    client: Any, factory: Factory, platform: Platform, jobs: RecordingJobRunner
) -> tuple[RelayApp, dict[str, Any]]:
    relay = sponsoring_app(factory, platform)
    request = forward_request(platform, relay.user, sign_data(platform, "stuck"))
    response = client.post(
        SPONSORED_URL, json=body(platform, relay.user, request), headers=relay.headers
    )
    assert response.status_code == 202, response.text
    jobs.drain()  # the broadcast: in anvil's pool, not mined
    accepted: dict[str, Any] = response.json()
    assert record(client, relay, accepted["hash"])["state"] == "submitted"
    return relay, accepted


def test_a_stuck_sponsored_transaction_is_replaced_with_higher_fees_and_the_mined_hash_reported(
    client: Any,
    factory: Factory,
    platform: Platform,
    services: Services,
    jobs: RecordingJobRunner,
    no_mining: None,
) -> None:
    relay, first = sponsored_pending(client, factory, platform, jobs)

    track_now(services)  # not pending long enough: nothing happens
    assert jobs.sent == []
    assert len(record(client, relay, first["hash"])["attempts"]) == 1

    pending_for(services, first["hash"], STUCK_AFTER + 1)
    track_now(services)
    assert jobs.names() == ["relay.send_replacement"]
    jobs.drain()
    bumped = record(client, relay, first["hash"])  # the first hash still finds the record
    assert bumped["state"] == "submitted"
    assert bumped["attempts"][0]["hash"] == first["hash"]
    second = bumped["attempts"][1]
    assert bumped["hash"] == second["hash"] != first["hash"]
    assert int(second["max_fee_per_gas"]) * 10 >= int(first["max_fee_per_gas"]) * 11
    assert (
        int(second["max_priority_fee_per_gas"]) * 10 >= int(first["max_priority_fee_per_gas"]) * 11
    )
    assert bumped["nonce"] == first["nonce"]
    assert platform.w3.eth.get_transaction(second["hash"])["nonce"] == int(first["nonce"])

    track_now(services)  # run again at once: no second bump before the interval
    assert jobs.sent == []
    assert len(record(client, relay, first["hash"])["attempts"]) == 2

    pending_for(services, first["hash"], STUCK_AFTER + 1)  # another interval: a second bump
    track_now(services)
    jobs.drain()
    attempts = record(client, relay, first["hash"])["attempts"]
    assert len(attempts) == 3
    assert int(attempts[2]["max_fee_per_gas"]) * 10 >= int(attempts[1]["max_fee_per_gas"]) * 11

    mine(platform)
    track_now(services)
    done = record(client, relay, first["hash"])
    assert done["state"] == "confirmed", done
    assert done["hash"] in [a["hash"] for a in attempts]
    receipt = platform.w3.eth.get_transaction_receipt(done["hash"])
    assert receipt["status"] == 1
    assert done["block_number"] == receipt["blockNumber"]
    assert platform.w3.eth.get_transaction_count(done["relayer"]) == int(first["nonce"]) + 1
    assert record(client, relay, attempts[1]["hash"])["hash"] == done["hash"]


def test_when_the_original_is_mined_before_its_replacement_the_original_is_reported(
    client: Any,
    factory: Factory,
    platform: Platform,
    services: Services,
    jobs: RecordingJobRunner,
    no_mining: None,
) -> None:
    relay, first = sponsored_pending(client, factory, platform, jobs)
    pending_for(services, first["hash"], STUCK_AFTER + 1)
    track_now(services)
    late_send = list(jobs.sent)  # the replacement is signed and kept, not sent yet
    jobs.sent.clear()
    mine(platform)  # the chain mines the original

    track_now(services)
    done = record(client, relay, first["hash"])
    assert done["state"] == "confirmed"
    assert done["hash"] == first["hash"]
    assert len(done["attempts"]) == 2
    jobs.sent.extend(late_send)
    jobs.drain()  # the replacement's send comes late: nothing is sent
    late = done["attempts"][1]["hash"]
    known = platform.w3.provider.make_request(RPCEndpoint("eth_getTransactionByHash"), [late])
    assert known["result"] is None


def test_a_bump_the_fee_cap_forbids_is_reported_stuck_and_alerted_not_looped(
    client: Any,
    factory: Factory,
    platform: Platform,
    services: Services,
    jobs: RecordingJobRunner,
    receiver: WebhookReceiver,
    no_mining: None,
) -> None:
    relay, first = sponsored_pending(client, factory, platform, jobs)
    set_webhook(client, relay, receiver)
    policy = services.settings.chains[ChainEnvironment.DEV].fee_policy
    policy.max_fee_per_gas_wei = int(first["max_fee_per_gas"])  # no room for +10%

    pending_for(services, first["hash"], STUCK_AFTER + 1)
    track_now(services)
    assert jobs.names() == ["relay.deliver_webhook"]  # no replacement sent
    jobs.drain()
    held = record(client, relay, first["hash"])
    assert held["state"] == "stuck"
    assert held["error_code"] == "replacement_fee_capped"
    assert [a["hash"] for a in held["attempts"]] == [first["hash"]]
    track_now(services)  # again at once: no new try, one alert, one event
    assert jobs.sent == []
    with services.transaction() as session:
        alerts = session.scalars(
            select(Alert).where(Alert.kind == "relay.replacement_fee_capped")
        ).all()
    assert len(alerts) == 1
    assert alerts[0].app_id == relay.app_id

    mine(platform)
    track_now(services)
    jobs.drain()
    assert record(client, relay, first["hash"])["state"] == "confirmed"
    events = [json.loads(body) for _, body in receiver.received]
    assert [e["type"] for e in events] == [
        "transaction.stuck",
        "transaction.mined",
        "transaction.confirmed",
    ]
    assert events[0]["data"]["error_code"] == "replacement_fee_capped"


def test_a_bump_the_gas_budget_does_not_cover_is_reported_stuck(
    client: Any,
    factory: Factory,
    platform: Platform,
    services: Services,
    jobs: RecordingJobRunner,
    no_mining: None,
) -> None:
    relay, first = sponsored_pending(client, factory, platform, jobs)
    worst_case = int(first["gas_limit"]) * int(first["max_fee_per_gas"])
    set_payment(client, relay, enabled=True, budget_wei=-(-worst_case // GWEI) * GWEI)

    pending_for(services, first["hash"], STUCK_AFTER + 1)
    track_now(services)
    assert jobs.sent == []  # no replacement: +10% fees would overrun the budget
    held = record(client, relay, first["hash"])
    assert held["state"] == "stuck"
    assert held["error_code"] == "replacement_budget_exhausted"
    assert len(held["attempts"]) == 1

    set_payment(client, relay, enabled=True, budget_wei=10**18)  # the app tops it up
    pending_for(services, first["hash"], STUCK_AFTER + 1)
    track_now(services)
    assert jobs.names() == ["relay.send_replacement"]
    jobs.drain()
    assert len(record(client, relay, first["hash"])["attempts"]) == 2
    mine(platform)
    track_now(services)
    assert record(client, relay, first["hash"])["state"] == "confirmed"


def set_webhook(client: Any, relay: RelayApp, receiver: WebhookReceiver) -> None:
    response = client.put(
        f"/api/v1/apps/{relay.app_id}/relay/webhook",
        headers=relay.developer_headers,
        json={"url": receiver.url},
    )
    assert response.status_code == 200, response.text


def test_a_stuck_user_transaction_is_reported_to_the_app_to_re_sign(
    client: Any,
    factory: Factory,
    platform: Platform,
    services: Services,
    jobs: RecordingJobRunner,
    receiver: WebhookReceiver,
    no_mining: None,
) -> None:
    relay = relay_app(factory, platform)
    response = client.put(
        f"/api/v1/apps/{relay.app_id}/relay/webhook",
        headers=relay.developer_headers,
        json={"url": receiver.url},
    )
    assert response.status_code == 200, response.text
    data = approve_data(platform)
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=data)
    first = submit(client, relay, raw).json()
    jobs.drain()
    pending_for(services, first["hash"], STUCK_AFTER + 1)
    track_now(services)
    jobs.drain()
    stuck = record(client, relay, first["hash"])
    assert stuck["state"] == "stuck"
    assert stuck["error_code"] == "stuck"
    assert [a["hash"] for a in stuck["attempts"]] == [first["hash"]]
    track_now(services)  # reported once
    jobs.drain()

    again = signed(  # the user signs a replacement: same nonce, fees up
        platform.w3,
        relay.user,
        to=platform.token.address,
        data=data,
        nonce=int(first["nonce"]),
        maxFeePerGas=40 * GWEI,
        maxPriorityFeePerGas=2 * GWEI,
    )
    second = submit(client, relay, again)
    assert second.status_code == 202, second.text
    jobs.drain()
    mine(platform)
    track_now(services)
    jobs.drain()
    assert record(client, relay, second.json()["hash"])["state"] == "confirmed"
    assert record(client, relay, first["hash"])["state"] == "replaced"
    events = [json.loads(body) for _, body in receiver.received]
    first_events = [e["type"] for e in events if e["data"]["hash"] == first["hash"]]
    assert first_events == ["transaction.submitted", "transaction.stuck", "transaction.replaced"]


def test_a_sponsored_transaction_the_node_forgot_is_sent_again_not_taken_for_replaced(
    client: Any,
    factory: Factory,
    platform: Platform,
    services: Services,
    jobs: RecordingJobRunner,
    no_mining: None,
) -> None:
    """Its nonce is the relayer's: the user's own transactions elsewhere do not replace it."""
    relay, first = sponsored_pending(client, factory, platform, jobs)
    user = relay.user
    relayer_nonce = int(first["nonce"])
    own = platform.w3.eth.get_transaction_count(user.address, "pending")
    data = approve_data(platform)
    for nonce in range(own, max(own, relayer_nonce + 2)):  # the user's nonce passes the relayer's
        raw = signed(platform.w3, user, to=platform.token.address, data=data, nonce=nonce)
        platform.w3.eth.send_raw_transaction(raw)
    request = platform.w3.provider.make_request
    assert request(RPCEndpoint("anvil_dropTransaction"), [first["hash"]])["result"] is not None
    mine(platform)  # the user's transactions only
    assert platform.w3.eth.get_transaction_count(user.address) > relayer_nonce

    track_now(services)
    again = record(client, relay, first["hash"])
    assert again["state"] == "submitted", again
    known = request(RPCEndpoint("eth_getTransactionByHash"), [first["hash"]])
    assert known["result"] is not None  # sent again
    mine(platform)
    track_now(services)
    assert record(client, relay, first["hash"])["state"] == "confirmed"
