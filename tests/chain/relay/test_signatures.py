"""The relay's own EIP-712 recovery and EIP-1559 signing give exactly what ``eth_account`` gives."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from chainless.chain.contracts.forwarder import (
    forward_request_typed_data,
    normalize_forward_request,
    sign_forward_request,
)
from chainless.chain.relay import forward_signer
from chainless.chain.relay.relayers.eip1559 import sign_type2

pytestmark = pytest.mark.portable

FORWARDER = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def a_request(sender: str) -> dict[str, Any]:
    return normalize_forward_request(
        {
            "from": sender,
            "to": "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
            "value": 0,
            "gas": 200_000,
            "nonce": 7,
            "deadline": 2_000_000_000,
            "data": "0x" + "ab" * 99,
        }
    )


def test_the_forward_request_digest_and_signer_are_eip712s() -> None:
    user = Account.create()
    request = a_request(user.address)
    typed = forward_request_typed_data(FORWARDER, 31337, request)
    signable = encode_typed_data(full_message=typed)  # EIP-191 version 0x01: domain, struct
    expected = keccak(b"\x19" + signable.version + signable.header + signable.body)
    assert forward_signer.digest(FORWARDER, 31337, request) == expected
    signature = sign_forward_request(user.key, FORWARDER, 31337, request)
    assert forward_signer.recover(FORWARDER, 31337, request, signature) == user.address
    assert forward_signer.recover(FORWARDER, 1, request, signature) != user.address


@pytest.mark.parametrize("tamper", ["short", "v_zero", "high_s"])
def test_signatures_the_forwarder_would_refuse_are_unrecoverable(tamper: str) -> None:
    user = Account.create()
    request = a_request(user.address)
    signature = sign_forward_request(user.key, FORWARDER, 31337, request)
    if tamper == "short":
        signature = signature[:64]
    elif tamper == "v_zero":
        signature = signature[:64] + bytes([signature[64] - 27])
    else:  # the other s of the same signature (EIP-2 malleability)
        n = forward_signer.SECP256K1_N
        high = n - int.from_bytes(signature[32:64], "big")
        flipped = 55 - signature[64]  # 27 <-> 28
        signature = signature[:32] + high.to_bytes(32, "big") + bytes([flipped])
    with pytest.raises(forward_signer.Unrecoverable):
        forward_signer.recover(FORWARDER, 31337, request, signature)


def test_a_relayer_transaction_is_the_one_eth_account_signs() -> None:
    key = Account.create()
    fields = {
        "chain_id": 31337,
        "nonce": 12,
        "max_priority_fee_per_gas": 10**9,
        "max_fee_per_gas": 3 * 10**9,
        "gas_limit": 150_000,
        "to": FORWARDER,
        "value": 0,
        "data": bytes(range(256)),
    }
    mine = sign_type2(bytes(key.key), **fields)  # type: ignore[arg-type]
    theirs = key.sign_transaction(
        {
            "type": 2,
            "chainId": 31337,
            "nonce": 12,
            "maxPriorityFeePerGas": 10**9,
            "maxFeePerGas": 3 * 10**9,
            "gas": 150_000,
            "to": FORWARDER,
            "value": 0,
            "data": bytes(range(256)),
        }
    )
    assert mine.raw == bytes(theirs.raw_transaction)
    assert mine.hash == bytes(theirs.hash)
