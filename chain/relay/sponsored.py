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

from eth_account import Account
from eth_account.messages import encode_typed_data
from sqlalchemy.orm import Session

from chainless.chain.contracts.forwarder import (
    InvalidForwardRequest,
    forward_request_typed_data,
    normalize_forward_request,
)
from chainless.chain.models import RelayedTransaction, TxKind, TxState
from chainless.chain.relay import forwarding, policy, repository
from chainless.chain.relay.auth import RelayCaller
from chainless.chain.relay.relayers.fees import FeeAboveCap, suggest
from chainless.chain.relay.relayers.keys import NoRelayerKey, pick_key
from chainless.chain.relay.relayers.signing import SignedRelayerTransaction, sign_call
from chainless.chain.relay.rpc import RpcUnavailable, chain_config, rpc_for
from chainless.chain.relay.rules import build_rules, effective_policy
from chainless.chain.relay.schemas import SponsoredIn
from chainless.chain.relay.service import FIRST_TRACK_DELAY, RelayRejected, Submitted
from chainless.platform.apps.relay_view import RelayApp, relay_app, relay_payment
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import NotFound
from chainless.platform.core.jobs import enqueue
from chainless.platform.core.security import new_hex_id
from chainless.platform.core.services import Services

BROADCAST = "relay.broadcast"
GAS_MARGIN_PERCENT = 25  # over eth_estimateGas: the forwarder's 63/64 rule and state drift


def refuse(code: str, detail: str, status: int, **extra: Any) -> RelayRejected:
    return RelayRejected(detail, code=code, status=status, **extra)


def submit_sponsored(
    services: Services, session: Session, caller: RelayCaller, body: SponsoredIn
) -> Submitted:
    app = _sponsoring_app(session, caller)
    chain = chain_config(services, caller.environment)
    if not chain.forwarder_address:
        raise refuse("sponsored_unavailable", "this chain has no platform forwarder", 503)
    request = _request(body)
    signature = bytes.fromhex(body.signature[2:])
    _check_signer(chain.forwarder_address, chain.chain_id, request, signature, caller.wallet)
    if request["deadline"] <= int(time.time()):
        raise refuse("deadline_expired", "the request's deadline has passed", 422, field="deadline")
    values = effective_policy(repository.policy_of(session, app.app_id), services.settings.relay)
    rules = build_rules(app, values, chain)
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
        signed = _sign_execute(services, session, caller, request, signature)
    except RpcUnavailable as error:
        raise refuse("rpc_unavailable", "no node of the chain answered", 503) from error
    return _store(session, caller, request, data, signed)


def _sponsoring_app(session: Session, caller: RelayCaller) -> RelayApp:
    app = relay_app(session, caller.app_id, caller.environment)
    payment = relay_payment(session, caller.app_id)
    if app is None or payment is None:
        raise NotFound(f"no app {caller.app_id!r}", code="app_not_found")
    if app.delisted:
        raise refuse("app_delisted", "the app is delisted; the relay refuses its requests", 403)
    if not payment.enabled:
        raise refuse(
            "payment_service_required", "the app has not turned on the payment service", 403
        )
    return app


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
    typed = forward_request_typed_data(forwarder, chain_id, request)
    try:
        signer = Account.recover_message(encode_typed_data(full_message=typed), signature=signature)
    except Exception as error:  # any malformed signature
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
    request: dict[str, Any],
    signature: bytes,
) -> SignedRelayerTransaction:
    chain = chain_config(services, caller.environment)
    rpc = rpc_for(services, caller.environment)
    forwarder = chain.forwarder_address
    current = forwarding.forwarder_nonce(rpc, forwarder, request["from"])
    if repository.sponsored_pending_from(session, chain.chain_id, request["from"]):
        raise refuse(
            "sponsored_request_pending",
            "a sponsored request of this wallet is still waiting to be mined; its nonce is taken",
            409,
        )
    if request["nonce"] != current:
        detail = f"the request's nonce is {request['nonce']}, the forwarder expects {current}"
        raise refuse("stale_nonce", detail, 409, field="nonce", expected_nonce=str(current))
    try:
        key = pick_key(services, caller.environment)
    except NoRelayerKey as error:
        raise refuse("sponsored_unavailable", str(error), 503) from error
    call = forwarding.execute_data(request, signature)
    try:
        estimate = forwarding.simulate(rpc, forwarder, key.address, request, call)
        fees = suggest(rpc, chain.fee_policy)
    except forwarding.WouldRevert as error:
        raise refuse(
            "would_revert", f"the call would revert: {error.reason}", 422, revert=error.reason
        ) from error
    except FeeAboveCap as error:
        raise refuse("network_fee_above_cap", str(error), 503) from error
    gas_limit = estimate * (100 + GAS_MARGIN_PERCENT) // 100
    _check_budget(session, caller.app_id, gas_limit * fees.max_fee_per_gas)
    return sign_call(
        services,
        session,
        caller.environment,
        to=forwarder,
        data=call,
        gas_limit=gas_limit,
        key=key,
        fees=fees,
    )


def _check_budget(session: Session, app_id: str, worst_case: int) -> None:
    payment = relay_payment(session, app_id)
    assert payment is not None
    reserved = repository.sponsored_in_flight_cost(session, app_id)
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
        next_check_at=now + FIRST_TRACK_DELAY,
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    session.flush()
    enqueue(session, BROADCAST, transaction_id=record.id)
    return Submitted(record, created=True)
