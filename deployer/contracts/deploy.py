"""Deploy one compiled contract with the devops key, and check an address's runtime code.

Constructor arguments come from the manifest and are encoded against the contract's ABI:
``{ contract = "Name" }`` becomes the address of a contract deployed earlier in the same
deployment, and decimal strings become integers where the ABI wants one (``uint256`` values do
not fit TOML integers). Signing and sending are separate steps: the contracts stage records the
signed transaction before it is broadcast, and a retry broadcasts the same bytes again
(``broadcast`` is idempotent), so a crash between sending and recording cannot deploy twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from eth_utils import to_checksum_address
from web3 import Web3
from web3.exceptions import TimeExhausted, TransactionNotFound, Web3Exception, Web3RPCError
from web3.types import TxReceipt

from chainless.deployer.contracts.bytecode import runtime_matches
from chainless.deployer.contracts.chain import TRANSPORT_ERRORS, ChainUnavailable
from chainless.deployer.contracts.compiler import ContractOutput
from chainless.deployer.manifest import ContractRef
from chainless.platform.core.errors import Unprocessable

_INTEGER = re.compile(r"^u?int\d*$")
_ARRAY = re.compile(r"^(.*)\[\d*\]$")


class DeployFailed(Unprocessable):
    code = "contract_deploy_failed"
    title = "A contract could not be deployed"


class ArgumentsInvalid(Unprocessable):
    code = "constructor_args_invalid"
    title = "Constructor arguments do not match the ABI"


def _convert(value: Any, abi_type: str, addresses: Mapping[str, str], where: str) -> Any:
    array = _ARRAY.match(abi_type)
    if array:
        if not isinstance(value, list):
            raise ArgumentsInvalid(f"{where} must be an array ({abi_type})")
        return [_convert(item, array.group(1), addresses, where) for item in value]
    if isinstance(value, ContractRef):
        if abi_type != "address":
            raise ArgumentsInvalid(f"{where} names contract {value.contract} but is {abi_type}")
        return addresses[value.contract]
    if _INTEGER.match(abi_type) and isinstance(value, str):
        try:
            return int(value, 10)
        except ValueError:
            raise ArgumentsInvalid(f"{where} ({value!r}) is not a decimal integer") from None
    if abi_type == "address" and isinstance(value, str):
        try:
            return to_checksum_address(value)
        except ValueError:
            raise ArgumentsInvalid(f"{where} ({value!r}) is not an address") from None
    return value


def constructor_values(
    contract: ContractOutput, args: list[Any], addresses: Mapping[str, str]
) -> list[Any]:
    """The manifest's arguments converted for web3, checked against the constructor's inputs."""
    constructor = next((i for i in contract.abi if i.get("type") == "constructor"), None)
    inputs = constructor.get("inputs", []) if constructor else []
    if len(inputs) != len(args):
        raise ArgumentsInvalid(
            f"{contract.name}'s constructor takes {len(inputs)} arguments, the manifest gives "
            f"{len(args)}"
        )
    return [
        _convert(arg, spec["type"], addresses, f"{contract.name} argument {index} ({spec['type']})")
        for index, (arg, spec) in enumerate(zip(args, inputs, strict=True))
    ]


@dataclass(frozen=True)
class SignedCreation:
    """A creation transaction signed locally: recorded before it is broadcast, re-sent as is."""

    raw_transaction: str  # 0x-hex
    transaction_hash: str
    nonce: int
    deployer: str


def sign_creation(
    w3: Web3, account: LocalAccount, contract: ContractOutput, values: list[Any], nonce: int
) -> SignedCreation:
    """Encode the arguments, estimate the gas and fees, and sign with ``nonce``; nothing is sent."""
    factory = w3.eth.contract(abi=contract.abi, bytecode=contract.bytecode)
    try:
        constructor = factory.constructor(*values)  # encodes the arguments against the ABI
    except (Web3Exception, TypeError, ValueError, OverflowError) as error:
        raise ArgumentsInvalid(f"{contract.name}'s constructor arguments: {error}") from None
    try:
        transaction = constructor.build_transaction(
            {"from": account.address, "chainId": w3.eth.chain_id}
        )
    except TRANSPORT_ERRORS as error:
        raise ChainUnavailable(f"the chain stopped answering while deploying: {error}") from None
    except (Web3Exception, TypeError, ValueError) as error:  # a revert in gas estimation, ...
        raise DeployFailed(f"deploying {contract.name} failed: {error}") from None
    signed = account.sign_transaction({**transaction, "nonce": nonce})
    return SignedCreation(
        raw_transaction=_hex(bytes(signed.raw_transaction)),
        transaction_hash=_hex(bytes(signed.hash)),
        nonce=nonce,
        deployer=account.address,
    )


def send_deployment(
    w3: Web3, account: LocalAccount, contract: ContractOutput, values: list[Any]
) -> SignedCreation:
    """Sign with the account's pending nonce and broadcast at once (tools and tests; the stage
    records the signed transaction before broadcasting it)."""
    try:
        nonce = w3.eth.get_transaction_count(account.address, "pending")
    except TRANSPORT_ERRORS as error:
        raise ChainUnavailable(f"the chain stopped answering while deploying: {error}") from None
    signed = sign_creation(w3, account, contract, values, nonce)
    broadcast(w3, signed.raw_transaction, contract.name)
    return signed


class Broadcast(StrEnum):
    SENT = "sent"  # the node accepted it, or already had it
    NONCE_USED = "nonce_used"  # the nonce is spent: by this transaction (mined) or another one


# What nodes answer for a transaction they hold already (geth, anvil, erigon, nethermind).
_ALREADY_KNOWN = ("already known", "known transaction", "alreadyknown", "already imported")
_NONCE_USED = ("nonce too low", "nonce is too low", "oldnonce")


def broadcast(w3: Web3, raw_transaction: str, name: str) -> Broadcast:
    """``eth_sendRawTransaction``, idempotent: the same bytes sent again are the same hash, and
    a node that knows them already (or whose nonce moved past them) is not an error here."""
    try:
        w3.eth.send_raw_transaction(HexStr(raw_transaction))
    except TRANSPORT_ERRORS as error:
        raise ChainUnavailable(f"the chain stopped answering while deploying: {error}") from None
    except Web3RPCError as error:
        message = str(error).lower()
        if any(words in message for words in _ALREADY_KNOWN):
            return Broadcast.SENT
        if any(words in message for words in _NONCE_USED):
            return Broadcast.NONCE_USED
        raise DeployFailed(f"the node refused {name}'s creation: {error}") from None
    return Broadcast.SENT


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def receipt_of(w3: Web3, tx_hash: str) -> TxReceipt | None:
    """The transaction's receipt, or None while it is not mined (or unknown)."""
    try:
        return w3.eth.get_transaction_receipt(HexStr(tx_hash))
    except TransactionNotFound:
        return None
    except TRANSPORT_ERRORS as error:
        raise ChainUnavailable(f"the chain stopped answering while deploying: {error}") from None


def await_receipt(w3: Web3, name: str, tx_hash: str, *, timeout: float) -> TxReceipt:
    """Wait for the receipt; one that takes longer than ``timeout`` is awaited again on retry
    (the record is kept, so the retry waits for the same transaction instead of sending another)."""
    try:
        return w3.eth.wait_for_transaction_receipt(HexStr(tx_hash), timeout=timeout)
    except TimeExhausted:
        raise ChainUnavailable(
            f"{name}'s deployment {tx_hash} is not mined after {timeout:.0f} s"
        ) from None
    except TRANSPORT_ERRORS as error:
        raise ChainUnavailable(f"the chain stopped answering while deploying: {error}") from None


def created_address(receipt: TxReceipt, name: str) -> tuple[str, int]:
    """The new contract's address and block; a reverted creation fails the stage."""
    address = receipt.get("contractAddress")
    if receipt["status"] != 1 or not address:
        tx_hash = _hex(bytes(receipt["transactionHash"]))
        raise DeployFailed(f"deploying {name} reverted (transaction {tx_hash})")
    return to_checksum_address(address), int(receipt["blockNumber"])


def head_block(w3: Web3) -> int:
    try:
        return int(w3.eth.block_number)
    except TRANSPORT_ERRORS as error:
        raise ChainUnavailable(f"the chain stopped answering while deploying: {error}") from None


def pending_nonce(w3: Web3, address: str) -> int:
    try:
        return int(w3.eth.get_transaction_count(to_checksum_address(address), "pending"))
    except TRANSPORT_ERRORS as error:
        raise ChainUnavailable(f"the chain stopped answering while deploying: {error}") from None


def runtime_code(w3: Web3, address: str) -> bytes:
    try:
        return bytes(w3.eth.get_code(to_checksum_address(address)))
    except TRANSPORT_ERRORS as error:
        raise ChainUnavailable(f"the chain stopped answering while verifying: {error}") from None


def code_hash(code: bytes) -> str:
    """keccak256 of the runtime code, as ``EXTCODEHASH`` gives it."""
    return _hex(bytes(Web3.keccak(code)))


def source_verified(contract: ContractOutput, code: bytes) -> bool:
    """The runtime code at the address is the build's (see ``bytecode.py``)."""
    return runtime_matches(code, contract.deployed_bytecode, contract.immutable_references)
