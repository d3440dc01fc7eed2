"""The protocol's validity rules the relay checks before broadcasting, at their boundaries on
anvil: what the relay accepts the node mines, and what it refuses the node refuses or drops.

Intrinsic gas (EIP-2, EIP-2028, EIP-2930, EIP-3860) and the calldata floor (EIP-7623) are
computed here from the byte counts, independently of ``chainless.chain.txcodec.gas``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY
from web3.exceptions import TransactionNotFound, Web3RPCError
from web3.types import RPCEndpoint

from chainless.platform.core.services import Services
from tests.chain.relay.support import (
    GWEI,
    RelayApp,
    approve_data,
    mined_what_was_sent,
    relay_app,
    signed,
    submit,
    track_now,
)
from tests.chain.relay.test_rejections import refused, set_policy
from tests.conftest import RecordingJobRunner
from tests.contracts.conftest import Platform
from tests.factories import Factory

pytestmark = pytest.mark.portable  # also holds on the embedded SQLite default

ANVIL_BLOCK_GAS_LIMIT = 30_000_000


@pytest.fixture
def relay(factory: Factory, platform: Platform) -> RelayApp:
    return relay_app(factory, platform)


def tokens(data: bytes) -> int:
    """EIP-7623 tokens: a zero byte is one, a non-zero byte four."""
    zeros = data.count(0)
    return zeros + 4 * (len(data) - zeros)


def call_gas(data: bytes, addresses: int = 0, keys: int = 0) -> int:
    """The least gas of a call: max(intrinsic, EIP-7623 floor)."""
    zeros = data.count(0)
    intrinsic = 21_000 + 4 * zeros + 16 * (len(data) - zeros) + 2_400 * addresses + 1_900 * keys
    return max(intrinsic, 21_000 + 10 * tokens(data))


def creation_gas(init_code: bytes) -> int:
    zeros = init_code.count(0)
    words = (len(init_code) + 31) // 32
    intrinsic = 21_000 + 32_000 + 4 * zeros + 16 * (len(init_code) - zeros) + 2 * words
    return max(intrinsic, 21_000 + 10 * tokens(init_code))


def anvil_rpc(platform: Platform, method: str, *params: Any) -> Any:
    return platform.w3.provider.make_request(RPCEndpoint(method), list(params))


def node_includes(platform: Platform, services: Services, raw: str) -> bool:
    """Send ``raw`` straight to anvil: whether it ends up in a block (anvil answers a hash for
    some invalid transactions, then drops them while building the block)."""
    try:
        tx_hash = platform.w3.eth.send_raw_transaction(raw)
    except Web3RPCError:
        return False
    mined_what_was_sent(services)
    try:
        platform.w3.eth.get_transaction_receipt(tx_hash)
    except TransactionNotFound:
        return False
    return True


def broadcast_and_track(
    client: Any, relay: RelayApp, services: Services, jobs: RecordingJobRunner, raw: str
) -> dict[str, Any]:
    accepted = submit(client, relay, raw)
    assert accepted.status_code == 202, accepted.text
    jobs.drain()
    track_now(services)
    status = client.get(
        f"/api/v1/relay/transactions/{accepted.json()['hash']}",
        headers={"X-API-Key": relay.api_key},
    )
    body: dict[str, Any] = status.json()
    assert body["block_number"] is not None, body  # the node took it into a block
    return body


def test_gas_at_the_calldata_floor_is_mined_and_one_less_is_refused(
    client: Any, platform: Platform, relay: RelayApp, services: Services, jobs: RecordingJobRunner
) -> None:
    data = bytes.fromhex(approve_data(platform)[2:])
    least = call_gas(data)
    assert least == 21_000 + 10 * tokens(data)  # calldata alone: EIP-7623's floor binds
    nonce = platform.w3.eth.get_transaction_count(relay.user.address)
    short = signed(
        platform.w3, relay.user, to=platform.token.address, data=data, gas=least - 1, nonce=nonce
    )
    body = refused(submit(client, relay, short), 422, "gas_below_intrinsic")
    assert body["field"] == "gas_limit"
    assert str(least) in body["detail"]
    assert not node_includes(platform, services, short)

    enough = signed(
        platform.w3, relay.user, to=platform.token.address, data=data, gas=least, nonce=nonce
    )
    status = broadcast_and_track(client, relay, services, jobs, enough)
    assert int(status["gas_used"]) == least  # out of gas in the call: it pays the floor


def test_access_list_entries_count_towards_intrinsic_gas(
    client: Any, platform: Platform, relay: RelayApp, services: Services, jobs: RecordingJobRunner
) -> None:
    data = bytes.fromhex(approve_data(platform)[2:])
    entries = [{"address": platform.token.address, "storageKeys": ["0x" + "00" * 32]}]
    least = call_gas(data, addresses=1, keys=1)
    assert least > 21_000 + 10 * tokens(data)  # here the intrinsic gas binds, not the floor
    nonce = platform.w3.eth.get_transaction_count(relay.user.address)

    def approve(gas: int) -> str:
        return signed(
            platform.w3,
            relay.user,
            to=platform.token.address,
            data=data,
            gas=gas,
            nonce=nonce,
            accessList=entries,
        )

    refused(submit(client, relay, approve(least - 1)), 422, "gas_below_intrinsic")
    assert not node_includes(platform, services, approve(least - 1))
    broadcast_and_track(client, relay, services, jobs, approve(least))


def test_contract_creation_gas_and_init_code_size(
    client: Any, platform: Platform, relay: RelayApp, services: Services
) -> None:
    """The relay deploys nothing, but a creation the node would refuse is named as such: its
    intrinsic gas (EIP-2's 32,000 and EIP-3860's 2 per word) and EIP-3860's 49,152 bytes."""
    nonce = platform.w3.eth.get_transaction_count(relay.user.address)
    init_code = bytes.fromhex("600a600c600039600a6000f3602a60005260206000f3")
    least = creation_gas(init_code)

    def create(code: bytes, gas: int) -> str:
        return signed(platform.w3, relay.user, to=None, data=code, gas=gas, nonce=nonce)

    refused(submit(client, relay, create(init_code, least - 1)), 422, "gas_below_intrinsic")
    refused(submit(client, relay, create(init_code, least)), 422, "contract_creation_not_allowed")
    assert not node_includes(platform, services, create(init_code, least - 1))

    largest = bytes(49_152)
    gas = creation_gas(largest)
    refused(submit(client, relay, create(largest, gas)), 422, "contract_creation_not_allowed")
    too_large = refused(
        submit(client, relay, create(largest + b"\x00", gas + 10)), 422, "initcode_too_large"
    )
    assert too_large["field"] == "data"
    with pytest.raises(Web3RPCError, match="initcode"):
        platform.w3.eth.send_raw_transaction(create(largest + b"\x00", gas + 10))
    assert node_includes(platform, services, create(init_code, least))


@pytest.fixture
def small_blocks(platform: Platform) -> Iterator[int]:
    """anvil's blocks limited to 1,000,000 gas (restored afterwards)."""
    limit = 1_000_000
    anvil_rpc(platform, "evm_setBlockGasLimit", hex(limit))
    anvil_rpc(platform, "evm_mine")
    yield limit
    anvil_rpc(platform, "evm_setBlockGasLimit", hex(ANVIL_BLOCK_GAS_LIMIT))
    anvil_rpc(platform, "evm_mine")


def test_a_gas_limit_above_the_block_gas_limit(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    services: Services,
    jobs: RecordingJobRunner,
    small_blocks: int,
) -> None:
    data = approve_data(platform)
    nonce = platform.w3.eth.get_transaction_count(relay.user.address)

    def approve(gas: int) -> str:
        return signed(
            platform.w3, relay.user, to=platform.token.address, data=data, gas=gas, nonce=nonce
        )

    body = refused(submit(client, relay, approve(small_blocks + 1)), 422, "gas_above_block_limit")
    assert body["field"] == "gas_limit"
    assert str(small_blocks) in body["detail"]
    assert not node_includes(platform, services, approve(small_blocks + 1))
    broadcast_and_track(client, relay, services, jobs, approve(small_blocks))


def test_the_block_gas_limit_is_read_once_for_many_submissions(
    client: Any, factory: Factory, platform: Platform, rpc_proxy: Any
) -> None:
    relay = relay_app(factory, platform, environment="test")
    nonce = platform.w3.eth.get_transaction_count(relay.user.address)
    data = approve_data(platform)
    for offset in range(3):
        raw = signed(
            platform.w3, relay.user, to=platform.token.address, data=data, nonce=nonce + offset
        )
        assert submit(client, relay, raw).status_code == 202
    asked = [methods for methods in rpc_proxy.requests if "eth_getBlockByNumber" in methods]
    assert len(asked) == 1


def test_the_block_gas_limit_is_enforced_with_the_policy_at_its_maximum(
    client: Any, platform: Platform, relay: RelayApp
) -> None:
    set_policy(client, relay, max_gas_limit=ANVIL_BLOCK_GAS_LIMIT)
    raw = signed(
        platform.w3,
        relay.user,
        to=platform.token.address,
        data=approve_data(platform),
        gas=ANVIL_BLOCK_GAS_LIMIT + 1,
    )
    refused(submit(client, relay, raw), 422, "gas_above_block_limit")


def test_a_priority_fee_above_the_max_fee(
    client: Any, platform: Platform, relay: RelayApp, services: Services, jobs: RecordingJobRunner
) -> None:
    data = approve_data(platform)
    nonce = platform.w3.eth.get_transaction_count(relay.user.address)

    def approve(tip: int) -> str:
        return signed(
            platform.w3,
            relay.user,
            to=platform.token.address,
            data=data,
            nonce=nonce,
            maxFeePerGas=20 * GWEI,
            maxPriorityFeePerGas=tip,
        )

    body = refused(submit(client, relay, approve(20 * GWEI + 1)), 422, "priority_fee_above_max_fee")
    assert body["field"] == "max_priority_fee_per_gas"
    with pytest.raises(Web3RPCError, match="priority fee"):
        platform.w3.eth.send_raw_transaction(approve(20 * GWEI + 1))
    broadcast_and_track(client, relay, services, jobs, approve(20 * GWEI))


def test_a_nonce_of_two_to_the_64_minus_one(
    client: Any, platform: Platform, relay: RelayApp
) -> None:
    raw = signed(
        platform.w3,
        relay.user,
        to=platform.token.address,
        data=approve_data(platform),
        nonce=2**64 - 1,
    )
    body = refused(submit(client, relay, raw), 422, "invalid_raw_transaction")
    assert (body["decode_error"], body["field"]) == ("nonce_out_of_range", "nonce")


def test_the_checks_hold_ahead_of_the_router_too(
    client: Any, platform: Platform, relay: RelayApp, services: Services
) -> None:
    """A key's first submission takes the route, the next one ``LeanRelaySubmit``."""
    if services.redis is None:
        pytest.skip("API keys are cached only with Redis")
    data = bytes.fromhex(approve_data(platform)[2:])
    short = signed(
        platform.w3, relay.user, to=platform.token.address, data=data, gas=call_gas(data) - 1
    )
    before = _answered_ahead("422")
    for _ in range(2):
        refused(submit(client, relay, short), 422, "gas_below_intrinsic")
    assert _answered_ahead("422") == before + 1


def _answered_ahead(status: str) -> float:
    sample = REGISTRY.get_sample_value(
        "chainless_relay_submit_ahead_of_routing_total", {"status": status}
    )
    return sample or 0.0
