"""Sign a call from one of the platform's relayer keys: pick a key, price it (EIP-1559), take the
account's next nonce under its row lock, sign a type-2 transaction (EIP-2718/EIP-1559) for the
environment's chain, and raise ``relay.relayer_low_balance`` when the key runs low.

The caller stores the signed transaction in the same database transaction (the nonce is only
taken for good when that commits) and sends it after the commit, like a user's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from chainless.chain.relay.relayers import nonces
from chainless.chain.relay.relayers.fees import Fees, suggest
from chainless.chain.relay.relayers.keys import RelayerKey, pick_key
from chainless.chain.relay.rpc import ChainRpc, chain_config, quantity, rpc_for
from chainless.platform.alerts.service import Level, raise_alert
from chainless.platform.core.services import Services

LOW_BALANCE_ALERT = "relay.relayer_low_balance"


@dataclass(frozen=True)
class SignedRelayerTransaction:
    relayer: str  # EIP-55
    chain_id: int
    nonce: int
    gas_limit: int
    fees: Fees
    raw: bytes
    hash: str  # 0x-hex keccak256 of ``raw``


def sign_call(
    services: Services,
    session: Session,
    environment: str,
    *,
    to: str,
    data: bytes,
    gas_limit: int,
    value: int = 0,
    key: RelayerKey | None = None,
    fees: Fees | None = None,
) -> SignedRelayerTransaction:
    config = chain_config(services, environment)
    rpc = rpc_for(services, environment)
    key = key or pick_key(services, environment)
    fees = fees or suggest(rpc, config.fee_policy)
    check_balance(
        services, session, rpc, key.address, config.chain_id, gas_limit * fees.max_fee_per_gas
    )
    nonce = nonces.allocate(session, rpc, config.chain_id, key.address)
    return sign_with(key, config.chain_id, nonce, to, data, gas_limit, value, fees)


def sign_with(
    key: RelayerKey,
    chain_id: int,
    nonce: int,
    to: str,
    data: bytes,
    gas_limit: int,
    value: int,
    fees: Fees,
) -> SignedRelayerTransaction:
    """A type-2 transaction at a known nonce: a new one, or the replacement of a stuck one."""
    signed = key.sign_type2(
        chain_id=chain_id,
        nonce=nonce,
        max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
        max_fee_per_gas=fees.max_fee_per_gas,
        gas_limit=gas_limit,
        to=to,
        value=value,
        data=data,
    )
    return SignedRelayerTransaction(
        relayer=key.address,
        chain_id=chain_id,
        nonce=nonce,
        gas_limit=gas_limit,
        fees=fees,
        raw=signed.raw,
        hash="0x" + signed.hash.hex(),
    )


def check_balance(
    services: Services, session: Session, rpc: ChainRpc, address: str, chain_id: int, cost: int
) -> int:
    """The key's balance; below the low-balance threshold (or this transaction's worst-case cost)
    an alert is raised (repeats fold into the open alert). Sending still goes ahead: the node is
    the judge of whether it can pay."""
    balance = quantity(rpc.call("eth_getBalance", [address, "pending"])) or 0
    alert_if_low(services, session, address, chain_id, balance, cost)
    return balance


def alert_if_low(
    services: Services, session: Session, address: str, chain_id: int, balance: int, cost: int
) -> None:
    """``check_balance`` on a balance read already (a quote, or the request's batch)."""
    threshold = services.settings.relay.relayer_low_balance_wei
    if balance < max(threshold, cost):
        raise_alert(
            session,
            kind=LOW_BALANCE_ALERT,
            subject=f"{chain_id}:{address}",
            summary=f"relayer {address} on chain {chain_id} has {balance} wei left",
            level=Level.SEVERE if balance < cost else Level.WARNING,
            details={"balance_wei": str(balance), "threshold_wei": str(threshold)},
        )
