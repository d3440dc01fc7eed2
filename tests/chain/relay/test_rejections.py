"""Every rule the relay enforces, each refused with problem+json and the code naming it."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from prometheus_client import REGISTRY
from sqlalchemy import select, update

from chainless.platform.core.services import Services
from chainless.platform.models import Alert, MiniProgram
from tests.chain.relay.support import (
    GWEI,
    RELAY_SCOPE,
    TX_URL,
    RelayApp,
    api_key,
    approve_data,
    relay_app,
    signed,
    submit,
)
from tests.conftest import RecordingJobRunner
from tests.contracts.conftest import Platform
from tests.factories import Factory

POLICY = {
    "max_value_wei": "1000",
    "max_gas_limit": 200_000,
    "max_fee_per_gas_wei": str(100 * GWEI),
    "user_daily_tx_limit": 100,
    "user_daily_value_wei": "100000",
    "app_daily_tx_limit": 1000,
    "app_daily_value_wei": "1000000",
}

pytestmark = pytest.mark.portable  # also holds on the embedded SQLite default


@pytest.fixture
def relay(factory: Factory, platform: Platform) -> RelayApp:
    approve = platform.token.encode_abi("approve", args=[platform.owner.address, 1])[:10]
    return relay_app(factory, platform, allowlist=[approve])


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def set_policy(client: Any, relay: RelayApp, **changes: Any) -> None:
    response = client.put(
        f"/api/v1/apps/{relay.app_id}/relay/policy",
        headers=relay.developer_headers,
        json=POLICY | changes,
    )
    assert response.status_code == 200, response.text


def approve_tx(platform: Platform, relay: RelayApp, **fields: Any) -> str:
    return signed(
        platform.w3, relay.user, to=platform.token.address, data=approve_data(platform), **fields
    )


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"chainId": 1}, 422, "chain_id_mismatch"),
        ({"gas": 5_000_000}, 422, "gas_limit_cap_exceeded"),
        ({"maxFeePerGas": 900 * GWEI}, 422, "max_fee_cap_exceeded"),
        ({"maxPriorityFeePerGas": 0}, 422, "priority_fee_too_low"),
        ({"value": 11 * 10**18}, 422, "value_cap_exceeded"),
    ],
)
def test_transaction_fields_outside_the_rules(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    jobs: RecordingJobRunner,
    fields: dict[str, Any],
    status: int,
    code: str,
) -> None:
    refused(submit(client, relay, approve_tx(platform, relay, **fields)), status, code)
    assert jobs.names() == []


def test_undecodable_bytes(client: Any, relay: RelayApp) -> None:
    body = refused(submit(client, relay, "0xdeadbeef"), 422, "invalid_raw_transaction")
    assert body["decode_error"]


def test_a_transaction_signed_by_another_wallet(
    client: Any, platform: Platform, relay: RelayApp
) -> None:
    stranger = Account.create()
    raw = signed(
        platform.w3, stranger, to=platform.token.address, data=approve_data(platform), nonce=0
    )
    refused(submit(client, relay, raw), 403, "sender_mismatch")


def test_a_transaction_without_replay_protection(
    client: Any, platform: Platform, relay: RelayApp
) -> None:
    legacy = {
        "nonce": 0,
        "to": platform.token.address,
        "gas": 100_000,
        "gasPrice": 2 * GWEI,
        "value": 0,
        "data": approve_data(platform),
    }
    raw = relay.user.sign_transaction(legacy).raw_transaction.to_0x_hex()
    refused(submit(client, relay, raw), 422, "chain_id_missing")


def test_contract_creation_and_unregistered_targets(
    client: Any, platform: Platform, relay: RelayApp
) -> None:
    creation = signed(platform.w3, relay.user, to=None, data=b"\x60\x00")
    refused(submit(client, relay, creation), 422, "contract_creation_not_allowed")
    elsewhere = signed(platform.w3, relay.user, to=platform.nft.address, data=b"\x01\x02\x03\x04")
    refused(submit(client, relay, elsewhere), 422, "contract_not_registered")


def test_a_method_outside_the_allowlist(client: Any, platform: Platform, relay: RelayApp) -> None:
    transfer = platform.token.encode_abi("transfer", args=[platform.owner.address, 1])
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=transfer)
    refused(submit(client, relay, raw), 422, "selector_not_allowed")
    plain = signed(platform.w3, relay.user, to=platform.token.address, data=b"")
    refused(submit(client, relay, plain), 422, "selector_not_allowed")


def test_the_environment_chain_caps_the_apps_own_policy(
    client: Any, platform: Platform, relay: RelayApp
) -> None:
    set_policy(client, relay)
    refused(
        submit(client, relay, approve_tx(platform, relay, value=1001)), 422, "value_cap_exceeded"
    )
    refused(
        submit(client, relay, approve_tx(platform, relay, gas=200_001)),
        422,
        "gas_limit_cap_exceeded",
    )
    refused(
        submit(client, relay, approve_tx(platform, relay, maxFeePerGas=101 * GWEI)),
        422,
        "max_fee_cap_exceeded",
    )


def test_daily_limits_of_the_user_and_the_app(
    client: Any, platform: Platform, relay: RelayApp
) -> None:
    nonce = platform.w3.eth.get_transaction_count(relay.user.address)
    set_policy(client, relay, user_daily_tx_limit=1)
    assert submit(client, relay, approve_tx(platform, relay, nonce=nonce)).status_code == 202
    second = approve_tx(platform, relay, nonce=nonce + 1)
    refused(submit(client, relay, second), 429, "user_daily_count_exceeded")
    set_policy(client, relay, app_daily_tx_limit=1)
    refused(submit(client, relay, second), 429, "app_daily_count_exceeded")
    set_policy(client, relay, user_daily_value_wei="5")
    valued = approve_tx(platform, relay, nonce=nonce + 1, value=6)
    refused(submit(client, relay, valued), 429, "user_daily_value_exceeded")
    set_policy(client, relay, app_daily_value_wei="5")
    refused(submit(client, relay, valued), 429, "app_daily_value_exceeded")


def test_a_nonce_below_the_chains(client: Any, platform: Platform, relay: RelayApp) -> None:
    used = approve_tx(platform, relay)
    spent = platform.w3.eth.send_raw_transaction(used)  # the user spent the nonce elsewhere
    platform.w3.eth.wait_for_transaction_receipt(spent, timeout=10)  # mined just after the answer
    raw = approve_tx(platform, relay, nonce=0, maxFeePerGas=21 * GWEI)
    refused(submit(client, relay, raw), 409, "nonce_too_low")


def test_a_delisted_app_is_refused(
    client: Any, platform: Platform, relay: RelayApp, services: Services
) -> None:
    with services.transaction() as session:
        session.execute(
            update(MiniProgram).where(MiniProgram.app_id == relay.app_id).values(status=3)
        )
    refused(submit(client, relay, approve_tx(platform, relay)), 403, "app_delisted")


def test_a_delisting_reaches_rules_cached_by_an_earlier_submission(
    client: Any, platform: Platform, relay: RelayApp, services: Services
) -> None:
    assert submit(client, relay, approve_tx(platform, relay)).status_code == 202
    with services.transaction() as session:
        session.execute(
            update(MiniProgram).where(MiniProgram.app_id == relay.app_id).values(status=3)
        )
    nonce = platform.w3.eth.get_transaction_count(relay.user.address) + 1
    refused(submit(client, relay, approve_tx(platform, relay, nonce=nonce)), 403, "app_delisted")


def delist(client: Any, factory: Factory, relay: RelayApp) -> None:
    delisted = client.post(
        f"/api/v1/admin/apps/{relay.app_id}/delist",
        headers=factory.operator().headers,
        json={"reason": "fraud reports"},
    )
    assert delisted.status_code == 200, delisted.text


def test_delisting_through_operations_is_named_though_it_ends_the_users_token(
    client: Any, factory: Factory, platform: Platform, relay: RelayApp
) -> None:
    """Delisting revokes the user's token too; the answer names the delisting, not the token
    (it used to be 401 ``user_token_invalid``)."""
    delist(client, factory, relay)
    body = refused(submit(client, relay, approve_tx(platform, relay)), 403, "app_delisted")
    assert "delisted" in body["detail"]


def test_a_delisting_is_named_ahead_of_the_router_too(
    client: Any, factory: Factory, platform: Platform, relay: RelayApp, services: Services
) -> None:
    """A key used before the delisting is cached: its submissions are answered by
    ``LeanRelaySubmit``, with the same answer."""
    if services.redis is None:
        pytest.skip("API keys are cached only with Redis")
    assert submit(client, relay, approve_tx(platform, relay)).status_code == 202
    delist(client, factory, relay)
    before = _answered_ahead("403")
    nonce = platform.w3.eth.get_transaction_count(relay.user.address) + 1
    refused(submit(client, relay, approve_tx(platform, relay, nonce=nonce)), 403, "app_delisted")
    assert _answered_ahead("403") == before + 1


def _answered_ahead(status: str) -> float:
    sample = REGISTRY.get_sample_value(
        "chainless_relay_submit_ahead_of_routing_total", {"status": status}
    )
    return sample or 0.0


def test_a_revoked_token_of_a_listed_app_is_still_invalid(
    client: Any, platform: Platform, relay: RelayApp
) -> None:
    revoked = client.post(
        "/oauth/revoke",
        data={"token": relay.access_token},
        auth=(relay.app_id, relay.app.client_secret),
    )
    assert revoked.status_code == 200, revoked.text
    refused(submit(client, relay, approve_tx(platform, relay)), 401, "user_token_invalid")


def test_credentials(client: Any, factory: Factory, platform: Platform, relay: RelayApp) -> None:
    raw = approve_tx(platform, relay)
    token_only = client.post(
        TX_URL,
        json={"raw_transaction": raw},
        headers={"Authorization": f"Bearer {relay.access_token}"},
    )
    refused(token_only, 401, "api_key_required")
    key_only = client.post(
        TX_URL, json={"raw_transaction": raw}, headers={"X-API-Key": relay.api_key}
    )
    refused(key_only, 401, "user_token_missing")
    refused(submit(client, relay, raw, Authorization="Bearer nonsense"), 401, "user_token_invalid")
    read_key = api_key(client, relay.app, "dev", ("data:read",))
    refused(submit(client, relay, raw, **{"X-API-Key": read_key}), 403, "api_key_scope_missing")


def test_the_users_token_must_be_for_this_app_with_the_broadcast_scope(
    client: Any, factory: Factory, platform: Platform, relay: RelayApp
) -> None:
    raw = approve_tx(platform, relay)
    other = relay_app(factory, platform)
    wrong_app = submit(client, relay, raw, Authorization=f"Bearer {other.access_token}")
    refused(wrong_app, 403, "user_token_wrong_app")
    narrow = relay_app(factory, platform, scope="basic:address basic:user_id")
    assert "transaction:broadcast" in RELAY_SCOPE
    refused(submit(client, narrow, raw), 403, "user_token_scope_missing")


def test_bursts_raise_an_alert_without_refusing(
    client: Any, platform: Platform, relay: RelayApp, services: Services
) -> None:
    set_policy(client, relay, user_burst_per_minute=1)
    nonce = platform.w3.eth.get_transaction_count(relay.user.address)
    for step in range(2):
        raw = approve_tx(platform, relay, nonce=nonce + step)
        assert submit(client, relay, raw).status_code == 202
    with services.transaction() as session:
        alert = session.scalar(select(Alert).where(Alert.kind == "relay.user_burst"))
    assert alert is not None
    assert alert.subject == relay.user.address
    assert alert.app_id == relay.app_id


def test_policy_amounts_round_trip_exactly(client: Any, relay: RelayApp) -> None:
    huge = str(2**256 - 1)
    set_policy(client, relay, user_daily_value_wei=huge, app_daily_value_wei=huge)
    url = f"/api/v1/apps/{relay.app_id}/relay/policy"
    shown = client.get(url, headers=relay.developer_headers).json()
    assert shown["user_daily_value_wei"] == huge
    assert shown["custom"] is True
    key_without_read = {"X-API-Key": relay.api_key}  # transaction:write only
    refused(client.get(url, headers=key_without_read), 403, "permission_denied")
