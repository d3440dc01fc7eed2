"""Everything a sponsored request asks the node, in one JSON-RPC batch (one round trip): the
forwarder's nonce of the signer, the gas estimate of ``execute`` (the simulation, see
``forwarding``), the relayer's pending nonce (``relayers.nonces.allocate``), the head, and the
fee quote and relayer balance when this process holds no fresh one (``relayers.quotes``).

The calls are independent of each other, so a batch answers the same as asking them in turn.
A quote found stale by the head of this very batch is asked again (a second round trip, rare).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chainless.chain.relay import forwarding
from chainless.chain.relay.relayers.fees import FEE_HISTORY, PRIORITY_FEE, base_fee_of
from chainless.chain.relay.relayers.quotes import FeeQuote, Quotes
from chainless.chain.relay.rpc import ChainRpc, RpcError, quantity


@dataclass(frozen=True)
class Preflight:
    forwarder_nonce: int
    estimate: int | RpcError  # the node's refusal is judged after the nonce checks
    relayer_nonce: int  # the node's pending nonce of the relayer
    fees: FeeQuote
    balance: int  # the relayer's, for the low-balance alert


def ask(
    rpc: ChainRpc,
    quotes: Quotes,
    environment: str,
    *,
    forwarder: str,
    signer: str,
    relayer: str,
    call: bytes,
) -> Preflight:
    seen = quotes.head(environment)
    fees = None if seen is None else quotes.fees(environment, seen)
    balance = None if seen is None else quotes.balance(environment, relayer, seen)
    calls: list[forwarding.Call] = [
        forwarding.nonce_call(forwarder, signer),
        forwarding.estimate_call(forwarder, relayer, call),
        ("eth_getTransactionCount", [relayer, "pending"]),
        ("eth_blockNumber", []),
    ]
    if fees is None:
        calls += [FEE_HISTORY, PRIORITY_FEE]
    if balance is None:
        calls.append(("eth_getBalance", [relayer, "pending"]))
    answers = rpc.batch(calls)
    head = _number(answers[3])
    quotes.saw_head(environment, head)
    if fees is None:
        fees = FeeQuote(base_fee_of(_ok(answers[4])), _number(answers[5]))
        quotes.keep_fees(environment, head, fees)
    elif quotes.fees(environment, head) is None:  # the head moved past the quote meanwhile
        history, tip = (_ok(answer) for answer in rpc.batch([FEE_HISTORY, PRIORITY_FEE]))
        fees = FeeQuote(base_fee_of(history), _number(tip))
        quotes.keep_fees(environment, head, fees)
    if balance is None:
        balance = _number(answers[-1])
        quotes.keep_balance(environment, relayer, head, balance)
    estimate = answers[1]
    return Preflight(
        forwarder_nonce=_number(answers[0]),
        estimate=estimate if isinstance(estimate, RpcError) else _number(estimate),
        relayer_nonce=_number(answers[2]),
        fees=fees,
        balance=balance,
    )


def _ok(answer: Any) -> Any:
    if isinstance(answer, RpcError):
        raise answer
    return answer


def _number(answer: Any) -> int:
    return quantity(_ok(answer)) or 0
