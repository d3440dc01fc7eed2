"""The signer of an ERC-2771 ``ForwardRequest``: its EIP-712 digest and ECDSA recovery, as the
platform forwarder (OpenZeppelin ``ERC2771Forwarder``, ``ECDSA.tryRecover``) will do it.

EIP-712 "Specification": ``digest = keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(request))``
with ``hashStruct = keccak256(typeHash ‖ encodeData)``; every member of ``ForwardRequest`` is an
atomic 32-byte word except ``data`` (``bytes``: its keccak256). The type hash is constant and the
domain separator depends only on the forwarder and the chain, so both are computed once. The
recovery is coincurve's (libsecp256k1). Like OpenZeppelin's ``ECDSA``, a signature is 65 bytes
``r ‖ s ‖ v`` with ``v`` 27 or 28 and ``s`` in the lower half of the curve order (EIP-2); any
other is not recoverable.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from coincurve import PublicKey
from eth_utils import keccak, to_checksum_address

from chainless.chain.contracts.forwarder import (
    EIP712_DOMAIN_TYPE,
    FORWARD_REQUEST_TYPE_STRING,
    FORWARDER_NAME,
    FORWARDER_VERSION,
)

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
FORWARD_REQUEST_TYPEHASH = keccak(text=FORWARD_REQUEST_TYPE_STRING)
_DOMAIN_TYPE_STRING = (
    "EIP712Domain(" + ",".join(f"{t['type']} {t['name']}" for t in EIP712_DOMAIN_TYPE) + ")"
)


class Unrecoverable(ValueError):
    """The signature is malformed: no signer can be recovered from it."""


@lru_cache(maxsize=64)
def domain_separator(forwarder: str, chain_id: int) -> bytes:
    """EIP-712 "Definition of domainSeparator" for the platform forwarder on ``chain_id``."""
    return keccak(
        keccak(text=_DOMAIN_TYPE_STRING)
        + keccak(text=FORWARDER_NAME)
        + keccak(text=FORWARDER_VERSION)
        + chain_id.to_bytes(32, "big")
        + bytes(12)
        + bytes.fromhex(forwarder[2:])
    )


def digest(forwarder: str, chain_id: int, request: dict[str, Any]) -> bytes:
    """The EIP-712 digest of a normalised request (``normalize_forward_request``)."""
    struct = keccak(
        FORWARD_REQUEST_TYPEHASH
        + bytes(12)
        + bytes.fromhex(request["from"][2:])
        + bytes(12)
        + bytes.fromhex(request["to"][2:])
        + request["value"].to_bytes(32, "big")
        + request["gas"].to_bytes(32, "big")
        + request["nonce"].to_bytes(32, "big")
        + request["deadline"].to_bytes(32, "big")
        + keccak(bytes.fromhex(request["data"][2:]))
    )
    return keccak(b"\x19\x01" + domain_separator(forwarder, chain_id) + struct)


def recover(forwarder: str, chain_id: int, request: dict[str, Any], signature: bytes) -> str:
    """The EIP-55 address that signed ``request``; :class:`Unrecoverable` if none can."""
    if len(signature) != 65 or signature[64] not in (27, 28):
        raise Unrecoverable("a signature is 65 bytes r, s, v with v 27 or 28")
    s = int.from_bytes(signature[32:64], "big")
    if not 0 < s <= SECP256K1_N // 2:
        raise Unrecoverable("s is not in the lower half of the curve order (EIP-2)")
    compact = signature[:64] + bytes([signature[64] - 27])
    try:
        key = PublicKey.from_signature_and_message(
            compact, digest(forwarder, chain_id, request), hasher=None
        )
    except Exception as error:  # r out of range, no point on the curve
        raise Unrecoverable(str(error)) from error
    return to_checksum_address(keccak(key.format(compressed=False)[1:])[12:])
