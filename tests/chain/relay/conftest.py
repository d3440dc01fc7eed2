"""Relay tests run on a real anvil (the contract tests' session chain with the platform contracts,
an EVM snapshot reverted after each test) and real PostgreSQL.

Environments: ``dev`` talks to anvil directly (1 confirmation, a 1 wei minimum priority fee);
``test`` goes through :class:`RpcProxy` (3 confirmations), which can play a node that is down
and counts the transactions sent; ``prod`` lists a dead URL first, to exercise failover.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

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
def dead_rpc_url() -> Iterator[str]:
    """A port bound but never listening: connections are refused, and nothing else can take it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


@pytest.fixture
def settings(
    settings: Settings, platform: Platform, rpc_proxy: RpcProxy, dead_rpc_url: str
) -> Settings:
    anvil = platform.w3.provider.endpoint_uri  # type: ignore[attr-defined]
    dead = dead_rpc_url
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
