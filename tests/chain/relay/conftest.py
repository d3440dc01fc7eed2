"""Relay tests run on a real anvil (the contract tests' session chain with the platform contracts,
an EVM snapshot reverted after each test) and real PostgreSQL.

Environments: ``dev`` talks to anvil directly (1 confirmation, a 1 wei minimum priority fee);
``test`` goes through :class:`RpcProxy` (3 confirmations), which can play a node that is down
and counts the transactions sent; ``prod`` lists a dead URL first, to exercise failover.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chainless.chain.localnode import free_port
from chainless.platform.core.settings import ChainConfig, ChainEnvironment, FeePolicy, Settings
from tests.chain.relay.support import RpcProxy
from tests.contracts.conftest import Platform, chain, compiled, deployed, platform

__all__ = ["chain", "compiled", "deployed", "platform"]


@pytest.fixture
def rpc_proxy(deployed: Platform) -> Iterator[RpcProxy]:
    proxy = RpcProxy(deployed.w3.provider.endpoint_uri)  # type: ignore[attr-defined]
    yield proxy
    proxy.close()


@pytest.fixture
def settings(settings: Settings, platform: Platform, rpc_proxy: RpcProxy) -> Settings:
    anvil = platform.w3.provider.endpoint_uri  # type: ignore[attr-defined]
    dead = f"http://127.0.0.1:{free_port()}"
    chains = {
        ChainEnvironment.DEV: ChainConfig(
            chain_id=31337,
            rpc_urls=[anvil],
            confirmations=1,
            fee_policy=FeePolicy(min_priority_fee_per_gas_wei=1),
        ),
        ChainEnvironment.TEST: ChainConfig(
            chain_id=31337, rpc_urls=[rpc_proxy.url], confirmations=3, rpc_timeout_seconds=2
        ),
        ChainEnvironment.PROD: ChainConfig(
            chain_id=31337, rpc_urls=[dead, anvil], confirmations=1, rpc_timeout_seconds=2
        ),
    }
    return settings.model_copy(update={"chains": chains})
