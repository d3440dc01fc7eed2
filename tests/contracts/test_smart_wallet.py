"""SmartWallet1271 answers EIP-1271 ``isValidSignature`` for its owner's ECDSA signatures, as
Sign-In with Ethereum checks a contract account: the EIP-191 hash of the message and the owner's
``personal_sign`` signature of it."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import defunct_hash_message, encode_defunct
from eth_utils import keccak
from web3.exceptions import ContractCustomError
from web3.types import Wei

from chainless.chain.contracts import deploy
from tests.contracts.conftest import Platform
from tests.contracts.support import Revert, decode_revert, send

pytestmark = pytest.mark.slow  # anvil

MAGIC_VALUE = bytes.fromhex("1626ba7e")
INVALID = bytes.fromhex("ffffffff")
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _siwe_message(wallet: str) -> str:
    return (
        "app.chainless.test wants you to sign in with your Ethereum account:\n"
        f"{wallet}\n\nSign in to Chainless\n\nURI: https://app.chainless.test\nVersion: 1\n"
        "Chain ID: 31337\nNonce: k3j4h5g6f7d8s9a0\nIssued At: 2026-01-01T00:00:00Z"
    )


def _personal_sign(key: str | bytes, message: str) -> bytes:
    return bytes(Account.sign_message(encode_defunct(text=message), key).signature)


def test_the_owners_personal_sign_signature_is_valid(platform: Platform) -> None:
    wallet = platform.wallet
    assert wallet.functions.owner().call() == platform.holder.address
    message = _siwe_message(wallet.address)
    digest = defunct_hash_message(text=message)
    signature = _personal_sign(platform.holder.private_key, message)
    assert wallet.functions.isValidSignature(digest, signature).call() == MAGIC_VALUE


def test_other_signers_messages_and_malformed_signatures_get_ffffffff(platform: Platform) -> None:
    wallet = platform.wallet
    message = _siwe_message(wallet.address)
    digest = defunct_hash_message(text=message)
    owner_signature = _personal_sign(platform.holder.private_key, message)
    r, s, v = owner_signature[:32], int.from_bytes(owner_signature[32:64]), owner_signature[64]
    malleated = r + (SECP256K1_N - s).to_bytes(32) + bytes([55 - v])  # same point, high s

    cases = {
        "another key": _personal_sign(platform.relayer.private_key, message),
        "another message": _personal_sign(platform.holder.private_key, message + "!"),
        "empty": b"",
        "64 bytes": owner_signature[:64],
        "garbage": b"\x01" * 65,
        "high s": malleated,
    }
    for case, signature in cases.items():
        assert wallet.functions.isValidSignature(digest, signature).call() == INVALID, case
    # the raw message hash (no EIP-191 prefix) is not what the owner signed
    raw_hash = keccak(text=message)
    assert wallet.functions.isValidSignature(raw_hash, owner_signature).call() == INVALID


def test_only_the_owner_executes_calls_from_the_wallet(platform: Platform) -> None:
    w3, wallet = platform.w3, platform.wallet
    holder, relayer = platform.holder.address, platform.relayer.address
    send(w3, platform.token.functions.transfer(wallet.address, 100), platform.owner.address)
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": holder, "to": wallet.address, "value": Wei(10**18)})
    )
    assert w3.eth.get_balance(wallet.address) == 10**18

    transfer = platform.token.encode_abi("transfer", args=[relayer, 40])
    send(w3, wallet.functions.execute(platform.token.address, 0, transfer), holder)
    assert platform.token.functions.balanceOf(relayer).call() == 40
    before = w3.eth.get_balance(relayer)
    send(w3, wallet.functions.execute(relayer, 10**17, b""), holder)
    assert w3.eth.get_balance(relayer) - before == 10**17

    with pytest.raises(ContractCustomError) as caught:
        wallet.functions.execute(relayer, 1, b"").transact({"from": relayer})
    assert decode_revert(wallet.abi, caught.value) == Revert("SmartWalletUnauthorized", (relayer,))


def test_a_wallet_without_owner_cannot_be_deployed(platform: Platform) -> None:
    with pytest.raises(ContractCustomError) as caught:
        deploy(
            platform.w3,
            "SmartWallet1271",
            "0x" + "00" * 20,
            sender=platform.owner.address,
            contracts=platform.compiled,
        )
    assert decode_revert(platform.compiled["SmartWallet1271"].abi, caught.value).name == (
        "SmartWalletZeroOwner"
    )
