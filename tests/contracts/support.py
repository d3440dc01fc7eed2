"""Helpers for the contract tests: send a call and wait, decode a custom-error revert, sign."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import eth_abi
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError
from web3.types import TxParams, TxReceipt, Wei

from chainless.chain.contracts import forward_request_data, sign_forward_request

# A user who holds no ether at all: everything it does goes through the forwarder or a permit.
GASLESS_USER: LocalAccount = Account.from_key(keccak(text="chainless gasless test user"))
HOUR = 3600

# Every contract of contracts/src and a few functions each must have.
EXPECTED_FUNCTIONS: dict[str, set[str]] = {
    "ChainlessForwarder": {"execute", "executeBatch", "verify", "nonces", "eip712Domain"},
    "CRC20": {"transfer", "approve", "transferFrom", "permit", "mint", "nonces", "owner"},
    "CRC721": {"safeMint", "ownerOf", "tokenURI", "tokenOfOwnerByIndex", "setBaseURI"},
    "CRC1155": {"mint", "mintBatch", "balanceOfBatch", "safeTransferFrom", "totalSupply"},
    "SampleRecipient": {"sign", "alwaysReverts", "whoAmI", "lastAuthor", "entriesBy"},
    "SmartWallet1271": {"isValidSignature", "execute", "owner"},
}


def send(w3: Web3, call: ContractFunction, sender: str, value: int = 0) -> TxReceipt:
    """Send ``call`` from an unlocked dev account and wait for a successful receipt."""
    transaction: TxParams = {"from": sender, "value": Wei(value)}
    tx_hash = call.transact(transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=10, poll_latency=0.01)
    assert receipt["status"] == 1, receipt
    return receipt


@dataclass(frozen=True)
class Revert:
    name: str
    args: tuple[Any, ...]


def decode_revert(abi: Sequence[Mapping[str, Any]], error: ContractCustomError) -> Revert:
    """The custom error (name and arguments) a web3 ``ContractCustomError`` carries."""
    data = HexBytes(error.data if isinstance(error.data, str) else error.message or "")
    for item in abi:
        if item.get("type") != "error":
            continue
        types = [entry["type"] for entry in item["inputs"]]
        if keccak(text=f"{item['name']}({','.join(types)})")[:4] == data[:4]:
            values = eth_abi.decode(types, data[4:])
            return Revert(
                item["name"],
                tuple(
                    to_checksum_address(v) if t == "address" else v
                    for t, v in zip(types, values, strict=True)
                ),
            )
    raise AssertionError(f"revert data {data.hex()} matches no error of the ABI")


def latest_timestamp(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


def signed_forward_request(
    w3: Web3,
    forwarder: Contract,
    signer: LocalAccount,
    target: Contract,
    function: str,
    *args: Any,
    gas: int = 200_000,
    deadline: int | None = None,
    nonce: int | None = None,
    value: int = 0,
) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """A ForwardRequest for ``target.function(*args)`` signed by ``signer``: the request and the
    ``ForwardRequestData`` tuple ``execute`` takes."""
    request = {
        "from": signer.address,
        "to": target.address,
        "value": value,
        "gas": gas,
        "nonce": forwarder.functions.nonces(signer.address).call() if nonce is None else nonce,
        "deadline": latest_timestamp(w3) + HOUR if deadline is None else deadline,
        "data": target.encode_abi(function, args=list(args)),
    }
    signature = sign_forward_request(signer.key, forwarder.address, w3.eth.chain_id, request)
    return request, forward_request_data(request, signature)
