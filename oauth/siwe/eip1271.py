"""EIP-1271 signature checks for contract accounts (smart wallets), over a web3 connection.

EIP-4361 "Signing and Verifying Messages with Ethereum Accounts": for contract accounts the
relying party SHOULD call ``isValidSignature(bytes32 hash, bytes signature)`` on the account and
accept the signature only if it returns the magic value ``0x1626ba7e`` (the function's own
selector). Creating a checker contacts no node; each check makes two ``eth_*`` calls.
"""

from __future__ import annotations

from collections.abc import Callable

from eth_abi import encode
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3RPCError
from web3.types import BlockIdentifier, TxParams

IS_VALID_SIGNATURE_SELECTOR = bytes.fromhex("1626ba7e")  # isValidSignature(bytes32,bytes)
MAGIC_VALUE = IS_VALID_SIGNATURE_SELECTOR
_MAGIC_WORD = MAGIC_VALUE.ljust(32, b"\0")  # a bytes4 return value, ABI-encoded: left-aligned
DEFAULT_GAS_CAP = 5_000_000


def is_valid_signature_calldata(message_hash: bytes, signature: bytes) -> bytes:
    """ABI call data for ``isValidSignature(bytes32,bytes)``."""
    return IS_VALID_SIGNATURE_SELECTOR + encode(["bytes32", "bytes"], [message_hash, signature])


def eip1271_checker(
    web3: Web3,
    *,
    block_identifier: BlockIdentifier = "latest",
    gas: int = DEFAULT_GAS_CAP,
) -> Callable[[str, bytes, bytes], bool]:
    """A ``contract_checker`` for :func:`chainless.oauth.siwe.verify` that asks the chain.

    The check is False when the address has no code, when the call fails (reverts, runs out of
    gas, hits an invalid opcode: any JSON-RPC error answering the ``eth_call``), and when it
    returns anything but the magic value left-aligned in one 32-byte word. Transport errors and
    a failing ``eth_getCode`` are raised, so that an outage is not taken for a wrong signature.
    ``gas`` caps the call, so that a wallet contract cannot make each sign-in attempt burn the
    node's whole call budget.

    The contract is read on ``web3``'s chain: EIP-4361 requires the message's chain id, so use
    this checker only for messages whose chain id is ``web3.eth.chain_id``.
    """

    def check(address: str, message_hash: bytes, signature: bytes) -> bool:
        target = Web3.to_checksum_address(address)
        if not web3.eth.get_code(target, block_identifier):
            return False
        call: TxParams = {
            "to": target,
            "data": is_valid_signature_calldata(message_hash, signature),
            "gas": gas,
        }
        try:
            result = web3.eth.call(call, block_identifier)
        except (ContractLogicError, Web3RPCError):
            # reverted (with or without reason), or halted: out of gas, invalid opcode, ...
            return False
        return bytes(result) == _MAGIC_WORD

    return check
