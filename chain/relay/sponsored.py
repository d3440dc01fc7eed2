"""Sponsored gas: the platform's relayer sends a user's signed ERC-2771 ``ForwardRequest``
through the platform forwarder, and the app's gas budget pays (spec 3.5.5; appendix: who pays
gas).

The checks, in order: the app exists and is listed, has the payment service, and its chain has a
forwarder; the request is well formed, carries no ether, its EIP-712 signature recovers to
``from``, which is the token's wallet; its deadline is ahead; ``to`` and the selector pass the
app's contract rules (the same as the user-signed path), ``gas`` its gas cap; its nonce is the
forwarder's current one; the recipient accepts the call and ``execute`` would succeed
(``eth_call``/``eth_estimateGas``); the budget left, minus the worst case of the app's sponsored
transactions still in flight, covers this one's worst case (gas limit * max fee). Then a relayer
key signs ``execute`` (``relayers.signing``), the transaction is stored as ``sponsored`` and the
usual broadcast job sends it after the commit. Tracking charges the receipt's cost
(gasUsed * effectiveGasPrice) when the transaction is final: once.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chainless.chain.contracts.forwarder import InvalidForwardRequest, normalize_forward_request
from chainless.chain.models import RelayedTransaction, TxKind, TxState
from chainless.chain.relay import forward_signer, forwarding, policy, preflight
from chainless.chain.relay.auth import RelayCaller
from chainless.chain.relay.policy import RelayRules
from chainless.chain.relay.relayers import nonces
from chainless.chain.relay.relayers.fees import FeeAboveCap, Fees, priced
from chainless.chain.relay.relayers.keys import NoRelayerKey, RelayerKey, pick_key
from chainless.chain.relay.relayers.quotes import quotes_of
from chainless.chain.relay.relayers.signing import (
    SignedRelayerTransaction,
    alert_if_low,
    sign_with,
)
from chainless.chain.relay.rpc import RpcUnavailable, chain_config, rpc_for
from chainless.chain.relay.rules_cache import app_rules
from chainless.chain.relay.schemas import SponsoredIn
from chainless.chain.relay.service import FIRST_TRACK_DELAY, RelayRejected, Submitted
from chainless.chain.relay.sponsored_repository import add_new, in_flight
from chainless.platform.apps.relay_view import RelayPayment, relay_payment
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import NotFound
from chainless.platform.core.jobs import enqueue
from chainless.platform.core.security import new_hex_id
from chainless.platform.core.services import Services
from chainless.platform.core.settings import ChainConfig

BROADCAST = "relay.broadcast"
GAS_MARGIN_PERCENT = 25  # over eth_estimateGas: the forwarder's 63/64 rule and state drift


def refuse(code: str, detail: str, status: int, **extra: Any) -> RelayRejected:
    return RelayRejected(detail, code=code, status=status, **extra)


def submit_sponsored(
    services: Services, session: Session, caller: RelayCaller, body: SponsoredIn
) -> Submitted:
    rules, payment = _sponsoring_app(services, session, caller)
    chain = chain_config(services, caller.environment)
    if not chain.forwarder_address:
        raise refuse("sponsored_unavailable", "this chain has no platform forwarder", 503)
    request = _request(body)
    signature = bytes.fromhex(body.signature[2:])
    _check_signer(chain.forwarder_address, chain.chain_id, request, signature, caller.wallet)
    if request["deadline"] <= int(time.time()):
        raise refuse("deadline_expired", "the request's deadline has passed", 422, field="deadline")
    data = bytes.fromhex(request["data"][2:])
    rejection = policy.check_call(request["to"], data, rules)
    if rejection is not None:
        raise refuse(
            rejection.code.value, rejection.detail, rejection.status, field=rejection.field
        )
    if request["gas"] > rules.caps.max_gas_limit:
        detail = f"gas {request['gas']} is above the cap of {rules.caps.max_gas_limit}"
        raise refuse("gas_limit_cap_exceeded", detail, 422, field="gas")
    try:
        signed = _sign_execute(services, session, caller, chain, payment, request, signature)
    except RpcUnavailable as error:
        raise refuse("rpc_unavailable", "no node of the chain answered", 503) from error
    return _store(session, caller, request, data, signed)


def _sponsoring_app(
    services: Services, session: Session, caller: RelayCaller
) -> tuple[RelayRules, RelayPayment]:
    """The app's rules as the user-signed path has them (cached per process, ``rules_cache``)
    and its gas budget, read fresh: it moves with every confirmed sponsored call."""
    found = app_rules(services, session, caller.app_id, caller.environment)
    payment = relay_payment(session, caller.app_id) if found is not None else None
    if found is None or payment is None:
        raise NotFound(f"no app {caller.app_id!r}", code="app_not_found")
    if found.rules.delisted:
        raise refuse("app_delisted", "the app is delisted; the relay refuses its requests", 403)
    if not payment.enabled:
        raise refuse(
            "payment_service_required", "the app has not turned on the payment service", 403
        )
    return found.rules, payment


def _request(body: SponsoredIn) -> dict[str, Any]:
    raw: dict[str, Any] = body.request.model_dump(by_alias=True)
    for name in ("value", "gas", "nonce", "deadline"):
        raw[name] = int(raw[name])  # decimal strings on the wire (pattern-checked)
    try:
        request = normalize_forward_request(raw)
    except InvalidForwardRequest as error:
        raise refuse("invalid_forward_request", str(error), 422, field=error.field) from error
    if request["value"]:
        raise refuse(
            "sponsored_value_not_allowed", "sponsored calls carry no ether", 422, field="value"
        )
    return request


def _check_signer(
    forwarder: str, chain_id: int, request: dict[str, Any], signature: bytes, wallet: str
) -> None:
    """EIP-712 recovery of the signer, as the forwarder will do it (ECDSA; no ERC-1271)."""
    try:
        signer = forward_signer.recover(forwarder, chain_id, request, signature)
    except forward_signer.Unrecoverable as error:
        raise refuse("invalid_signature", "the signature cannot be recovered", 422) from error
    if signer != request["from"]:
        raise refuse(
            "signature_mismatch",
            f"the signature is not from {request['from']} for this forwarder and chain",
            403,
            field="signature",
        )
    if request["from"] != wallet:
        raise refuse(
            "sender_mismatch",
            f"the request is from {request['from']}, but the access token is for wallet {wallet}",
            403,
            field="from",
        )


def _sign_execute(
    services: Services,
    session: Session,
    caller: RelayCaller,
    chain: ChainConfig,
    payment: RelayPayment,
    request: dict[str, Any],
    signature: bytes,
) -> SignedRelayerTransaction:
    forwarder = chain.forwarder_address
    assert forwarder is not None
    waiting = in_flight(session, caller.app_id, chain.chain_id, request["from"])
    if waiting.signer_pending:
        raise refuse(
            "sponsored_request_pending",
            "a sponsored request of this wallet is still waiting to be mined; its nonce is taken",
            409,
        )
    key = _relayer(services, caller.environment)
    call = forwarding.execute_data(request, signature)
    rpc = rpc_for(services, caller.environment)
    node = preflight.ask(
        rpc,
        quotes_of(services),
        caller.environment,
        forwarder=forwarder,
        signer=request["from"],
        relayer=key.address,
        call=call,
    )
    if request["nonce"] != node.forwarder_nonce:
        current = node.forwarder_nonce
        detail = f"the request's nonce is {request['nonce']}, the forwarder expects {current}"
        raise refuse("stale_nonce", detail, 409, field="nonce", expected_nonce=str(current))
    if not isinstance(node.estimate, int):
        error = forwarding.why_reverted(rpc, forwarder, request, node.estimate)
        raise refuse(
            "would_revert", f"the call would revert: {error.reason}", 422, revert=error.reason
        )
    fees = _fees(node.fees.base_fee, node.fees.tip, chain)
    gas_limit = node.estimate * (100 + GAS_MARGIN_PERCENT) // 100
    worst_case = gas_limit * fees.max_fee_per_gas
    _check_budget(payment, waiting.reserved_wei, worst_case)
    alert_if_low(services, session, key.address, chain.chain_id, node.balance, worst_case)
    nonce = nonces.allocate(session, rpc, chain.chain_id, key.address, pending=node.relayer_nonce)
    return sign_with(key, chain.chain_id, nonce, forwarder, call, gas_limit, 0, fees)


def _relayer(services: Services, environment: str) -> RelayerKey:
    try:
        return pick_key(services, environment)
    except NoRelayerKey as error:
        raise refuse("sponsored_unavailable", str(error), 503) from error


def _fees(base_fee: int, tip: int, chain: ChainConfig) -> Fees:
    try:
        return priced(base_fee, tip, chain.fee_policy)
    except FeeAboveCap as error:
        raise refuse("network_fee_above_cap", str(error), 503) from error


def _check_budget(payment: RelayPayment, reserved: int, worst_case: int) -> None:
    available = payment.remaining_wei - reserved
    if available < worst_case:
        raise refuse(
            "gas_budget_exhausted",
            f"the gas budget left ({max(available, 0)} wei) does not cover this call "
            f"(up to {worst_case} wei)",
            402,
            required_wei=str(worst_case),
            available_wei=str(max(available, 0)),
        )


def _store(
    session: Session,
    caller: RelayCaller,
    request: dict[str, Any],
    data: bytes,
    signed: SignedRelayerTransaction,
) -> Submitted:
    now: datetime = utcnow()
    record = RelayedTransaction(
        id=new_hex_id(),
        hash=signed.hash,
        kind=TxKind.SPONSORED,
        relayer=signed.relayer,
        app_id=caller.app_id,
        api_key_id=caller.api_key_id,
        user_id=caller.user_id,
        environment=caller.environment,
        chain_id=signed.chain_id,
        sender=request["from"],
        to_address=request["to"],
        selector="0x" + data[:4].hex() if len(data) >= 4 else None,
        tx_type=2,
        nonce=signed.nonce,
        value=0,
        gas_limit=signed.gas_limit,
        max_fee_per_gas=signed.fees.max_fee_per_gas,
        max_priority_fee_per_gas=signed.fees.max_priority_fee_per_gas,
        raw=signed.raw,
        state=TxState.RECEIVED,
        version=0,
        broadcast_attempts=0,
        broadcast_count=0,
        confirmations=0,
        next_check_at=now + FIRST_TRACK_DELAY,
        created_at=now,
        updated_at=now,
    )
    add_new(session, record)
    enqueue(session, BROADCAST, transaction_id=record.id)
    return Submitted(record, created=True)
