"""Decoding of real signed transactions of every supported type (EIP-155, EIP-2930, EIP-1559).

Transactions are signed by eth_account, the reference the relay's clients use, and every decoded
field, the hash and the recovered sender are compared with what was signed.
"""

from __future__ import annotations

import dataclasses
import pickle
import random
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from chainless.chain.txcodec import (
    MAX_DATA_BYTES,
    MAX_NONCE,
    AccessListEntry,
    DecodedTransaction,
    InvalidField,
    NonceOutOfRange,
    TxDecodeError,
    TxType,
    decode,
)

pytestmark = pytest.mark.portable

ALICE: LocalAccount = Account.from_key("0x" + "a1" * 32)
TOKEN = to_checksum_address("0x" + "5e" * 20)
TRANSFER = bytes.fromhex("a9059cbb") + bytes(12) + bytes.fromhex("22" * 20) + (10**6).to_bytes(32)
ACCESS_LIST = [
    {"address": TOKEN, "storageKeys": ["0x" + "00" * 31 + "01", "0x" + "ff" * 32]},
    {"address": to_checksum_address("0x" + "07" * 20), "storageKeys": []},
]


def sign(tx: dict[str, Any]) -> tuple[bytes, str]:
    signed = ALICE.sign_transaction(tx)
    return bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex()


def expected_access_list(entries: list[dict[str, Any]]) -> tuple[AccessListEntry, ...]:
    return tuple(
        AccessListEntry(to_checksum_address(entry["address"]), tuple(entry["storageKeys"]))
        for entry in entries
    )


def test_legacy_before_eip155_has_no_chain_id() -> None:
    tx: dict[str, Any] = {"nonce": 7, "gasPrice": 2 * 10**9, "gas": 60_000, "to": TOKEN, "value": 0}
    raw, tx_hash = sign({**tx, "data": TRANSFER})

    decoded = decode(raw)

    assert decoded.type is TxType.LEGACY
    assert decoded.chain_id is None
    assert (decoded.nonce, decoded.gas_price, decoded.gas_limit) == (7, 2 * 10**9, 60_000)
    assert (decoded.to, decoded.value, decoded.data) == (TOKEN, 0, TRANSFER)
    assert decoded.max_fee_per_gas is None
    assert decoded.max_priority_fee_per_gas is None
    assert decoded.max_fee == 2 * 10**9
    assert decoded.access_list == ()
    assert decoded.v in (27, 28)
    assert decoded.y_parity == decoded.v - 27
    assert decoded.hash == tx_hash
    assert decoded.sender == ALICE.address
    assert decoded.selector == "0xa9059cbb"
    assert decoded.raw == raw


@pytest.mark.parametrize("chain_id", [1, 137, 31337, 2**40 + 7])
def test_legacy_eip155_derives_chain_id_from_v(chain_id: int) -> None:
    tx: dict[str, Any] = {"chainId": chain_id, "nonce": 0, "gasPrice": 1, "gas": 21_000}
    tx["to"] = TOKEN
    raw, tx_hash = sign({**tx, "value": 10**18, "data": b""})
    signed = ALICE.sign_transaction({**tx, "value": 10**18, "data": b""})

    decoded = decode(raw)

    assert decoded.type is TxType.LEGACY
    assert decoded.chain_id == chain_id
    assert decoded.v == signed.v == chain_id * 2 + 35 + decoded.y_parity
    assert (decoded.r, decoded.s) == (signed.r, signed.s)
    assert decoded.value == 10**18
    assert decoded.selector is None
    assert decoded.hash == tx_hash
    assert decoded.sender == ALICE.address


def test_eip2930_with_access_list() -> None:
    tx: dict[str, Any] = {
        "type": 1,
        "chainId": 10,
        "nonce": 3,
        "gasPrice": 5,
        "gas": 90_000,
        "to": TOKEN,
    }
    raw, tx_hash = sign({**tx, "value": 1, "data": TRANSFER, "accessList": ACCESS_LIST})

    decoded = decode(raw)

    assert decoded.type is TxType.ACCESS_LIST
    assert raw[0] == 0x01
    assert (decoded.chain_id, decoded.nonce, decoded.gas_price) == (10, 3, 5)
    assert (decoded.gas_limit, decoded.to, decoded.value, decoded.data) == (
        90_000,
        TOKEN,
        1,
        TRANSFER,
    )
    assert decoded.access_list == expected_access_list(ACCESS_LIST)
    assert decoded.max_fee == 5
    assert decoded.v == decoded.y_parity in (0, 1)
    assert decoded.hash == tx_hash
    assert decoded.sender == ALICE.address


def test_a_signed_nonce_of_two_to_the_64_minus_one_is_refused() -> None:
    """EIP-2681 bounds the nonce to 2^64 - 2: eth_account signs 2^64 - 1, no client accepts it."""
    tx = {"chainId": 1, "nonce": 2**64 - 1, "gasPrice": 1, "gas": 21_000, "to": TOKEN}
    raw, _ = sign(tx)
    with pytest.raises(NonceOutOfRange) as refused:
        decode(raw)
    assert (refused.value.code, refused.value.field) == ("nonce_out_of_range", "nonce")


def test_eip1559() -> None:
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": 8453,
        "nonce": 2**64 - 2,  # EIP-2681: the largest nonce
        "maxPriorityFeePerGas": 10**9,
        "maxFeePerGas": 3 * 10**10,
        "gas": 2**64 - 1,
        "to": TOKEN,
        "value": 2**256 - 1,
        "data": TRANSFER,
        "accessList": ACCESS_LIST[:1],
    }
    raw, tx_hash = sign(tx)
    signed = ALICE.sign_transaction(tx)

    decoded = decode(raw)

    assert decoded.type is TxType.DYNAMIC_FEE
    assert decoded.chain_id == 8453
    assert decoded.nonce == 2**64 - 2
    assert decoded.gas_limit == 2**64 - 1
    assert decoded.max_priority_fee_per_gas == 10**9
    assert decoded.max_fee_per_gas == decoded.max_fee == 3 * 10**10
    assert decoded.gas_price is None
    assert decoded.value == 2**256 - 1
    assert decoded.access_list == expected_access_list(ACCESS_LIST[:1])
    assert (decoded.v, decoded.r, decoded.s) == (signed.v, signed.r, signed.s)
    assert decoded.hash == tx_hash
    assert decoded.sender == ALICE.address


@pytest.mark.parametrize(
    "tx",
    [
        {"nonce": 0, "gasPrice": 1, "gas": 100_000},
        {"chainId": 1, "nonce": 0, "gasPrice": 1, "gas": 100_000},
        {"type": 1, "chainId": 1, "nonce": 0, "gasPrice": 1, "gas": 100_000, "accessList": []},
        {"type": 2, "chainId": 1, "nonce": 0, "maxPriorityFeePerGas": 1, "maxFeePerGas": 2},
    ],
    ids=["legacy", "eip155", "eip2930", "eip1559"],
)
def test_contract_creation_has_no_recipient(tx: dict[str, Any]) -> None:
    init_code = bytes.fromhex("6080604052348015600f57600080fd5b50")
    raw, tx_hash = sign({"gas": 100_000, **tx, "value": 0, "data": init_code})

    decoded = decode(raw)

    assert decoded.to is None
    assert decoded.is_contract_creation
    assert decoded.selector is None  # init code, not a call
    assert decoded.data == init_code
    assert decoded.hash == tx_hash
    assert decoded.sender == ALICE.address


def test_accepts_hex_and_bytes_like_input() -> None:
    signed = ALICE.sign_transaction(
        {"chainId": 1, "nonce": 1, "gasPrice": 1, "gas": 21_000, "to": TOKEN}
    )
    raw = bytes(signed.raw_transaction)
    expected = decode(raw)

    assert decode("0x" + raw.hex()) == expected
    assert decode("0x" + raw.hex().upper()) == expected
    assert decode(bytearray(raw)) == expected
    assert decode(memoryview(raw)) == expected
    assert decode(signed.raw_transaction) == expected  # HexBytes, a bytes subclass
    assert type(decode(signed.raw_transaction).raw) is bytes


def test_rejects_non_bytes_input_as_a_programming_error() -> None:
    with pytest.raises(TypeError):
        decode(12345)  # type: ignore[arg-type]


def test_selector_needs_four_bytes_of_calldata() -> None:
    base: dict[str, Any] = {"type": 2, "chainId": 1, "maxPriorityFeePerGas": 1, "maxFeePerGas": 1}
    base |= {"nonce": 0, "gas": 50_000, "to": TOKEN, "value": 0}
    assert decode(sign({**base, "data": b"\x12\x34\x56"})[0]).selector is None
    assert decode(sign({**base, "data": b"\x12\x34\x56\x78"})[0]).selector == "0x12345678"


def test_calldata_at_the_cap_is_accepted() -> None:
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": 1,
        "nonce": 0,
        "maxPriorityFeePerGas": 1,
        "maxFeePerGas": 1,
    }
    raw, _ = sign({**tx, "gas": 30_000_000, "value": 0, "data": b"\x01" * MAX_DATA_BYTES})

    assert len(decode(raw).data) == MAX_DATA_BYTES


def test_decoded_transaction_is_frozen_and_hashable() -> None:
    raw, _ = sign({"chainId": 1, "nonce": 0, "gasPrice": 1, "gas": 21_000, "to": TOKEN})
    decoded = decode(raw)

    with pytest.raises(dataclasses.FrozenInstanceError):
        decoded.nonce = 1  # type: ignore[misc]
    assert {decoded: 1}[decode(raw)] == 1


def test_errors_carry_a_stable_code_and_survive_pickling() -> None:
    with pytest.raises(TxDecodeError) as caught:
        decode("02f8")

    error = caught.value
    assert isinstance(error, InvalidField)
    assert (error.code, error.field) == ("invalid_field", "raw")
    assert str(error) == "raw: hex input must start with 0x"
    clone = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert (type(clone), clone.field, clone.detail) == (InvalidField, "raw", error.detail)


# --- property-style: random transactions of every type round-trip through decode() ----------

KEYS = [Account.from_key(random.Random(seed).randbytes(32)) for seed in range(4)]
EDGE_INTS = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 2**63, 2**64 - 1]


def random_uint(rng: random.Random, bits: int) -> int:
    if rng.random() < 0.3:
        return rng.choice([value for value in EDGE_INTS if value < 2**bits])
    return rng.getrandbits(rng.randint(1, bits))


def random_address(rng: random.Random) -> str:
    return to_checksum_address(rng.randbytes(20))


def random_transaction(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(["legacy", "eip155", "eip2930", "eip1559"])
    tx: dict[str, Any] = {
        "nonce": min(random_uint(rng, 64), MAX_NONCE),
        "gas": random_uint(rng, 63),
        "value": random_uint(rng, 256),
        "data": rng.randbytes(rng.choice([0, 1, 3, 4, 5, 36, 55, 56, 200, 1000])),
    }
    if rng.random() < 0.8:
        tx["to"] = random_address(rng)
    if kind != "legacy":
        tx["chainId"] = rng.choice([1, 10, 56, 137, 31337, random_uint(rng, 64) or 1])
    if kind in ("legacy", "eip155", "eip2930"):
        tx["gasPrice"] = random_uint(rng, 256)
    else:
        tx["maxPriorityFeePerGas"] = random_uint(rng, 256)
        tx["maxFeePerGas"] = random_uint(rng, 256)
    if kind in ("eip2930", "eip1559"):
        tx["type"] = 1 if kind == "eip2930" else 2
        tx["accessList"] = [
            {
                "address": random_address(rng),
                "storageKeys": ["0x" + rng.randbytes(32).hex() for _ in range(rng.randint(0, 3))],
            }
            for _ in range(rng.randint(0, 3))
        ]
    return tx


def assert_matches(decoded: DecodedTransaction, tx: dict[str, Any]) -> None:
    assert decoded.type == tx.get("type", 0)
    assert decoded.chain_id == tx.get("chainId")
    assert decoded.nonce == tx["nonce"]
    assert decoded.gas_limit == tx["gas"]
    assert decoded.to == tx.get("to")
    assert decoded.value == tx["value"]
    assert decoded.data == tx["data"]
    assert decoded.gas_price == tx.get("gasPrice")
    assert decoded.max_fee_per_gas == tx.get("maxFeePerGas")
    assert decoded.max_priority_fee_per_gas == tx.get("maxPriorityFeePerGas")
    assert decoded.max_fee == tx.get("maxFeePerGas", tx.get("gasPrice"))
    assert decoded.access_list == expected_access_list(tx.get("accessList", []))
    data, to = tx["data"], tx.get("to")
    assert decoded.selector == ("0x" + data[:4].hex() if to and len(data) >= 4 else None)


def test_random_transactions_round_trip() -> None:
    rng = random.Random(20240601)
    for _ in range(300):
        tx = random_transaction(rng)
        account = rng.choice(KEYS)
        signed = account.sign_transaction(tx)

        decoded = decode(bytes(signed.raw_transaction))

        assert_matches(decoded, tx)
        assert decoded.hash == "0x" + bytes(signed.hash).hex()
        assert decoded.sender == account.address
        assert (decoded.v, decoded.r, decoded.s) == (signed.v, signed.r, signed.s)
