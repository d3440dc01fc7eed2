"""The user-signed path end to end over HTTP, on anvil: submit, broadcast after the commit,
track to confirmation; idempotency; tenant isolation; a reverted transaction; failover."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3

from chainless.platform.core.services import Services
from tests.chain.relay.support import (
    TX_URL,
    approve_data,
    relay_app,
    signed,
    submit,
    track_now,
)
from tests.conftest import RecordingJobRunner
from tests.contracts.conftest import Platform
from tests.factories import Factory

pytestmark = pytest.mark.portable  # also holds on the embedded SQLite default


def test_a_user_signed_transaction_is_broadcast_and_confirmed(
    client: Any, factory: Factory, platform: Platform, services: Services, jobs: RecordingJobRunner
) -> None:
    relay = relay_app(factory, platform)
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform, 7))

    accepted = submit(client, relay, raw)
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert body["state"] == "received"
    assert body["sender"] == relay.user.address
    assert body["to"] == platform.token.address
    assert body["chain_id"] == 31337
    assert jobs.names() == ["relay.broadcast"]  # sent after the commit, not before

    jobs.drain()
    tx_hash = body["hash"]
    status = client.get(f"{TX_URL}/{tx_hash}", headers={"X-API-Key": relay.api_key}).json()
    assert status["state"] == "submitted"
    assert status["submitted_at"] is not None

    track_now(services)
    status = client.get(f"{TX_URL}/{tx_hash}", headers={"X-API-Key": relay.api_key}).json()
    assert status["state"] == "confirmed"
    assert status["receipt_status"] == 1
    assert status["block_number"] >= 1
    assert status["confirmations"] >= status["required_confirmations"] == 1
    assert int(status["gas_used"]) > 21_000
    receipt = platform.w3.eth.get_transaction_receipt(Web3.to_bytes(hexstr=tx_hash))
    assert receipt["blockHash"].to_0x_hex() == status["block_hash"]
    allowance = platform.token.functions.allowance(relay.user.address, platform.owner.address)
    assert allowance.call() == 7


def test_the_same_transaction_twice_is_one_record_and_one_broadcast(
    client: Any, factory: Factory, platform: Platform, jobs: RecordingJobRunner
) -> None:
    relay = relay_app(factory, platform)
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))
    first = submit(client, relay, raw)
    second = submit(client, relay, raw)
    assert first.status_code == 202
    assert second.status_code == 200
    assert second.json()["hash"] == first.json()["hash"]
    assert jobs.names() == ["relay.broadcast"]
    jobs.drain()
    third = submit(client, relay, raw)
    assert third.status_code == 200
    assert third.json()["state"] == "submitted"
    assert jobs.names() == []


def test_another_apps_transaction_is_not_found(
    client: Any, factory: Factory, platform: Platform, jobs: RecordingJobRunner
) -> None:
    mine = relay_app(factory, platform)
    other = relay_app(factory, platform)
    raw = signed(platform.w3, mine.user, to=platform.token.address, data=approve_data(platform))
    tx_hash = submit(client, mine, raw).json()["hash"]
    found = client.get(f"{TX_URL}/{tx_hash}", headers={"X-API-Key": other.api_key})
    assert found.status_code == 404
    assert found.json()["code"] == "transaction_not_found"
    assert client.get(f"{TX_URL}/{tx_hash}", headers={"X-API-Key": mine.api_key}).status_code == 200
    again = submit(client, other, raw)  # the same signed transaction through another app
    assert again.status_code == 409
    assert again.json()["code"] == "transaction_known"


def test_a_reverted_transaction_ends_failed(
    client: Any, factory: Factory, platform: Platform, services: Services, jobs: RecordingJobRunner
) -> None:
    relay = relay_app(factory, platform)
    overdraw = platform.token.encode_abi("transfer", args=[platform.owner.address, 10**30])
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=overdraw)
    tx_hash = submit(client, relay, raw).json()["hash"]
    jobs.drain()
    track_now(services)
    status = client.get(f"{TX_URL}/{tx_hash}", headers={"X-API-Key": relay.api_key}).json()
    assert status["state"] == "failed"
    assert status["receipt_status"] == 0
    assert status["error_code"] == "reverted"
    assert status["block_number"] is not None


def test_broadcast_fails_over_to_the_next_rpc_url(
    client: Any, factory: Factory, platform: Platform, services: Services, jobs: RecordingJobRunner
) -> None:
    relay = relay_app(factory, platform, environment="prod")  # prod lists a dead URL first
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))
    tx_hash = submit(client, relay, raw).json()["hash"]
    jobs.drain()
    track_now(services)
    status = client.get(f"{TX_URL}/{tx_hash}", headers={"X-API-Key": relay.api_key}).json()
    assert status["state"] == "confirmed"
