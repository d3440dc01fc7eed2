"""CRC721 is an ERC-721 with URI storage, enumeration and sequential owner-only minting."""

from __future__ import annotations

import pytest
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD

from tests.contracts.conftest import BASE_URI, Platform
from tests.contracts.support import Revert, decode_revert, send

pytestmark = pytest.mark.slow  # anvil

INTERFACES = {
    "ERC165": "0x01ffc9a7",
    "ERC721": "0x80ac58cd",
    "ERC721Metadata": "0x5b5e139f",
    "ERC721Enumerable": "0x780e9d63",
    "ERC4906": "0x49064906",
}


def _mint(platform: Platform, to: str, uri: str) -> int:
    receipt = send(platform.w3, platform.nft.functions.safeMint(to, uri), platform.owner.address)
    (transfer,) = platform.nft.events.Transfer().process_receipt(receipt, errors=DISCARD)
    assert transfer.args["from"] == "0x" + "00" * 20
    return int(transfer.args["tokenId"])


def test_mint_owner_of_and_token_uri(platform: Platform) -> None:
    nft, holder = platform.nft, platform.holder.address
    first = _mint(platform, holder, "first.json")
    second = _mint(platform, holder, "")
    assert (first, second) == (1, 2)  # ids start at 1
    assert nft.functions.ownerOf(first).call() == holder
    assert nft.functions.balanceOf(holder).call() == 2
    assert nft.functions.tokenURI(first).call() == BASE_URI + "first.json"
    assert nft.functions.tokenURI(second).call() == BASE_URI + "2"  # no stored URI: base + id
    assert nft.functions.name().call() == "Chainless Pass"
    assert nft.functions.symbol().call() == "CLP"


def test_enumeration(platform: Platform) -> None:
    nft, holder, owner = platform.nft, platform.holder.address, platform.owner.address
    ids = [_mint(platform, holder, f"{n}.json") for n in range(3)] + [_mint(platform, owner, "x")]
    assert nft.functions.totalSupply().call() == 4
    assert [nft.functions.tokenByIndex(i).call() for i in range(4)] == ids
    owned = [nft.functions.tokenOfOwnerByIndex(holder, i).call() for i in range(3)]
    assert owned == ids[:3]


def test_transfer_and_approval(platform: Platform) -> None:
    w3, nft = platform.w3, platform.nft
    holder, relayer, owner = (
        platform.holder.address,
        platform.relayer.address,
        platform.owner.address,
    )
    token_id = _mint(platform, holder, "a.json")

    send(w3, nft.functions.transferFrom(holder, relayer, token_id), holder)
    assert nft.functions.ownerOf(token_id).call() == relayer
    assert nft.functions.tokenOfOwnerByIndex(relayer, 0).call() == token_id
    assert nft.functions.balanceOf(holder).call() == 0

    send(w3, nft.functions.approve(owner, token_id), relayer)
    assert nft.functions.getApproved(token_id).call() == owner
    send(w3, nft.functions.safeTransferFrom(relayer, holder, token_id), owner)
    assert nft.functions.ownerOf(token_id).call() == holder
    assert nft.functions.getApproved(token_id).call() == "0x" + "00" * 20

    with pytest.raises(ContractCustomError) as caught:
        nft.functions.transferFrom(holder, owner, token_id).transact({"from": relayer})
    assert decode_revert(nft.abi, caught.value) == Revert(
        "ERC721InsufficientApproval", (relayer, token_id)
    )


def test_only_the_owner_mints_and_sets_the_base_uri(platform: Platform) -> None:
    nft, holder = platform.nft, platform.holder.address
    for call in (nft.functions.safeMint(holder, "x"), nft.functions.setBaseURI("https://x/")):
        with pytest.raises(ContractCustomError) as caught:
            call.transact({"from": holder})
        assert decode_revert(nft.abi, caught.value) == Revert(
            "OwnableUnauthorizedAccount", (holder,)
        )
    token_id = _mint(platform, holder, "a.json")
    receipt = send(platform.w3, nft.functions.setBaseURI("https://x/"), platform.owner.address)
    (update,) = nft.events.BatchMetadataUpdate().process_receipt(receipt, errors=DISCARD)
    assert (update.args["_fromTokenId"], update.args["_toTokenId"]) == (1, token_id)
    assert nft.functions.tokenURI(token_id).call() == "https://x/a.json"


def test_safe_mint_refuses_a_contract_that_is_no_receiver(platform: Platform) -> None:
    nft = platform.nft
    with pytest.raises(ContractCustomError) as caught:
        nft.functions.safeMint(platform.recipient.address, "x").transact(
            {"from": platform.owner.address}
        )
    assert decode_revert(nft.abi, caught.value) == Revert(
        "ERC721InvalidReceiver", (platform.recipient.address,)
    )


def test_unknown_token_and_interfaces(platform: Platform) -> None:
    nft = platform.nft
    with pytest.raises(ContractCustomError) as caught:
        nft.functions.tokenURI(99).call()
    assert decode_revert(nft.abi, caught.value) == Revert("ERC721NonexistentToken", (99,))
    for name, interface_id in INTERFACES.items():
        assert nft.functions.supportsInterface(interface_id).call(), name
    assert not nft.functions.supportsInterface("0xffffffff").call()
