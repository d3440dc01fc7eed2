"""The ForwardRequest typed data matches OpenZeppelin's ERC2771Forwarder hash (EIP-712) and
refuses values the Solidity types cannot hold."""

from __future__ import annotations

import re
from typing import Any

import eth_abi
import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from chainless.chain.contracts import (
    FORWARD_REQUEST_TYPE_STRING,
    InvalidForwardRequest,
    forward_request_data,
    forward_request_typed_data,
    normalize_forward_request,
    sign_forward_request,
)
from chainless.platform.toolchain import openzeppelin_dir

FORWARDER = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
CHAIN_ID = 31337
USER = Account.from_key(keccak(text="forward request unit test"))
TARGET = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512"  # not checksummed on purpose


def _request(**changes: Any) -> dict[str, Any]:
    request = {
        "from": USER.address,
        "to": TARGET,
        "value": 0,
        "gas": 100_000,
        "nonce": 3,
        "deadline": 1_900_000_000,
        "data": bytes.fromhex("c47f0027") + b"\x00" * 32,
    }
    request.update(changes)
    return request


def _manual_digest(request: dict[str, Any]) -> bytes:
    """EIP-712 ``hashStruct`` and domain separator written out, as the forwarder computes them."""
    domain_type = (
        b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    separator = keccak(
        eth_abi.encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [keccak(domain_type), keccak(b"ChainlessForwarder"), keccak(b"1"), CHAIN_ID, FORWARDER],
        )
    )
    struct = keccak(
        eth_abi.encode(
            ["bytes32", "address", "address", "uint256", "uint256", "uint256", "uint48", "bytes32"],
            [
                keccak(text=FORWARD_REQUEST_TYPE_STRING),
                request["from"],
                request["to"],
                request["value"],
                request["gas"],
                request["nonce"],
                request["deadline"],
                keccak(request["data"]),
            ],
        )
    )
    return keccak(b"\x19\x01" + separator + struct)


def test_the_type_string_is_the_one_the_pinned_forwarder_hashes() -> None:
    source = (openzeppelin_dir() / "metatx" / "ERC2771Forwarder.sol").read_text()
    literal = re.search(r'keccak256\(\s*"(ForwardRequest\([^"]*\))"\s*\)', source)
    assert literal is not None
    assert literal.group(1) == FORWARD_REQUEST_TYPE_STRING


def test_typed_data_document() -> None:
    typed = forward_request_typed_data(FORWARDER.lower(), CHAIN_ID, _request())
    assert typed["primaryType"] == "ForwardRequest"
    assert typed["domain"] == {
        "name": "ChainlessForwarder",
        "version": "1",
        "chainId": CHAIN_ID,
        "verifyingContract": FORWARDER,
    }
    assert [f["name"] for f in typed["types"]["EIP712Domain"]] == [
        "name",
        "version",
        "chainId",
        "verifyingContract",
    ]
    assert typed["message"]["to"] == "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
    assert typed["message"]["data"] == "0xc47f0027" + "00" * 32
    assert typed["types"]["ForwardRequest"][5] == {"name": "deadline", "type": "uint48"}


def test_eth_account_hashes_it_like_the_contract() -> None:
    request = _request()
    typed = forward_request_typed_data(FORWARDER, CHAIN_ID, request)
    signable = encode_typed_data(full_message=typed)
    assert keccak(b"\x19" + signable.version + signable.header + signable.body) == (
        _manual_digest(request)
    )
    signature = sign_forward_request(USER.key, FORWARDER, CHAIN_ID, request)
    assert len(signature) == 65
    assert Account.recover_message(signable, signature=signature) == USER.address


def test_the_signature_depends_on_chain_and_forwarder() -> None:
    request = _request()
    base = sign_forward_request(USER.key, FORWARDER, CHAIN_ID, request)
    assert base != sign_forward_request(USER.key, FORWARDER, 1, request)
    assert base != sign_forward_request(USER.key, TARGET, CHAIN_ID, request)


def test_execute_tuple_has_no_nonce_and_takes_hex_or_bytes() -> None:
    request = _request(data="0xc47f0027")
    signature = sign_forward_request(USER.key, FORWARDER, CHAIN_ID, request)
    data = forward_request_data(request, "0x" + signature.hex())
    assert data == (
        USER.address,
        "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
        0,
        100_000,
        1_900_000_000,
        bytes.fromhex("c47f0027"),
        signature,
    )


def test_a_signature_field_is_ignored_but_unknown_fields_are_not() -> None:
    assert normalize_forward_request(_request(signature="0x00")) == normalize_forward_request(
        _request()
    )
    with pytest.raises(InvalidForwardRequest) as caught:
        normalize_forward_request(_request(dealine=5))
    assert caught.value.field == "dealine"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("deadline", 2**48),
        ("value", -1),
        ("gas", 2**256),
        ("nonce", "3"),
        ("nonce", True),
        ("from", "0x1234"),
        ("to", None),
        ("data", "c47f0027"),
        ("data", "0xzz"),
        ("data", 5),
    ],
)
def test_values_outside_the_solidity_types_are_refused(field: str, value: Any) -> None:
    with pytest.raises(InvalidForwardRequest) as caught:
        forward_request_typed_data(FORWARDER, CHAIN_ID, _request(**{field: value}))
    assert caught.value.field == field


def test_missing_fields_and_bad_domains_are_refused() -> None:
    request = _request()
    del request["deadline"]
    with pytest.raises(InvalidForwardRequest, match="'deadline': missing"):
        forward_request_typed_data(FORWARDER, CHAIN_ID, request)
    with pytest.raises(InvalidForwardRequest) as caught:
        forward_request_typed_data("0xnot", CHAIN_ID, _request())
    assert caught.value.field == "verifyingContract"
    for chain_id in (0, -1, True):
        with pytest.raises(InvalidForwardRequest) as caught:
            forward_request_typed_data(FORWARDER, chain_id, _request())
        assert caught.value.field == "chainId"
