"""Talking to the platform's ERC-2771 forwarder (OpenZeppelin ``ERC2771Forwarder``) over JSON-RPC:
its ``nonces(from)``, the ``execute`` call data, its gas estimate, and why a request would revert.

One ``eth_estimateGas`` of ``execute`` is the simulation: ``execute`` checks the request (trusted
target, deadline, EIP-712 signer at the forwarder's current nonce), then calls the recipient with
exactly ``gas`` and the signer appended to the data (ERC-2771 "Specification") and reverts with
``FailedCall()`` when that call fails; the estimate fails whenever the transaction would. Only
then is the recipient's own reason asked for, with a second simulation: the inner call exactly
as the forwarder makes it.
"""

from __future__ import annotations

from typing import Any

from eth_abi import encode
from eth_utils import keccak

from chainless.chain.contracts.forwarder import forward_request_data
from chainless.chain.relay.rpc import ChainRpc, RpcError, RpcUnavailable

_REQUEST_TUPLE = "(address,address,uint256,uint256,uint48,bytes,bytes)"
EXECUTE_SELECTOR = keccak(text=f"execute({_REQUEST_TUPLE})")[:4]
NONCES_SELECTOR = keccak(text="nonces(address)")[:4]
FAILED_CALL = "0x" + keccak(text="FailedCall()")[:4].hex()  # OpenZeppelin ``Errors``

Call = tuple[str, list[Any]]
LATEST = "latest"


class WouldRevert(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def execute_data(request: dict[str, Any], signature: bytes) -> bytes:
    return EXECUTE_SELECTOR + encode([_REQUEST_TUPLE], [forward_request_data(request, signature)])


def nonce_call(forwarder: str, owner: str) -> Call:
    """``nonces(owner)`` at the latest block, as a JSON-RPC call for a batch. Not the pending
    block: a node builds that from its whole pool on every call (on anvil 1.4 ms instead of
    0.26 with 200 transactions pooled), and it would add nothing, since a wallet's next request
    waits until its last one is mined (``sponsored_request_pending``)."""
    data = NONCES_SELECTOR + bytes(12) + bytes.fromhex(owner[2:])
    return ("eth_call", [{"to": forwarder, "data": "0x" + data.hex()}, LATEST])


def estimate_call(forwarder: str, relayer: str, call: bytes) -> Call:
    """``eth_estimateGas`` of ``execute`` from the relayer, on the latest block (as
    ``nonce_call``). Sponsored requests carry no ether (the relayer would pay it), so no value
    is simulated."""
    outer = {"from": relayer, "to": forwarder, "data": "0x" + call.hex()}
    return ("eth_estimateGas", [outer, LATEST])


def why_reverted(
    rpc: ChainRpc, forwarder: str, request: dict[str, Any], error: RpcError
) -> WouldRevert:
    """The refusal for a failed estimate: the recipient's own reason when the inner call fails
    (``execute`` says only ``FailedCall()``), else the forwarder's (``error``)."""
    if FAILED_CALL not in f"{error.message} {error.data}":
        return WouldRevert(error.message)
    inner = bytes.fromhex(request["data"][2:]) + bytes.fromhex(request["from"][2:])
    params = {
        "from": forwarder,
        "to": request["to"],
        "data": "0x" + inner.hex(),
        "gas": hex(request["gas"]),
    }
    try:
        rpc.call("eth_call", [params, LATEST])
    except RpcError as reason:
        return WouldRevert(reason.message)
    except RpcUnavailable:
        pass
    return WouldRevert(error.message)  # e.g. the call needs more than ``gas``
