"""EOA signatures over an EIP-191 ``personal_sign`` hash, recovered with libsecp256k1 (coincurve).

coincurve recovers a key in tens of microseconds, where eth_keys' pure-Python fallback takes
milliseconds; that is what keeps a sign-in verification well under a millisecond.
"""

from __future__ import annotations

import re

from coincurve import PublicKey
from eth_utils import keccak

from chainless.oauth.siwe.errors import InvalidSignature

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_N = SECP256K1_N // 2
_HEX_RE = re.compile(r"(?:0[xX])?((?:[0-9A-Fa-f]{2})*)")
_PERSONAL_PREFIX = b"\x19Ethereum Signed Message:\n"


def personal_message_hash(text: str) -> bytes:
    """EIP-191 version 0x45: keccak256("\\x19Ethereum Signed Message:\\n" + len(m) + m)."""
    data = text.encode("utf-8")
    return keccak(_PERSONAL_PREFIX + str(len(data)).encode("ascii") + data)


def signature_bytes(signature: str | bytes) -> bytes:
    """The raw signature: bytes as given, or hex text with or without ``0x``."""
    if isinstance(signature, bytes | bytearray | memoryview):
        return bytes(signature)
    if isinstance(signature, str):
        match = _HEX_RE.fullmatch(signature)
        if match is not None:
            return bytes.fromhex(match.group(1))
        raise InvalidSignature("signature is not hex (an even number of hex digits)")
    raise InvalidSignature(f"signature must be str or bytes, not {type(signature).__name__}")


def recover_signer(message_hash: bytes, signature: bytes) -> bytes:
    """The 20-byte address whose key made a 65-byte ``r || s || v`` signature of the hash.

    ``v`` may be 27/28 (Ethereum's convention) or 0/1 (the raw recovery id). ``s`` must lie in
    the lower half of the curve order (EIP-2), so that nobody can derive a second valid
    signature from a first one. Raises :class:`InvalidSignature` saying what is wrong.
    """
    if len(signature) != 65:
        raise InvalidSignature(f"signature must be 65 bytes (r, s, v), not {len(signature)}")
    v = signature[64]
    if v in (27, 28):
        v -= 27
    elif v not in (0, 1):
        raise InvalidSignature(f"signature v must be 27, 28, 0 or 1, not {signature[64]}")
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    if not 0 < r < SECP256K1_N:
        raise InvalidSignature("signature r is out of range")
    if not 0 < s <= _HALF_N:
        raise InvalidSignature("signature s is not in the lower half of the curve order (EIP-2)")
    try:
        key = PublicKey.from_signature_and_message(
            signature[:64] + bytes((v,)), message_hash, hasher=None
        )
    except ValueError as error:  # no curve point has this r, so no key signed it
        raise InvalidSignature("signature does not recover to a public key") from error
    return keccak(key.format(compressed=False)[1:])[12:]
