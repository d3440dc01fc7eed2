"""CRC20 is an ERC-20 with an owner-only mint and EIP-2612 permit (signed approvals)."""

from __future__ import annotations

import pytest
from eth_account import Account
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD

from tests.contracts.conftest import TOKEN_SUPPLY, Platform
from tests.contracts.support import (
    GASLESS_USER,
    HOUR,
    Revert,
    decode_revert,
    latest_timestamp,
    send,
)

pytestmark = pytest.mark.slow  # anvil

UNIT = 10**18


def _permit_signature(
    platform: Platform, owner_key: bytes, spender: str, value: int, deadline: int
) -> bytes:
    token, w3 = platform.token, platform.w3
    owner = Account.from_key(owner_key).address
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Permit",
        "domain": {
            "name": token.functions.name().call(),
            "version": "1",
            "chainId": w3.eth.chain_id,
            "verifyingContract": token.address,
        },
        "message": {
            "owner": owner,
            "spender": spender,
            "value": value,
            "nonce": token.functions.nonces(owner).call(),
            "deadline": deadline,
        },
    }
    return bytes(Account.sign_typed_data(owner_key, full_message=typed).signature)


def test_deployment_metadata_and_initial_supply(platform: Platform) -> None:
    token = platform.token
    assert token.functions.name().call() == "Chainless Coin"
    assert token.functions.symbol().call() == "CLC"
    assert token.functions.decimals().call() == 18
    assert token.functions.totalSupply().call() == TOKEN_SUPPLY
    assert token.functions.balanceOf(platform.owner.address).call() == TOKEN_SUPPLY
    assert token.functions.owner().call() == platform.owner.address
    assert token.functions.trustedForwarder().call() == platform.forwarder.address
    assert token.functions.isTrustedForwarder(platform.forwarder.address).call()


def test_transfer_and_approve_then_transfer_from(platform: Platform) -> None:
    w3, token = platform.w3, platform.token
    owner, holder, relayer = (
        platform.owner.address,
        platform.holder.address,
        platform.relayer.address,
    )
    receipt = send(w3, token.functions.transfer(holder, 5 * UNIT), owner)
    (event,) = token.events.Transfer().process_receipt(receipt, errors=DISCARD)
    assert (event.args["from"], event.args["to"], event.args["value"]) == (owner, holder, 5 * UNIT)
    assert token.functions.balanceOf(holder).call() == 5 * UNIT

    send(w3, token.functions.approve(relayer, 2 * UNIT), holder)
    assert token.functions.allowance(holder, relayer).call() == 2 * UNIT
    send(w3, token.functions.transferFrom(holder, owner, 2 * UNIT), relayer)
    assert token.functions.balanceOf(holder).call() == 3 * UNIT
    assert token.functions.allowance(holder, relayer).call() == 0

    with pytest.raises(ContractCustomError) as caught:
        token.functions.transferFrom(holder, owner, 1).transact({"from": relayer})
    assert decode_revert(token.abi, caught.value).name == "ERC20InsufficientAllowance"
    with pytest.raises(ContractCustomError) as caught:
        token.functions.transfer(owner, 4 * UNIT).transact({"from": holder})
    revert = decode_revert(token.abi, caught.value)
    assert revert.name == "ERC20InsufficientBalance"
    assert revert.args == (holder, 3 * UNIT, 4 * UNIT)


def test_only_the_owner_mints(platform: Platform) -> None:
    w3, token, holder = platform.w3, platform.token, platform.holder.address
    send(w3, token.functions.mint(holder, 7), platform.owner.address)
    assert token.functions.balanceOf(holder).call() == 7
    assert token.functions.totalSupply().call() == TOKEN_SUPPLY + 7
    with pytest.raises(ContractCustomError) as caught:
        token.functions.mint(holder, 1).transact({"from": holder})
    assert decode_revert(token.abi, caught.value) == Revert("OwnableUnauthorizedAccount", (holder,))


def test_permit_lets_a_gasless_holder_approve_by_signature(platform: Platform) -> None:
    """EIP-2612: the holder signs, someone else (here the relayer) submits and pays."""
    w3, token = platform.w3, platform.token
    user, spender = GASLESS_USER, platform.relayer.address
    send(w3, token.functions.transfer(user.address, 10 * UNIT), platform.owner.address)
    assert w3.eth.get_balance(user.address) == 0
    deadline = latest_timestamp(w3) + HOUR
    signature = _permit_signature(platform, user.key, spender, 4 * UNIT, deadline)
    v, r, s = signature[64], signature[:32], signature[32:64]

    send(w3, token.functions.permit(user.address, spender, 4 * UNIT, deadline, v, r, s), spender)
    assert token.functions.allowance(user.address, spender).call() == 4 * UNIT
    assert token.functions.nonces(user.address).call() == 1
    send(w3, token.functions.transferFrom(user.address, spender, 4 * UNIT), spender)
    assert token.functions.balanceOf(user.address).call() == 6 * UNIT

    # the same signature cannot be replayed: the nonce moved on, so it recovers someone else
    with pytest.raises(ContractCustomError) as caught:
        token.functions.permit(user.address, spender, 4 * UNIT, deadline, v, r, s).transact(
            {"from": spender}
        )
    assert decode_revert(token.abi, caught.value).name == "ERC2612InvalidSigner"


def test_permit_refuses_expired_and_foreign_signatures(platform: Platform) -> None:
    w3, token = platform.w3, platform.token
    user, spender = GASLESS_USER, platform.relayer.address
    past = latest_timestamp(w3) - 1
    signature = _permit_signature(platform, user.key, spender, UNIT, past)
    with pytest.raises(ContractCustomError) as caught:
        token.functions.permit(
            user.address, spender, UNIT, past, signature[64], signature[:32], signature[32:64]
        ).transact({"from": spender})
    assert decode_revert(token.abi, caught.value) == Revert("ERC2612ExpiredSignature", (past,))

    deadline = latest_timestamp(w3) + HOUR
    stranger = Account.create()
    forged = _permit_signature(platform, stranger.key, spender, UNIT, deadline)
    with pytest.raises(ContractCustomError) as caught:
        token.functions.permit(
            user.address, spender, UNIT, deadline, forged[64], forged[:32], forged[32:64]
        ).transact({"from": spender})
    revert = decode_revert(token.abi, caught.value)
    assert revert.name == "ERC2612InvalidSigner"
    assert revert.args[1] == user.address
    assert token.functions.allowance(user.address, spender).call() == 0
