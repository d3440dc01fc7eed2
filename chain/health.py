"""The relay's readiness check: the configured chain's RPC answers, with the expected chain id."""

from __future__ import annotations

import httpx

from chainless.platform.core.services import Services


def check_rpc(services: Services) -> str:
    """The first RPC URL that answers ``eth_chainId`` (EIP-695) with the configured chain."""
    chain = services.settings.chain
    errors = []
    for url in chain.rpc_urls:
        try:
            reply = httpx.post(
                url,
                json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
                timeout=2.0,
            ).json()
            chain_id = int(reply["result"], 16)
        except (httpx.HTTPError, KeyError, ValueError) as error:
            errors.append(f"{url}: {error}")
            continue
        if chain_id != chain.chain_id:
            raise RuntimeError(f"{url} is chain {chain_id}, expected {chain.chain_id}")
        return f"chain {chain_id} at {url}"
    raise RuntimeError("; ".join(errors))
