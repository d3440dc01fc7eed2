"""Every refusal of the sponsored path is problem+json with a stable code, and sends nothing."""

from __future__ import annotations

import time
from typing import Any

import pytest
from eth_account import Account

from chainless.platform.core.settings import ChainEnvironment, Settings
from tests.chain.relay.sponsored_support import (
    SPONSORED_URL,
    body,
    forward_request,
    sign_data,
    sponsoring_app,
)
from tests.chain.relay.support import RelayApp
from tests.conftest import RecordingJobRunner
from tests.contracts.conftest import Platform
from tests.factories import Factory


@pytest.fixture
def settings(settings: Settings, platform: Platform) -> Settings:
    chains = dict(settings.chains)
    dev = chains[ChainEnvironment.DEV]
    chains[ChainEnvironment.DEV] = dev.model_copy(
        update={"forwarder_address": platform.forwarder.address}
    )
    return settings.model_copy(update={"chains": chains})


def refused(
    client: Any, relay: RelayApp, payload: dict[str, Any], jobs: RecordingJobRunner
) -> dict[str, Any]:
    response = client.post(SPONSORED_URL, json=payload, headers=relay.headers)
    assert response.status_code >= 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert jobs.sent == []  # nothing stored to send
    problem = dict(response.json())
    problem["status"] = response.status_code
    return problem


def test_without_the_payment_service(
    client: Any, factory: Factory, platform: Platform, jobs: RecordingJobRunner
) -> None:
    relay = sponsoring_app(factory, platform, enabled=False)
    request = forward_request(platform, relay.user, sign_data(platform, "x"))
    problem = refused(client, relay, body(platform, relay.user, request), jobs)
    assert (problem["status"], problem["code"]) == (403, "payment_service_required")


def test_a_signature_by_someone_else(
    client: Any, factory: Factory, platform: Platform, jobs: RecordingJobRunner
) -> None:
    relay = sponsoring_app(factory, platform)
    request = forward_request(platform, relay.user, sign_data(platform, "x"))
    problem = refused(client, relay, body(platform, Account.create(), request), jobs)
    assert (problem["status"], problem["code"]) == (403, "signature_mismatch")


def test_a_request_from_another_wallet_than_the_token(
    client: Any, factory: Factory, platform: Platform, jobs: RecordingJobRunner
) -> None:
    relay = sponsoring_app(factory, platform)
    other = Account.create()
    request = forward_request(platform, other, sign_data(platform, "x"))
    problem = refused(client, relay, body(platform, other, request), jobs)
    assert (problem["status"], problem["code"]) == (403, "sender_mismatch")


def test_an_expired_deadline(
    client: Any, factory: Factory, platform: Platform, jobs: RecordingJobRunner
) -> None:
    relay = sponsoring_app(factory, platform)
    request = forward_request(
        platform, relay.user, sign_data(platform, "x"), deadline=int(time.time()) - 1
    )
    problem = refused(client, relay, body(platform, relay.user, request), jobs)
    assert (problem["status"], problem["code"]) == (422, "deadline_expired")


def test_a_stale_nonce(
    client: Any, factory: Factory, platform: Platform, jobs: RecordingJobRunner
) -> None:
    relay = sponsoring_app(factory, platform)
    current = platform.forwarder.functions.nonces(relay.user.address).call()
    request = forward_request(platform, relay.user, sign_data(platform, "x"), nonce=current + 1)
    problem = refused(client, relay, body(platform, relay.user, request), jobs)
    assert (problem["status"], problem["code"]) == (409, "stale_nonce")
    assert problem["expected_nonce"] == str(current)


def test_a_call_that_would_revert_names_the_reason(
    client: Any, factory: Factory, platform: Platform, jobs: RecordingJobRunner
) -> None:
    relay = sponsoring_app(factory, platform)
    data = platform.recipient.encode_abi("alwaysReverts", args=[])
    request = forward_request(platform, relay.user, data)
    problem = refused(client, relay, body(platform, relay.user, request), jobs)
    assert (problem["status"], problem["code"]) == (422, "would_revert")
    assert problem["revert"]  # the node's words, e.g. the custom error's data


def test_a_contract_the_app_did_not_register(
    client: Any, factory: Factory, platform: Platform, jobs: RecordingJobRunner
) -> None:
    relay = sponsoring_app(factory, platform)
    request = forward_request(
        platform, relay.user, sign_data(platform, "x"), to=platform.nft.address
    )
    problem = refused(client, relay, body(platform, relay.user, request), jobs)
    assert (problem["status"], problem["code"]) == (422, "contract_not_registered")


def test_an_exhausted_gas_budget(
    client: Any, factory: Factory, platform: Platform, jobs: RecordingJobRunner
) -> None:
    relay = sponsoring_app(factory, platform, budget_wei=10**9)  # one gwei
    request = forward_request(platform, relay.user, sign_data(platform, "x"))
    problem = refused(client, relay, body(platform, relay.user, request), jobs)
    assert (problem["status"], problem["code"]) == (402, "gas_budget_exhausted")
    assert int(problem["required_wei"]) > int(problem["available_wei"])


def test_a_delisted_app(
    client: Any, factory: Factory, platform: Platform, jobs: RecordingJobRunner
) -> None:
    """Delisting also revokes the user's token: the answer names the delisting all the same."""
    relay = sponsoring_app(factory, platform)
    delisted = client.post(
        f"/api/v1/admin/apps/{relay.app_id}/delist",
        headers=factory.operator().headers,
        json={"reason": "fraud reports"},
    )
    assert delisted.status_code == 200, delisted.text
    jobs.sent.clear()  # the developer's mail
    request = forward_request(platform, relay.user, sign_data(platform, "x"))
    problem = refused(client, relay, body(platform, relay.user, request), jobs)
    assert (problem["status"], problem["code"]) == (403, "app_delisted")
