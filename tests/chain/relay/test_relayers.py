"""Relayer keys, nonces, fees and balance alerts on a real anvil and real PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from eth_account import Account
from pydantic import SecretStr
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from web3.types import RPCEndpoint

from chainless.chain.localnode import derive_accounts
from chainless.chain.models import RelayerNonce
from chainless.chain.relay.relayers import fees, nonces
from chainless.chain.relay.relayers.keys import (
    NoRelayerKey,
    RelayerKey,
    key_from_hex,
    load_keys,
    pick_key,
    relayer_keys,
)
from chainless.chain.relay.relayers.signing import LOW_BALANCE_ALERT, sign_call
from chainless.chain.relay.rpc import rpc_for
from chainless.platform.core.jobs import get_job
from chainless.platform.core.services import Services, run_job
from chainless.platform.core.settings import FeePolicy, Mode, Settings
from chainless.platform.models import Alert
from tests.contracts.conftest import Platform

ETHER = 10**18
CHAIN_ID = 31337


def funded_key(platform: Platform, wei: int = 10 * ETHER) -> RelayerKey:
    """A fresh account (no nonce row, no history) with ``wei`` on anvil, reverted after the test."""
    key = key_from_hex("0x" + bytes(Account.create().key).hex())
    platform.w3.provider.make_request(RPCEndpoint("anvil_setBalance"), [key.address, hex(wei)])
    return key


def send(platform: Platform, raw: bytes) -> None:
    platform.w3.eth.send_raw_transaction(raw)


def transfer(services: Services, session: Session, key: RelayerKey, to: str) -> bytes:
    return sign_call(services, session, "dev", to=to, data=b"", gas_limit=21_000, key=key).raw


@pytest.mark.portable
def test_development_uses_anvil_accounts_and_no_key_reaches_a_repr(settings: Settings) -> None:
    keys = load_keys(settings, "dev")
    anvil = derive_accounts()
    assert [k.address for k in keys] == [anvil[i].address for i in (7, 8, 9)]
    assert anvil[7].private_key.removeprefix("0x") not in repr(keys)


@pytest.mark.portable
def test_configured_keys_come_from_settings_and_files(settings: Settings, tmp_path: Path) -> None:
    inline, in_file = Account.create(), Account.create()
    path = tmp_path / "relayer.key"
    path.write_text("0x" + bytes(in_file.key).hex() + "\n")
    relay = settings.relay.model_copy(
        update={
            "relayer_keys": {"prod": [SecretStr("0x" + bytes(inline.key).hex())]},
            "relayer_key_files": {"prod": [path]},
        }
    )
    production = settings.model_copy(update={"relay": relay, "mode": Mode.PRODUCTION})
    assert [k.address for k in load_keys(production, "prod")] == [inline.address, in_file.address]
    assert load_keys(production, "dev") == ()  # production never falls back to anvil's keys
    missing = relay.model_copy(update={"relayer_key_files": {"prod": [tmp_path / "nope"]}})
    with pytest.raises(NoRelayerKey) as raised:
        load_keys(settings.model_copy(update={"relay": missing}), "prod")
    assert "nope" in str(raised.value)
    public = relay.model_copy(
        update={"relayer_keys": {"prod": [SecretStr(derive_accounts()[7].private_key)]}}
    )
    with pytest.raises(NoRelayerKey, match="public anvil"):
        load_keys(production.model_copy(update={"relay": public}), "prod")


@pytest.mark.portable
def test_an_environment_without_keys_has_no_relayer(services: Services) -> None:
    services.extras["relay.relayer_keys"] = {"prod": ()}
    with pytest.raises(NoRelayerKey):
        pick_key(services, "prod")
    assert pick_key(services, "dev") in relayer_keys(services, "dev")


@pytest.mark.portable
def test_fees_come_from_the_node_under_the_fee_policy(
    services: Services, platform: Platform
) -> None:
    rpc = rpc_for(services, "dev")
    base = fees.next_base_fee(rpc)
    assert base > 0
    policy = FeePolicy(min_priority_fee_per_gas_wei=7)
    suggested = fees.suggest(rpc, policy)
    assert suggested.max_priority_fee_per_gas >= 7
    assert suggested.max_fee_per_gas >= base + suggested.max_priority_fee_per_gas
    low_cap = FeePolicy(max_fee_per_gas_wei=base + 3, min_priority_fee_per_gas_wei=1)
    capped = fees.suggest(rpc, low_cap)
    assert capped.max_fee_per_gas == base + 3
    assert capped.max_priority_fee_per_gas <= base + 3
    with pytest.raises(fees.FeeAboveCap):
        fees.suggest(rpc, FeePolicy(max_fee_per_gas_wei=max(base - 1, 1)))
    bumped = fees.bumped(suggested, rpc, policy)
    assert bumped.max_fee_per_gas * 10 >= suggested.max_fee_per_gas * 11
    assert bumped.max_priority_fee_per_gas * 10 >= suggested.max_priority_fee_per_gas * 11
    with pytest.raises(fees.FeeAboveCap):
        fees.bumped(capped, rpc, low_cap)


@pytest.mark.portable
def test_nonces_follow_the_chain_and_recover_after_a_restart(
    services: Services, platform: Platform
) -> None:
    key, rpc = funded_key(platform), rpc_for(services, "dev")
    holder = platform.holder.address
    with services.database.transaction() as session:
        assert nonces.allocate(session, rpc, CHAIN_ID, key.address) == 0  # a new row: the chain's
        assert nonces.allocate(session, rpc, CHAIN_ID, key.address) == 1
        # nothing of ours waits for nonces 0 and 1 (never stored): back to the chain's
        assert nonces.resync(session, rpc, CHAIN_ID, key.address) == 0
        for _ in range(3):
            send(platform, transfer(services, session, key, holder))
        assert nonces.pending_nonce(rpc, key.address) == 3
        # the key sent one elsewhere: the chain's pending nonce is ahead and wins
        outside = key.sign(
            {
                "type": 2,
                "chainId": CHAIN_ID,
                "nonce": 3,
                "to": holder,
                "value": 0,
                "gas": 21_000,
                "maxFeePerGas": 10**10,
                "maxPriorityFeePerGas": 1,
            }
        )
        send(platform, bytes(outside.raw_transaction))
        assert nonces.allocate(session, rpc, CHAIN_ID, key.address) == 4


def test_concurrent_senders_use_gapless_nonces(services: Services, platform: Platform) -> None:
    """Several requests at once, each in its own database transaction and connection (as in
    several worker processes): every nonce is used once and the chain mines them all."""
    key, holder = funded_key(platform), platform.holder.address
    engine = services.database.engine
    total = 24

    def one(_: int) -> tuple[int, bytes]:
        with Session(engine) as session:
            signed = sign_call(
                services, session, "dev", to=holder, data=b"", gas_limit=21_000, key=key
            )
            session.commit()
        send(platform, signed.raw)  # sent after the commit, out of order between threads
        return signed.nonce, signed.raw

    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(one, range(total)))
        assert sorted(n for n, _ in results) == list(range(total))
        for _, raw in results:
            receipt = platform.w3.eth.wait_for_transaction_receipt(
                platform.w3.keccak(raw), timeout=30
            )
            assert receipt["status"] == 1
        assert platform.w3.eth.get_transaction_count(key.address) == total  # type: ignore[arg-type]
    finally:
        with Session(engine) as session:
            session.execute(delete(RelayerNonce).where(RelayerNonce.address == key.address))
            session.commit()


@pytest.mark.portable
def test_a_relayer_running_low_raises_an_alert(services: Services, platform: Platform) -> None:
    poor = funded_key(platform, wei=ETHER // 100)
    rich = funded_key(platform)
    with services.database.transaction() as session:
        transfer(services, session, rich, platform.holder.address)
        transfer(services, session, poor, platform.holder.address)
        transfer(services, session, poor, platform.holder.address)
        alerts = session.scalars(select(Alert).where(Alert.kind == LOW_BALANCE_ALERT)).all()
        assert [(a.subject, a.count) for a in alerts] == [(f"{CHAIN_ID}:{poor.address}", 2)]
        assert alerts[0].details["balance_wei"] == str(ETHER // 100)


@pytest.mark.portable
def test_the_resync_job_brings_every_pool_key_back_to_the_chain(
    services: Services, platform: Platform
) -> None:
    rpc = rpc_for(services, "dev")
    keys = relayer_keys(services, "dev")
    with services.database.transaction() as session:
        for key in keys:
            nonces.allocate(session, rpc, CHAIN_ID, key.address)
            row = session.get(RelayerNonce, (CHAIN_ID, key.address))
            assert row is not None
            row.next_nonce += 5  # allocations whose transactions were never stored
    run_job(services, get_job("relay.resync_relayers"), {})
    with services.database.transaction() as session:
        for key in keys:
            row = session.get(RelayerNonce, (CHAIN_ID, key.address))
            assert row is not None
            assert row.next_nonce == nonces.pending_nonce(rpc, key.address)
