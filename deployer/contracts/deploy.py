"""Deploy one compiled contract with the devops key, and check an address's runtime code.

Constructor arguments come from the manifest and are encoded against the contract's ABI:
``{ contract = "Name" }`` becomes the address of a contract deployed earlier in the same
deployment, and decimal strings become integers where the ABI wants one (``uint256`` values do
not fit TOML integers). The nonce is the account's *pending* count, read just before signing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from web3 import Web3
from web3.exceptions import TimeExhausted, Web3Exception

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


def send_deployment(
    w3: Web3, account: LocalAccount, contract: ContractOutput, values: list[Any]
) -> dict[str, Any]:
    """Sign and send the creation transaction; returns the pending record (no address yet)."""
    factory = w3.eth.contract(abi=contract.abi, bytecode=contract.bytecode)
    try:
        constructor = factory.constructor(*values)  # encodes the arguments against the ABI
    except (Web3Exception, TypeError, ValueError, OverflowError) as error:
        raise ArgumentsInvalid(f"{contract.name}'s constructor arguments: {error}") from None
    try:
        transaction = constructor.build_transaction(
            {
                "from": account.address,
                "nonce": w3.eth.get_transaction_count(account.address, "pending"),
                "chainId": w3.eth.chain_id,
            }
        )
        signed = account.sign_transaction(transaction)
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    except TRANSPORT_ERRORS as error:
        raise ChainUnavailable(f"the chain stopped answering while deploying: {error}") from None
    except (Web3Exception, TypeError, ValueError) as error:  # a revert in gas estimation, ...
        raise DeployFailed(f"deploying {contract.name} failed: {error}") from None
    return {
        "name": contract.name,
        "transaction_hash": _hex(bytes(tx_hash)),
        "deployer": account.address,
    }


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def await_deployment(
    w3: Web3, contract: ContractOutput, pending: dict[str, Any], *, timeout: float
) -> dict[str, Any]:
    """The record completed from the receipt. A receipt that takes longer than ``timeout`` is
    retried later (the pending record is kept, so the retry waits for the same transaction
    instead of sending another)."""
    tx_hash = pending["transaction_hash"]
    try:
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)
    except TimeExhausted:
        raise ChainUnavailable(
            f"{contract.name}'s deployment {tx_hash} is not mined after {timeout:.0f} s"
        ) from None
    except TRANSPORT_ERRORS as error:
        raise ChainUnavailable(f"the chain stopped answering while deploying: {error}") from None
    address = receipt.get("contractAddress")
    if receipt["status"] != 1 or not address:
        raise DeployFailed(f"deploying {contract.name} reverted (transaction {tx_hash})")
    return {
        **pending,
        "address": to_checksum_address(address),
        "block_number": int(receipt["blockNumber"]),
    }


def source_verified(w3: Web3, contract: ContractOutput, address: str) -> bool:
    """``eth_getCode`` at ``address`` is the build's runtime code (see ``bytecode.py``)."""
    try:
        code = bytes(w3.eth.get_code(to_checksum_address(address)))
    except TRANSPORT_ERRORS as error:
        raise ChainUnavailable(f"the chain stopped answering while verifying: {error}") from None
    return runtime_matches(code, contract.deployed_bytecode, contract.immutable_references)
