"""The sandbox's own chain: an anvil with ten funded test accounts and the platform forwarder.

Each sandbox starts its own anvil (a free port, its data in a temporary folder) that dies with
the sandbox, even when the sandbox is killed (``LocalChain(die_with_parent=True)``). The
forwarder is deployed from the first account, as ``chainless run`` does, so
``chainless_forwarder`` answers and sponsored calls can be signed.
"""

from __future__ import annotations

from dataclasses import dataclass

from chainless.chain.localnode import DEFAULT_CHAIN_ID, LocalChain

TEST_ACCOUNTS = 10


@dataclass
class SandboxChain:
    node: LocalChain
    forwarder: str | None

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

    from chainless.chain.embedded import deploy_forwarder

    node = LocalChain(chain_id=chain_id, accounts=TEST_ACCOUNTS, die_with_parent=True)
    node.start()
    try:
        forwarder = deploy_forwarder(Web3(Web3.HTTPProvider(node.rpc_url)), node.accounts[0])
    except BaseException:
        node.stop()
        raise
    return SandboxChain(node=node, forwarder=forwarder)
