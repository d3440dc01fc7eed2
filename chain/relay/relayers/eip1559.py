"""A relayer's type-2 transaction (EIP-1559 over EIP-2718), encoded and signed directly.

The payload is ``0x02 ‖ rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to,
value, data, accessList, yParity, r, s])`` and the signature is over ``keccak256(0x02 ‖
rlp([...the first nine]))`` (EIP-1559 "Specification"). libsecp256k1 (coincurve) signs with
RFC 6979 nonces and low ``s`` (EIP-2), so the bytes are the ones ``eth_account`` would make,
without its generic transaction model on every request.
"""

from __future__ import annotations

from dataclasses import dataclass

import rlp  # type: ignore[import-untyped]
from coincurve import PrivateKey
from eth_utils import keccak


@dataclass(frozen=True)
class SignedType2:
    raw: bytes
    hash: bytes


def sign_type2(
    private_key: bytes,
    *,
    chain_id: int,
    nonce: int,
    max_priority_fee_per_gas: int,
    max_fee_per_gas: int,
    gas_limit: int,
    to: str,
    value: int,
    data: bytes,
) -> SignedType2:
    fields: list[object] = [
        chain_id,
        nonce,
        max_priority_fee_per_gas,
        max_fee_per_gas,
        gas_limit,
        bytes.fromhex(to[2:]),
        value,
        data,
        [],  # no access list
    ]
    signing_hash = keccak(b"\x02" + rlp.encode(fields))
    signature = PrivateKey(private_key).sign_recoverable(signing_hash, hasher=None)
    r, s, y_parity = signature[:32], signature[32:64], signature[64]
    fields += [y_parity, int.from_bytes(r, "big"), int.from_bytes(s, "big")]
    raw = b"\x02" + rlp.encode(fields)
    return SignedType2(raw=raw, hash=keccak(raw))
