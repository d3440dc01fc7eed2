"""The sandbox's own chain: an anvil with ten funded test accounts and the platform forwarder.

Each sandbox starts its own anvil (a free port, its data in a temporary folder) that dies with
the sandbox, even when the sandbox is killed (``LocalChain(die_with_parent=True)``). The
forwarder is deployed from the first account, as ``chainless run`` does, so
``chainless_forwarder`` answers and sponsored calls can be signed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chainless.chain.localnode import DEFAULT_CHAIN_ID, LocalChain

if TYPE_CHECKING:
    from chainless.chain.contracts import CompiledContract

TEST_ACCOUNTS = 10


@dataclass
class SandboxChain:
    node: LocalChain
    forwarder: str | None
    # the platform's contracts as compiled for the forwarder (their ABIs decode transactions)
    contracts: dict[str, CompiledContract] = field(default_factory=dict)

    @property
    def rpc_url(self) -> str:
        return self.node.rpc_url

    @property
    def chain_id(self) -> int:
        return self.node.chain_id

    @property
    def accounts(self) -> list[str]:
        return [account.address for account in self.node.accounts]

    def stop(self) -> None:
        self.node.stop()


def start_chain(chain_id: int = DEFAULT_CHAIN_ID) -> SandboxChain:
    from web3 import Web3

    from chainless.chain.contracts import compile_contracts, deploy
    from chainless.chain.embedded import FORWARDER

    node = LocalChain(chain_id=chain_id, accounts=TEST_ACCOUNTS, die_with_parent=True)
    node.start()
    try:
        contracts = compile_contracts()  # once: a cache hit still asks solc-js its version
        w3 = Web3(Web3.HTTPProvider(node.rpc_url))
        forwarder = deploy(w3, FORWARDER, sender=node.accounts[0].address, contracts=contracts)
    except BaseException:
        node.stop()
        raise
    return SandboxChain(node=node, forwarder=forwarder, contracts=contracts)
