"""CRC1155 is an ERC-1155 with supply tracking and owner-only minting."""

from __future__ import annotations

import pytest
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD

from tests.contracts.conftest import MULTI_URI, Platform
from tests.contracts.support import Revert, decode_revert, send

pytestmark = pytest.mark.slow  # anvil

SWORD, SHIELD, POTION = 1, 2, 3


def test_metadata(platform: Platform) -> None:
    multi = platform.multi
    assert multi.functions.name().call() == "Chainless Items"
    assert multi.functions.symbol().call() == "CLI"
    assert multi.functions.uri(SWORD).call() == MULTI_URI  # the {id} template, per ERC-1155
    assert multi.functions.supportsInterface("0xd9b67a26").call()  # ERC-1155
    assert multi.functions.supportsInterface("0x0e89341c").call()  # ERC-1155 metadata URI


def test_mint_balance_of_batch_and_supply(platform: Platform) -> None:
    w3, multi = platform.w3, platform.multi
    owner, holder = platform.owner.address, platform.holder.address
    send(w3, multi.functions.mint(holder, SWORD, 1, b""), owner)
    send(w3, multi.functions.mintBatch(holder, [SHIELD, POTION], [2, 50], b""), owner)
    send(w3, multi.functions.mint(owner, POTION, 10, b""), owner)

    balances = multi.functions.balanceOfBatch(
        [holder, holder, holder, owner], [SWORD, SHIELD, POTION, POTION]
    ).call()
    assert balances == [1, 2, 50, 10]
    assert multi.functions.totalSupply(POTION).call() == 60
    assert multi.functions.totalSupply().call() == 63
    assert multi.functions.exists(SHIELD).call()
    assert not multi.functions.exists(99).call()


def test_safe_transfer_from_and_operator(platform: Platform) -> None:
    w3, multi = platform.w3, platform.multi
    owner, holder, relayer = (
        platform.owner.address,
        platform.holder.address,
        platform.relayer.address,
    )
    send(w3, multi.functions.mintBatch(holder, [SWORD, POTION], [1, 5], b""), owner)

    receipt = send(w3, multi.functions.safeTransferFrom(holder, relayer, POTION, 2, b""), holder)
    (event,) = multi.events.TransferSingle().process_receipt(receipt, errors=DISCARD)
    assert (event.args["operator"], event.args["from"], event.args["to"]) == (
        holder,
        holder,
        relayer,
    )
    assert multi.functions.balanceOfBatch([holder, relayer], [POTION, POTION]).call() == [3, 2]

    with pytest.raises(ContractCustomError) as caught:
        multi.functions.safeTransferFrom(holder, relayer, SWORD, 1, b"").transact({"from": owner})
    assert decode_revert(multi.abi, caught.value) == Revert(
        "ERC1155MissingApprovalForAll", (owner, holder)
    )
    send(w3, multi.functions.setApprovalForAll(owner, True), holder)
    send(
        w3,
        multi.functions.safeBatchTransferFrom(holder, owner, [SWORD, POTION], [1, 3], b""),
        owner,
    )
    assert multi.functions.balanceOfBatch([holder, holder], [SWORD, POTION]).call() == [0, 0]
    assert multi.functions.totalSupply(POTION).call() == 5  # transfers keep the supply


def test_only_the_owner_mints(platform: Platform) -> None:
    multi, holder = platform.multi, platform.holder.address
    with pytest.raises(ContractCustomError) as caught:
        multi.functions.mint(holder, SWORD, 1, b"").transact({"from": holder})
    assert decode_revert(multi.abi, caught.value) == Revert("OwnableUnauthorizedAccount", (holder,))
