"""Signature rules and sender recovery (secp256k1, Yellow Paper Appendix F).

- ``r`` and ``s`` in ``[1, n)``, and ``s <= n/2`` (EIP-2: the high-s twin of a signature would be a
  second valid encoding of the same transaction with a different hash);
- legacy ``v`` is 27/28, or ``chain_id * 2 + 35/36`` (EIP-155); typed ``yParity`` is 0 or 1;
- the sender is ``keccak256(uncompressed public key)[12:]``.
"""

from __future__ import annotations

from coincurve import PublicKey

from chainless.chain.txcodec.errors import InvalidSignature
from chainless.chain.txcodec.fields import read_uint
from chainless.chain.txcodec.keccak import checksum_address, keccak256
from chainless.chain.txcodec.strictrlp import Item

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N // 2
_EIP155_OFFSET = 35


def read_y_parity(item: Item) -> int:
    parity = read_uint(item, "yParity")
    if parity > 1:
        raise InvalidSignature("yParity", f"must be 0 or 1, got {parity}")
    return parity


def split_legacy_v(v: int) -> tuple[int | None, int]:
    """Return ``(chain_id, y_parity)`` of a legacy ``v``; chain_id is None before EIP-155."""
    if v in (27, 28):
        return None, v - 27
    if v < _EIP155_OFFSET + 2:  # chain id 0 is not a chain
        raise InvalidSignature("v", f"must be 27, 28 or chain_id * 2 + 35/36 (EIP-155), got {v}")
    return (v - _EIP155_OFFSET) // 2, (v - _EIP155_OFFSET) % 2


def read_r_s(r_item: Item, s_item: Item) -> tuple[int, int]:
    r = read_uint(r_item, "r")
    s = read_uint(s_item, "s")
    if not 0 < r < SECP256K1_N:
        raise InvalidSignature("r", "must be in [1, secp256k1n)")
    if not 0 < s <= SECP256K1_HALF_N:
        raise InvalidSignature("s", "must be in [1, secp256k1n / 2] (EIP-2 forbids high s)")
    return r, s


def recover_sender(signing_hash: bytes, r: int, s: int, y_parity: int) -> str:
    """The EIP-55 address whose key produced ``(r, s, y_parity)`` over ``signing_hash``."""
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes((y_parity,))
    try:
        public_key = PublicKey.from_signature_and_message(signature, signing_hash, hasher=None)
    except ValueError as exc:  # no curve point has x = r
        raise InvalidSignature("r", "does not recover to a public key") from exc
    return checksum_address(keccak256(public_key.format(compressed=False)[1:])[12:])
