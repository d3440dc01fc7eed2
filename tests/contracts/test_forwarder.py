"""Sponsored calls: a user signs an EIP-712 ForwardRequest, the platform's relayer submits it to
ChainlessForwarder and pays the gas, and the ERC-2771 recipient sees the user as the sender."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD
from web3.types import Wei

from chainless.chain.contracts import (
    contract_at,
    deploy,
    forward_request_data,
    forward_request_typed_data,
    forwarder_domain,
)
from tests.contracts.conftest import Platform
from tests.contracts.support import (
    GASLESS_USER,
    Revert,
    decode_revert,
    latest_timestamp,
    send,
    signed_forward_request,
)

pytestmark = pytest.mark.slow  # anvil

UNIT = 10**18


def _execute(platform: Platform, data: tuple[Any, ...]) -> Any:
    return send(platform.w3, platform.forwarder.functions.execute(data), platform.relayer.address)


def _refusal(platform: Platform, data: tuple[Any, ...]) -> Revert:
    with pytest.raises(ContractCustomError) as caught:
        platform.forwarder.functions.execute(data).transact({"from": platform.relayer.address})
    return decode_revert(platform.forwarder.abi, caught.value)


def _nonce(platform: Platform, address: str) -> int:
    return int(platform.forwarder.functions.nonces(address).call())


def test_the_deployed_domain_is_the_one_clients_sign(platform: Platform) -> None:
    w3, forwarder = platform.w3, platform.forwarder
    typed = forward_request_typed_data(
        forwarder.address,
        w3.eth.chain_id,
        {
            "from": GASLESS_USER.address,
            "to": forwarder.address,
            "value": 0,
            "gas": 1,
            "nonce": 0,
            "deadline": 1,
            "data": "0x",
        },
    )
    assert forwarder_domain(w3, forwarder.address) == typed["domain"]
    assert typed["domain"]["name"] == "ChainlessForwarder"
    assert typed["domain"]["version"] == "1"


def test_sponsored_call_records_the_user_and_the_relayer_pays(platform: Platform) -> None:
    w3, forwarder, recipient = platform.w3, platform.forwarder, platform.recipient
    user, relayer = GASLESS_USER, platform.relayer.address
    assert w3.eth.get_balance(user.address) == 0  # the user holds no ether at all
    request, data = signed_forward_request(
        w3, forwarder, user, recipient, "sign", "gm from a gasless user"
    )
    assert request["nonce"] == 0
    assert forwarder.functions.verify(data).call()
    relayer_before = w3.eth.get_balance(relayer)

    receipt = _execute(platform, data)

    assert receipt["from"] == relayer
    assert recipient.functions.lastAuthor().call() == user.address
    assert recipient.functions.entriesBy(user.address).call() == 1
    assert recipient.functions.entriesBy(relayer).call() == 0
    assert recipient.functions.entry(0).call() == [user.address, "gm from a gasless user"]
    (signed,) = recipient.events.Signed().process_receipt(receipt, errors=DISCARD)
    assert signed.args["author"] == user.address
    (executed,) = forwarder.events.ExecutedForwardRequest().process_receipt(receipt, errors=DISCARD)
    assert (executed.args["signer"], executed.args["nonce"], executed.args["success"]) == (
        user.address,
        0,
        True,
    )
    assert _nonce(platform, user.address) == 1
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(relayer) == relayer_before - fee
    assert w3.eth.get_balance(user.address) == 0
    assert not forwarder.functions.verify(data).call()  # the nonce moved on


def test_the_same_call_made_directly_records_the_caller(platform: Platform) -> None:
    w3, recipient, holder = platform.w3, platform.recipient, platform.holder.address
    send(w3, recipient.functions.sign("direct"), holder)
    assert recipient.functions.lastAuthor().call() == holder


def test_an_appended_address_is_ignored_unless_the_forwarder_calls(platform: Platform) -> None:
    """ERC-2771: only the trusted forwarder's calldata suffix names the sender."""
    w3, recipient, holder = platform.w3, platform.recipient, platform.holder.address
    calldata = bytes.fromhex(recipient.encode_abi("whoAmI")[2:]) + bytes.fromhex(
        GASLESS_USER.address[2:]
    )
    answer = w3.eth.call({"from": holder, "to": recipient.address, "data": calldata})
    assert w3.codec.decode(["address"], answer)[0].lower() == holder.lower()
    spoofed = w3.eth.call(
        {"from": platform.forwarder.address, "to": recipient.address, "data": calldata}
    )
    assert w3.codec.decode(["address"], spoofed)[0].lower() == GASLESS_USER.address.lower()


def test_an_expired_request_is_refused(platform: Platform) -> None:
    w3 = platform.w3
    deadline = latest_timestamp(w3) - 1
    _, data = signed_forward_request(
        w3,
        platform.forwarder,
        GASLESS_USER,
        platform.recipient,
        "sign",
        "late",
        deadline=deadline,
    )
    assert not platform.forwarder.functions.verify(data).call()
    assert _refusal(platform, data) == Revert("ERC2771ForwarderExpiredRequest", (deadline,))
    assert _nonce(platform, GASLESS_USER.address) == 0


def test_a_signature_by_someone_else_is_refused(platform: Platform) -> None:
    w3, forwarder, user = platform.w3, platform.forwarder, GASLESS_USER
    stranger = Account.create()
    request, _ = signed_forward_request(w3, forwarder, stranger, platform.recipient, "sign", "x")
    request["from"] = user.address  # the stranger claims to be the user
    forged = Account.sign_typed_data(
        stranger.key,
        full_message=forward_request_typed_data(forwarder.address, w3.eth.chain_id, request),
    ).signature
    data = forward_request_data(request, forged)
    assert not forwarder.functions.verify(data).call()
    assert _refusal(platform, data) == Revert(
        "ERC2771ForwarderInvalidSigner", (stranger.address, user.address)
    )


def test_a_request_changed_after_signing_is_refused(platform: Platform) -> None:
    w3, recipient = platform.w3, platform.recipient
    _, data = signed_forward_request(w3, platform.forwarder, GASLESS_USER, recipient, "sign", "a")
    tampered = (*data[:5], bytes.fromhex(recipient.encode_abi("sign", args=["b"])[2:]), data[6])
    revert = _refusal(platform, tampered)
    assert revert.name == "ERC2771ForwarderInvalidSigner"
    assert revert.args[1] == GASLESS_USER.address
    assert revert.args[0] != GASLESS_USER.address


def test_a_replayed_request_is_refused(platform: Platform) -> None:
    w3, recipient = platform.w3, platform.recipient
    _, data = signed_forward_request(w3, platform.forwarder, GASLESS_USER, recipient, "sign", "1")
    _execute(platform, data)
    revert = _refusal(platform, data)
    assert revert.name == "ERC2771ForwarderInvalidSigner"  # signed for nonce 0, the nonce is 1
    assert revert.args[1] == GASLESS_USER.address
    assert recipient.functions.entryCount().call() == 1
    assert _nonce(platform, GASLESS_USER.address) == 1


def test_a_target_that_does_not_trust_the_forwarder_is_refused(platform: Platform) -> None:
    w3, owner = platform.w3, platform.owner
    address = deploy(
        w3,
        "CRC20",
        "Other",
        "OTH",
        0,
        owner.address,
        "0x" + "00" * 20,
        private_key=owner.private_key,
        contracts=platform.compiled,
    )
    untrusting = contract_at(w3, "CRC20", address, platform.compiled)
    _, data = signed_forward_request(
        w3, platform.forwarder, GASLESS_USER, untrusting, "transfer", owner.address, 1
    )
    assert _refusal(platform, data) == Revert(
        "ERC2771UntrustfulTarget", (address, platform.forwarder.address)
    )


def test_simulation_refuses_a_request_whose_call_reverts(platform: Platform) -> None:
    """The signature is fine (verify says so), but the call fails: a relay that simulates
    ``execute`` first (eth_call / eth_estimateGas) sees the revert and pays nothing."""
    w3, forwarder, recipient = platform.w3, platform.forwarder, platform.recipient
    _, data = signed_forward_request(w3, forwarder, GASLESS_USER, recipient, "alwaysReverts")
    assert forwarder.functions.verify(data).call()
    execute = forwarder.functions.execute(data)
    for simulate in (execute.call, execute.estimate_gas):
        with pytest.raises(ContractCustomError) as caught:
            simulate({"from": platform.relayer.address})
        assert decode_revert(forwarder.abi, caught.value) == Revert("FailedCall", ())
    assert _nonce(platform, GASLESS_USER.address) == 0
    # called directly, the recipient's own custom error names the caller
    with pytest.raises(ContractCustomError) as caught:
        recipient.functions.alwaysReverts().call({"from": platform.holder.address})
    assert decode_revert(recipient.abi, caught.value) == Revert(
        "SampleRecipientRefused", (platform.holder.address,)
    )


def test_a_forwarded_crc20_transfer_moves_the_users_tokens(platform: Platform) -> None:
    w3, token, user = platform.w3, platform.token, GASLESS_USER
    holder = platform.holder.address
    send(w3, token.functions.transfer(user.address, 10 * UNIT), platform.owner.address)
    _, data = signed_forward_request(
        w3, platform.forwarder, user, token, "transfer", holder, 3 * UNIT
    )
    receipt = _execute(platform, data)
    (transfer,) = token.events.Transfer().process_receipt(receipt, errors=DISCARD)
    assert (transfer.args["from"], transfer.args["to"]) == (user.address, holder)
    assert token.functions.balanceOf(user.address).call() == 7 * UNIT
    assert token.functions.balanceOf(holder).call() == 3 * UNIT
    assert token.functions.balanceOf(platform.forwarder.address).call() == 0


def test_forwarded_nft_and_multi_token_transfers(platform: Platform) -> None:
    w3, forwarder, user = platform.w3, platform.forwarder, GASLESS_USER
    owner, holder = platform.owner.address, platform.holder.address
    nft, multi = platform.nft, platform.multi
    send(w3, nft.functions.safeMint(user.address, "u.json"), owner)
    send(w3, multi.functions.mint(user.address, 7, 5, b""), owner)

    _, data = signed_forward_request(
        w3, forwarder, user, nft, "transferFrom", user.address, holder, 1
    )
    _execute(platform, data)
    assert nft.functions.ownerOf(1).call() == holder

    _, data = signed_forward_request(
        w3, forwarder, user, multi, "safeTransferFrom", user.address, holder, 7, 2, b""
    )
    receipt = _execute(platform, data)
    (event,) = multi.events.TransferSingle().process_receipt(receipt, errors=DISCARD)
    assert event.args["operator"] == user.address  # the user, not the forwarder
    assert multi.functions.balanceOfBatch([user.address, holder], [7, 7]).call() == [3, 2]


def test_ownable_sees_the_signer_of_a_forwarded_call(platform: Platform) -> None:
    w3, forwarder, token, holder = platform.w3, platform.forwarder, platform.token, platform.holder
    owner = Account.from_key(platform.owner.private_key)
    _, data = signed_forward_request(w3, forwarder, owner, token, "mint", holder.address, 5)
    _execute(platform, data)
    assert token.functions.balanceOf(holder.address).call() == 5

    _, data = signed_forward_request(w3, forwarder, GASLESS_USER, token, "mint", holder.address, 5)
    with pytest.raises(ContractCustomError) as caught:  # the inner call reverts: not the owner
        forwarder.functions.execute(data).call({"from": platform.relayer.address})
    assert decode_revert(forwarder.abi, caught.value) == Revert("FailedCall", ())


def test_execute_batch_skips_invalid_requests_with_a_refund_receiver(platform: Platform) -> None:
    w3, forwarder, recipient, user = (
        platform.w3,
        platform.forwarder,
        platform.recipient,
        GASLESS_USER,
    )
    relayer = platform.relayer.address
    _, first = signed_forward_request(w3, forwarder, user, recipient, "sign", "one", nonce=0)
    _, second = signed_forward_request(w3, forwarder, user, recipient, "sign", "two", nonce=1)
    _, expired = signed_forward_request(
        w3,
        forwarder,
        user,
        recipient,
        "sign",
        "late",
        nonce=2,
        deadline=latest_timestamp(w3) - 1,
    )
    receipt = send(w3, forwarder.functions.executeBatch([first, expired, second], relayer), relayer)
    executed = forwarder.events.ExecutedForwardRequest().process_receipt(receipt, errors=DISCARD)
    assert [(e.args["nonce"], e.args["success"]) for e in executed] == [(0, True), (1, True)]
    assert [recipient.functions.entry(i).call()[1] for i in range(2)] == ["one", "two"]
    assert _nonce(platform, user.address) == 2

    # without a refund receiver, one invalid request reverts the whole batch
    _, valid = signed_forward_request(w3, forwarder, user, recipient, "sign", "three")
    with pytest.raises(ContractCustomError) as caught:
        forwarder.functions.executeBatch([valid, expired], "0x" + "00" * 20).transact(
            {"from": relayer}
        )
    assert decode_revert(forwarder.abi, caught.value).name == "ERC2771ForwarderExpiredRequest"


def test_a_value_different_from_the_request_is_refused(platform: Platform) -> None:
    _, data = signed_forward_request(
        platform.w3, platform.forwarder, GASLESS_USER, platform.recipient, "sign", "x"
    )
    with pytest.raises(ContractCustomError) as caught:
        platform.forwarder.functions.execute(data).transact(
            {"from": platform.relayer.address, "value": Wei(1)}
        )
    assert decode_revert(platform.forwarder.abi, caught.value) == Revert(
        "ERC2771ForwarderMismatchedValue", (0, 1)
    )


def test_forwarding_costs_a_bounded_overhead_over_a_direct_transfer(platform: Platform) -> None:
    """Gas of the same ERC-20 transfer (non-zero balances on both sides), direct and forwarded.
    The first forwarded request of a user also pays for its nonce slot going from zero to one."""
    w3, token, forwarder = platform.w3, platform.token, platform.forwarder
    user = Account.from_key(platform.holder.private_key)
    receiver = platform.relayer.address
    for account in (user.address, receiver):
        send(w3, token.functions.transfer(account, 10 * UNIT), platform.owner.address)

    direct = send(w3, token.functions.transfer(receiver, UNIT), user.address)["gasUsed"]
    _, data = signed_forward_request(w3, forwarder, user, token, "transfer", receiver, UNIT)
    first = _execute(platform, data)["gasUsed"]
    _, data = signed_forward_request(w3, forwarder, user, token, "transfer", receiver, UNIT)
    later = _execute(platform, data)["gasUsed"]

    assert direct < later < first
    assert first - later > 15_000  # the zero-to-non-zero nonce store (EIP-2200: 20 000)
    assert later - direct < 40_000
    print(f"\nERC-20 transfer gas: direct {direct}, forwarded {first} (first), {later} (later)")
