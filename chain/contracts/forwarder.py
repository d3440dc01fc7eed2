"""EIP-712 typed data of the platform forwarder's ``ForwardRequest`` (ERC-2771 sponsored calls).

The relay, the sandbox and both SDKs must sign exactly what ``ChainlessForwarder`` hashes
(OpenZeppelin ``ERC2771Forwarder``)::

    ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,
                   uint48 deadline,bytes data)

in the domain ``{name: "ChainlessForwarder", version: "1", chainId, verifyingContract}``
(EIP-712 "Definition of domainSeparator"). :func:`forward_request_typed_data` builds that document
in the ``eth_signTypedData_v4`` shape, which ``eth_account``'s ``encode_typed_data(full_message=)``
/ ``Account.sign_typed_data(full_message=)``, ethers and viem all accept. ``nonce`` is the
forwarder's ``nonces(from)``; the contract's ``execute`` takes the request *without* it (the
forwarder supplies its own), plus the signature: :func:`forward_request_data` builds that tuple.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_account import Account
from eth_typing import ChecksumAddress
from eth_utils import is_address, to_bytes, to_checksum_address
from web3 import Web3

FORWARDER_NAME = "ChainlessForwarder"
FORWARDER_VERSION = "1"  # OpenZeppelin's ERC2771Forwarder fixes it

EIP712_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
FORWARD_REQUEST_TYPE = [
    {"name": "from", "type": "address"},
    {"name": "to", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "gas", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint48"},
    {"name": "data", "type": "bytes"},
]
FORWARD_REQUEST_TYPE_STRING = (
    "ForwardRequest("
    + ",".join(f"{item['type']} {item['name']}" for item in FORWARD_REQUEST_TYPE)
    + ")"
)

_UINT_BITS = {"value": 256, "gas": 256, "nonce": 256, "deadline": 48}
_IGNORED_KEYS = frozenset({"signature"})  # a ForwardRequestData may be passed back in


class InvalidForwardRequest(ValueError):
    """A forward request field is missing, unknown or out of range (``field`` says which)."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        super().__init__(f"forward request {field!r}: {reason}")


def forward_request_typed_data(
    forwarder_address: str,
    chain_id: int,
    request: Mapping[str, Any],
    *,
    name: str = FORWARDER_NAME,
    version: str = FORWARDER_VERSION,
) -> dict[str, Any]:
    """The full EIP-712 document for ``request`` (keys ``from, to, value, gas, nonce, deadline,
    data``; ``data`` as bytes or 0x-hex) on the forwarder at ``forwarder_address``.

    Values are normalised (checksummed addresses, ints, 0x-hex data) and range-checked, so a
    request that would not fit the Solidity types fails here with :class:`InvalidForwardRequest`
    instead of producing a signature the forwarder rejects.
    """
    if not is_address(forwarder_address):
        raise InvalidForwardRequest("verifyingContract", f"not an address: {forwarder_address!r}")
    if isinstance(chain_id, bool) or not isinstance(chain_id, int) or chain_id <= 0:
        raise InvalidForwardRequest("chainId", f"not a positive integer: {chain_id!r}")
    return {
        "types": {"EIP712Domain": EIP712_DOMAIN_TYPE, "ForwardRequest": FORWARD_REQUEST_TYPE},
        "primaryType": "ForwardRequest",
        "domain": {
            "name": name,
            "version": version,
            "chainId": chain_id,
            "verifyingContract": to_checksum_address(forwarder_address),
        },
        "message": normalize_forward_request(request),
    }


def normalize_forward_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """``request`` with checksummed addresses, int amounts and 0x-hex ``data``, validated."""
    expected = [item["name"] for item in FORWARD_REQUEST_TYPE]
    unknown = set(request) - set(expected) - _IGNORED_KEYS
    if unknown:
        raise InvalidForwardRequest(sorted(unknown)[0], "unknown field")
    for key in expected:
        if key not in request:
            raise InvalidForwardRequest(key, "missing")
    message: dict[str, Any] = {}
    for key in expected:
        value = request[key]
        if key in {"from", "to"}:
            message[key] = _address(key, value)
        elif key == "data":
            message[key] = "0x" + _bytes(key, value).hex()
        else:
            message[key] = _uint(key, value, _UINT_BITS[key])
    return message


def forward_request_data(request: Mapping[str, Any], signature: bytes | str) -> tuple[Any, ...]:
    """The ``ForwardRequestData`` tuple ``execute`` / ``verify`` take:
    ``(from, to, value, gas, deadline, data, signature)`` (no nonce: the forwarder reads it)."""
    message = normalize_forward_request(request)
    return (
        message["from"],
        message["to"],
        message["value"],
        message["gas"],
        message["deadline"],
        bytes.fromhex(message["data"][2:]),
        _bytes("signature", signature),
    )


def sign_forward_request(
    private_key: str | bytes,
    forwarder_address: str,
    chain_id: int,
    request: Mapping[str, Any],
) -> bytes:
    """The 65-byte EIP-712 signature of ``request`` by ``private_key`` (tests, sandbox, tools)."""
    typed = forward_request_typed_data(forwarder_address, chain_id, request)
    signed = Account.sign_typed_data(private_key, full_message=typed)
    return bytes(signed.signature)


def forwarder_domain(w3: Web3, forwarder_address: str) -> dict[str, Any]:
    """The domain the deployed forwarder reports through ERC-5267 ``eip712Domain()``."""
    contract = w3.eth.contract(address=to_checksum_address(forwarder_address), abi=_ERC5267_ABI)
    _fields, name, version, chain_id, verifying_contract, _salt, _extensions = (
        contract.functions.eip712Domain().call()
    )
    return {
        "name": name,
        "version": version,
        "chainId": chain_id,
        "verifyingContract": to_checksum_address(verifying_contract),
    }


def _address(key: str, value: Any) -> ChecksumAddress:
    if not isinstance(value, str | bytes) or not is_address(value):
        raise InvalidForwardRequest(key, f"not an address: {value!r}")
    return to_checksum_address(value)


def _uint(key: str, value: Any, bits: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidForwardRequest(key, f"not an integer: {value!r}")
    if not 0 <= value < 2**bits:
        raise InvalidForwardRequest(key, f"outside uint{bits}: {value}")
    return value


def _bytes(key: str, value: Any) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str) and value.startswith(("0x", "0X")):
        try:
            return to_bytes(hexstr=value)
        except ValueError as error:
            raise InvalidForwardRequest(key, f"not hex: {value!r}") from error
    raise InvalidForwardRequest(key, f"expected bytes or 0x-hex, got {value!r}")


_ERC5267_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "eip712Domain",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [
            {"name": "fields", "type": "bytes1"},
            {"name": "name", "type": "string"},
            {"name": "version", "type": "string"},
            {"name": "chainId", "type": "uint256"},
            {"name": "verifyingContract", "type": "address"},
            {"name": "salt", "type": "bytes32"},
            {"name": "extensions", "type": "uint256[]"},
        ],
    }
]
