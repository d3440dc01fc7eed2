"""Helpers for the sponsored-gas tests: an app with the payment service and the sample recipient
registered, and forward requests signed by its users (ERC-2771, EIP-712)."""

from __future__ import annotations

import time
from typing import Any

from eth_account.signers.local import LocalAccount

from chainless.chain.contracts.forwarder import sign_forward_request
from tests.chain.relay.support import RelayApp, register_contract, relay_app
from tests.contracts.conftest import Platform
from tests.factories import Factory

SPONSORED_URL = "/api/v1/relay/sponsored"
ETHER = 10**18


def sponsoring_app(
    factory: Factory, platform: Platform, *, enabled: bool = True, budget_wei: int = ETHER
) -> RelayApp:
    relay = relay_app(factory, platform, environment="dev")
    register_contract(factory.client, relay.app, "dev", platform.recipient)
    set_payment(factory.client, relay, enabled=enabled, budget_wei=budget_wei)
    return relay


def set_payment(client: Any, relay: RelayApp, *, enabled: bool, budget_wei: int) -> None:
    response = client.put(
        f"/api/v1/apps/{relay.app_id}/payment",
        headers=relay.developer_headers,
        json={"enabled": enabled, "gas_budget_wei": str(budget_wei)},
    )
    assert response.status_code == 200, response.text


def payment(client: Any, relay: RelayApp) -> dict[str, Any]:
    response = client.get(f"/api/v1/apps/{relay.app_id}/payment", headers=relay.developer_headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def forward_request(
    platform: Platform, user: LocalAccount, data: str | bytes, **fields: Any
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "from": user.address,
        "to": platform.recipient.address,
        "value": 0,
        "gas": 200_000,
        "nonce": platform.forwarder.functions.nonces(user.address).call(),
        "deadline": int(time.time()) + 600,
        "data": data,
    }
    request.update(fields)
    return request


def body(platform: Platform, signer: LocalAccount, request: dict[str, Any]) -> dict[str, Any]:
    """The JSON body: quantities as decimal strings, the signer's EIP-712 signature."""
    signature = sign_forward_request(signer.key, platform.forwarder.address, 31337, request)
    data = request["data"]
    return {
        "request": {
            **{k: str(v) for k, v in request.items() if k in ("value", "gas", "nonce", "deadline")},
            "from": request["from"],
            "to": request["to"],
            "data": data if isinstance(data, str) else "0x" + data.hex(),
        },
        "signature": "0x" + signature.hex(),
    }


def sign_data(platform: Platform, message: str) -> str:
    return str(platform.recipient.encode_abi("sign", args=[message]))
