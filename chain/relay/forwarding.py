"""Talking to the platform's ERC-2771 forwarder (OpenZeppelin ``ERC2771Forwarder``) over JSON-RPC:
its ``nonces(from)``, the ``execute`` call data, and simulations that show why a request would
revert.

``execute`` reverts with ``FailedCall()`` whatever the recipient said, so the recipient's own
reason comes from a second simulation: the inner call exactly as the forwarder makes it, from the
forwarder with the signer's address appended to the data (ERC-2771 "Specification").
"""

from __future__ import annotations

from typing import Any

from eth_abi import encode
from eth_utils import keccak

from chainless.chain.contracts.forwarder import forward_request_data
from chainless.chain.relay.rpc import ChainRpc, RpcError, quantity

_REQUEST_TUPLE = "(address,address,uint256,uint256,uint48,bytes,bytes)"
EXECUTE_SELECTOR = keccak(text=f"execute({_REQUEST_TUPLE})")[:4]
NONCES_SELECTOR = keccak(text="nonces(address)")[:4]


class WouldRevert(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def execute_data(request: dict[str, Any], signature: bytes) -> bytes:
    return EXECUTE_SELECTOR + encode([_REQUEST_TUPLE], [forward_request_data(request, signature)])


def forwarder_nonce(rpc: ChainRpc, forwarder: str, owner: str) -> int:
    data = NONCES_SELECTOR + encode(["address"], [owner])
    answer = rpc.call("eth_call", [{"to": forwarder, "data": "0x" + data.hex()}, "pending"])
    return quantity(answer) or 0


def simulate(
    rpc: ChainRpc, forwarder: str, relayer: str, request: dict[str, Any], call: bytes
) -> int:
    """The gas ``execute`` needs (``eth_estimateGas``), after checking that the recipient accepts
    the inner call; raises :class:`WouldRevert` with the node's reason otherwise. Sponsored
    requests carry no ether (the relayer would pay it), so no value is simulated."""
    inner = bytes.fromhex(request["data"][2:]) + bytes.fromhex(request["from"][2:])
    _ask(
        rpc,
        "eth_call",
        [
            {
                "from": forwarder,
                "to": request["to"],
                "data": "0x" + inner.hex(),
                "gas": hex(request["gas"]),
            },
            "pending",
        ],
    )
    outer = {"from": relayer, "to": forwarder, "data": "0x" + call.hex()}
    return quantity(_ask(rpc, "eth_estimateGas", [outer, "pending"])) or 0


def _ask(rpc: ChainRpc, method: str, params: list[Any]) -> Any:
    try:
        return rpc.call(method, params)
    except RpcError as error:
        raise WouldRevert(error.message) from error
