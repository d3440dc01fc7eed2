"""The signature rules: r and s in range, low s (EIP-2), v per EIP-155, yParity 0 or 1 (EIP-2930,
EIP-1559), and a signature that recovers to no key; each broken in a real signed transaction.
"""

from __future__ import annotations

import pytest
from eth_account import Account

from chainless.chain.txcodec import SECP256K1_N, InvalidSignature, decode
from tests.chain.test_txcodec_samples import (
    ALICE,
    ALL,
    EIP155,
    EIP1559,
    LAYOUTS,
    rejects,
    replace,
    split,
)

pytestmark = pytest.mark.portable


@ALL
@pytest.mark.parametrize(
    ("field", "value"),
    [("r", 0), ("s", 0), ("r", SECP256K1_N), ("s", SECP256K1_N), ("r", 2**256 - 1)],
)
def test_r_and_s_out_of_range(raw: bytes, field: str, value: int) -> None:
    rejects(replace(raw, field, value), InvalidSignature, field)


def other_parity(v: int, legacy: bool) -> int:
    """The ``v``/``yParity`` of the same signature with the other y."""
    if not legacy:
        return v ^ 1
    if v in (27, 28):
        return 55 - v
    return v + 1 if (v - 35) % 2 == 0 else v - 1


@ALL
def test_high_s_twin_is_refused(raw: bytes) -> None:
    """EIP-2: (r, n - s) with the other parity is the same signature, so it must not pass."""
    prefix, fields = split(raw)
    parity_field = "yParity" if prefix else "v"
    v = int.from_bytes(fields[LAYOUTS[prefix].index(parity_field)], "big")
    s = int.from_bytes(fields[-1], "big")
    twin = replace(raw, parity_field, other_parity(v, legacy=not prefix))
    twin = replace(twin, "s", SECP256K1_N - s)
    assert Account.recover_transaction(twin) == ALICE.address  # a lenient decoder takes it
    error = rejects(twin, InvalidSignature, "s")
    assert "EIP-2" in error.detail


def test_s_at_half_n_is_still_low() -> None:
    decoded = decode(replace(EIP1559, "s", SECP256K1_N // 2))
    assert decoded.s == SECP256K1_N // 2
    assert decoded.sender != ALICE.address  # a valid signature, of some other key


@pytest.mark.parametrize("parity", [2, 27, 255])
def test_y_parity_must_be_0_or_1(parity: int) -> None:
    error = rejects(replace(EIP1559, "yParity", parity), InvalidSignature, "yParity")
    assert f"got {parity}" in error.detail


@pytest.mark.parametrize("v", [0, 1, 26, 29, 34, 35, 36])
def test_legacy_v_outside_eip155(v: int) -> None:
    rejects(replace(EIP155, "v", v), InvalidSignature, "v")


def test_r_that_is_not_a_curve_point() -> None:
    p = 2**256 - 2**32 - 977
    r = next(x for x in range(1, 100) if pow(x**3 + 7, (p - 1) // 2, p) != 1)  # no y for this x
    error = rejects(replace(EIP1559, "r", r), InvalidSignature, "r")
    assert "does not recover" in error.detail


def test_tampered_fields_recover_someone_else() -> None:
    """Not a decoding error: a changed field still decodes, to a different sender."""
    assert decode(EIP1559).sender == ALICE.address
    assert decode(replace(EIP1559, "nonce", 6)).sender != ALICE.address
