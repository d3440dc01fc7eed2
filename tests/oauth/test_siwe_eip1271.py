"""EIP-1271 checks against contracts on a real local chain (anvil), and without any node."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chainless.chain.localnode import LocalChain, free_port
from chainless.oauth.siwe import SignatureMismatch, SiweMessage, verify
from chainless.oauth.siwe.eip1271 import eip1271_checker, is_valid_signature_calldata

pytestmark = pytest.mark.portable

MAGIC = bytes.fromhex("1626ba7e")
HASH = bytes(range(32))


# -- a few hand-assembled contracts (runtime code only, installed with anvil_setCode) -----------


def push(value: bytes | int, size: int = 1) -> bytes:
    data = value if isinstance(value, bytes) else value.to_bytes(size, "big")
    return bytes((0x5F + len(data),)) + data  # PUSH1..PUSH32


CALLDATALOAD, MSTORE, MLOAD, SHL, SHR = b"\x35", b"\x52", b"\x51", b"\x1b", b"\x1c"
GAS, STATICCALL, POP, EQ, JUMPI, JUMP = b"\x5a", b"\xfa", b"\x50", b"\x14", b"\x57", b"\x56"
DUP1, REVERT, JUMPDEST, RETURN, INVALID = b"\x80", b"\xfd", b"\x5b", b"\xf3", b"\xfe"

RETURN_MAGIC = push(MAGIC) + push(0xE0) + SHL + push(0) + MSTORE + push(32) + push(0) + RETURN
ALWAYS_MAGIC = RETURN_MAGIC
ALWAYS_REVERT = push(0) + DUP1 + REVERT
RIGHT_ALIGNED_MAGIC = push(MAGIC) + push(0) + MSTORE + push(32) + push(0) + RETURN
SHORT_MAGIC = push(MAGIC) + push(0xE0) + SHL + push(0) + MSTORE + push(4) + push(0) + RETURN
LOOP_FOREVER = JUMPDEST + push(0) + JUMP


def owner_wallet(owner: str) -> bytes:
    """isValidSignature(hash, sig): the magic value iff ecrecover(hash, v, r, s) is `owner`.

    Reads r, s, v from a 65-byte ``bytes`` argument at its standard ABI place (offset 0x40).
    """
    head = b"".join(
        [
            push(0x04) + CALLDATALOAD + push(0x00) + MSTORE,  # hash -> memory[0x00]
            push(0xA4) + CALLDATALOAD + push(0xF8) + SHR + push(0x20) + MSTORE,  # v -> [0x20]
            push(0x64) + CALLDATALOAD + push(0x40) + MSTORE,  # r -> memory[0x40]
            push(0x84) + CALLDATALOAD + push(0x60) + MSTORE,  # s -> memory[0x60]
            push(0x20) + push(0x80) + push(0x80) + push(0x00) + push(0x01) + GAS + STATICCALL,
            POP + push(0x80) + MLOAD + push(bytes.fromhex(owner[2:])) + EQ,
        ]
    )
    refuse = push(0) + DUP1 + REVERT
    accept_at = len(head) + 3 + len(refuse)
    return head + push(accept_at) + JUMPI + refuse + JUMPDEST + RETURN_MAGIC


@pytest.fixture(scope="module")
def web3() -> Iterator[Web3]:
    with LocalChain() as chain:
        yield Web3(Web3.HTTPProvider(chain.rpc_url))


def install(web3: Web3, code: bytes) -> str:
    address = Account.create().address
    web3.provider.make_request("anvil_setCode", [address, "0x" + code.hex()])  # type: ignore[arg-type]
    assert bytes(web3.eth.get_code(address)) == code
    return address


def signed_sign_in(address: str, signer: LocalAccount) -> tuple[str, bytes]:
    message = SiweMessage.prepare(
        domain="app.example.com",
        address=address,
        uri="https://app.example.com/login",
        chain_id=31337,
        expires_in=timedelta(minutes=5),
    )
    text = message.to_text()
    return text, bytes(signer.sign_message(encode_defunct(text=text)).signature)


# -- on anvil -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_smart_wallet_signs_in_through_its_owner(web3: Web3) -> None:
    owner, stranger = Account.create(), Account.create()
    wallet = install(web3, owner_wallet(owner.address))
    checker = eip1271_checker(web3)
    text, signature = signed_sign_in(wallet, owner)
    result = verify(
        text, signature, domain="app.example.com", chain_ids={31337}, contract_checker=checker
    )
    assert result.kind == "contract"
    assert result.address == wallet

    text, signature = signed_sign_in(wallet, stranger)
    with pytest.raises(SignatureMismatch):
        verify(
            text, signature, domain="app.example.com", chain_ids={31337}, contract_checker=checker
        )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("code", "accepted"),
    [
        (ALWAYS_MAGIC, True),
        (ALWAYS_REVERT, False),
        (RIGHT_ALIGNED_MAGIC, False),
        (SHORT_MAGIC, False),
        (LOOP_FOREVER, False),
        (INVALID, False),
    ],
    ids=["magic", "revert", "right-aligned", "short", "out-of-gas", "invalid-opcode"],
)
def test_only_the_left_aligned_magic_word_counts(web3: Web3, code: bytes, accepted: bool) -> None:
    address = install(web3, code)
    assert eip1271_checker(web3)(address, HASH, b"\x01" * 65) is accepted


@pytest.mark.slow
def test_an_address_without_code_is_refused(web3: Web3) -> None:
    assert eip1271_checker(web3)(Account.create().address, HASH, b"\x01" * 65) is False


@pytest.mark.slow
def test_a_precompile_is_no_wallet(web3: Web3) -> None:
    """The identity precompile echoes the call data, magic selector first; it has no code."""
    identity = "0x0000000000000000000000000000000000000004"
    assert eip1271_checker(web3)(identity, HASH, b"\x01" * 65) is False


@pytest.mark.slow
def test_the_checker_reads_at_the_given_block(web3: Web3) -> None:
    address = Account.create().address
    before = web3.eth.block_number
    web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    web3.provider.make_request("anvil_setCode", [address, "0x" + ALWAYS_MAGIC.hex()])  # type: ignore[arg-type]
    web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert eip1271_checker(web3)(address, HASH, b"") is True
    assert eip1271_checker(web3, block_identifier=before)(address, HASH, b"") is False


# -- without a node -------------------------------------------------------------------------------


def test_call_data_follows_the_abi() -> None:
    signature = bytes(range(65))
    data = is_valid_signature_calldata(HASH, signature)
    assert data[:4] == MAGIC == Web3.keccak(text="isValidSignature(bytes32,bytes)")[:4]
    assert data[4:36] == HASH
    assert int.from_bytes(data[36:68], "big") == 0x40  # offset of the bytes argument
    assert int.from_bytes(data[68:100], "big") == 65  # its length
    assert data[100:165] == signature
    assert data[165:] == bytes(31)  # padded to whole words
    assert len(data) == 4 + 32 * 6


def test_making_a_checker_contacts_no_node_and_an_outage_is_raised() -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    unreachable = Web3(Web3.HTTPProvider(url, exception_retry_configuration=None))
    checker = eip1271_checker(unreachable)  # no request yet
    text, signature = signed_sign_in(Account.create().address, Account.create())
    with pytest.raises(requests.ConnectionError):
        verify(
            text,
            signature,
            domain="app.example.com",
            chain_ids={31337},
            contract_checker=checker,
            now=datetime.now(UTC),
        )
