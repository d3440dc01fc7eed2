"""Deploy and bind the compiled platform contracts with web3.py.

A deployment is signed locally with a private key (the relayer and the deployer hold keys; nodes
never do) or, for a development node such as anvil, sent from one of its unlocked accounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_account import Account
from eth_typing import ChecksumAddress
from eth_utils import to_checksum_address
from web3 import Web3
from web3.contract import Contract

from chainless.chain.contracts.compiler import CompiledContract, compile_contracts


class DeploymentError(RuntimeError):
    """A deployment transaction failed (reverted, or produced no contract)."""


def resolve_contract(
    contract: str | CompiledContract, contracts: Mapping[str, CompiledContract] | None = None
) -> CompiledContract:
    """``contract`` itself, or the compiled contract of that name (compiling if needed)."""
    if isinstance(contract, CompiledContract):
        return contract
    available = contracts if contracts is not None else compile_contracts()
    try:
        return available[contract]
    except KeyError:
        known = ", ".join(sorted(available))
        raise KeyError(f"no compiled contract {contract!r} (known: {known})") from None


def deploy(
    w3: Web3,
    contract: str | CompiledContract,
    *args: Any,
    private_key: str | bytes | None = None,
    sender: str | None = None,
    contracts: Mapping[str, CompiledContract] | None = None,
    value: int = 0,
    timeout: float = 120.0,
) -> ChecksumAddress:
    """Deploy ``contract`` with constructor ``args``; returns its address once mined.

    Give exactly one of ``private_key`` (the transaction is signed here) and ``sender`` (an
    account the node has unlocked, e.g. an anvil dev account).
    """
    if (private_key is None) == (sender is None):
        raise ValueError("give exactly one of private_key and sender")
    compiled = resolve_contract(contract, contracts)
    factory = w3.eth.contract(abi=compiled.abi, bytecode=compiled.bytecode)
    constructor = factory.constructor(*args)
    if private_key is not None:
        account = Account.from_key(private_key)
        transaction = constructor.build_transaction(
            {
                "from": account.address,
                "value": value,
                "nonce": w3.eth.get_transaction_count(account.address, "pending"),
            }
        )
        signed = account.sign_transaction(transaction)
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    else:
        assert sender is not None
        tx_hash = constructor.transact({"from": to_checksum_address(sender), "value": value})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)
    address = receipt.get("contractAddress")
    if receipt["status"] != 1 or not address:
        raise DeploymentError(f"deploying {compiled.name} failed (transaction {tx_hash.hex()})")
    return to_checksum_address(address)


def contract_at(
    w3: Web3,
    contract: str | CompiledContract,
    address: str,
    contracts: Mapping[str, CompiledContract] | None = None,
) -> Contract:
    """A web3 contract object for a deployed platform contract."""
    compiled = resolve_contract(contract, contracts)
    return w3.eth.contract(address=to_checksum_address(address), abi=compiled.abi)
