"""Sponsored gas end to end on anvil, through HTTP: a user's forward request is sent by a platform
relayer through the forwarder, the recipient sees the user as ``_msgSender()`` (ERC-2771), and
the app's gas budget pays the receipt's cost, once."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from sqlalchemy import select

from chainless.chain.models import RelayedTransaction, RelayerNonce
from chainless.platform.core.jobs import get_job
from chainless.platform.core.services import Services, run_job
from chainless.platform.core.settings import ChainEnvironment, Settings
from tests.chain.relay.sponsored_support import (
    SPONSORED_URL,
    body,
    forward_request,
    payment,
    set_payment,
    sign_data,
    sponsoring_app,
)
from tests.chain.relay.support import track_now
from tests.conftest import RecordingJobRunner
from tests.contracts.conftest import Platform
from tests.factories import Factory
from tests.oauth.wallet import TestWallet, tokens_for

GWEI = 10**9


@pytest.fixture
def settings(settings: Settings, platform: Platform) -> Settings:
    chains = dict(settings.chains)
    dev = chains[ChainEnvironment.DEV]
    chains[ChainEnvironment.DEV] = dev.model_copy(
        update={"forwarder_address": platform.forwarder.address}
    )
    return settings.model_copy(update={"chains": chains})


def charged_gwei(tx: dict[str, Any]) -> int:
    return -(-int(tx["gas_used"]) * int(tx["effective_gas_price"]) // GWEI)


def test_a_sponsored_call_reaches_the_recipient_as_the_user_and_the_app_pays(
    client: Any, factory: Factory, platform: Platform, services: Services, jobs: RecordingJobRunner
) -> None:
    relay = sponsoring_app(factory, platform)
    user = relay.user
    index = platform.recipient.functions.entryCount().call()
    user_balance = platform.w3.eth.get_balance(user.address)
    request = forward_request(platform, user, sign_data(platform, "sponsored hello"))

    response = client.post(SPONSORED_URL, json=body(platform, user, request), headers=relay.headers)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["kind"] == "sponsored"
    assert accepted["state"] == "received"
    assert accepted["sender"] == user.address
    assert accepted["to"] == platform.recipient.address
    assert accepted["relayer"] is not None
    assert jobs.names() == ["relay.broadcast"]

    jobs.drain()
    track_now(services)
    jobs.drain()
    done = client.get(f"/api/v1/relay/transactions/{accepted['hash']}", headers=relay.headers)
    tx = done.json()
    assert tx["state"] == "confirmed", tx
    author, message = platform.recipient.functions.entry(index).call()
    assert (author, message) == (user.address, "sponsored hello")
    assert platform.w3.eth.get_balance(user.address) == user_balance  # the user paid nothing
    assert platform.forwarder.functions.nonces(user.address).call() == request["nonce"] + 1
    spent = payment(client, relay)
    assert int(spent["gas_spent_wei"]) == charged_gwei(tx) * GWEI

    track_now(services)  # a later pass charges nothing more
    assert payment(client, relay)["gas_spent_wei"] == spent["gas_spent_wei"]


def test_many_users_at_once_keep_the_relayer_nonces_gapless(
    client: Any, factory: Factory, platform: Platform, services: Services, jobs: RecordingJobRunner
) -> None:
    relay = sponsoring_app(factory, platform)
    users = [Account.create() for _ in range(8)]
    hashes = []
    for number, user in enumerate(users):  # gasless users: they hold no ether at all
        token = tokens_for(
            client,
            relay.app,
            TestWallet(client, account=user),
            scope="basic:address basic:user_id transaction:broadcast",
        )["access_token"]
        headers = {**relay.headers, "Authorization": f"Bearer {token}"}
        request = forward_request(platform, user, sign_data(platform, f"user {number}"))
        response = client.post(SPONSORED_URL, json=body(platform, user, request), headers=headers)
        assert response.status_code == 202, response.text
        hashes.append(response.json()["hash"])
    jobs.drain()
    track_now(services)
    jobs.drain()
    with services.database.transaction() as session:
        rows = session.scalars(
            select(RelayedTransaction).where(RelayedTransaction.hash.in_(hashes))
        ).all()
    assert {row.state for row in rows} == {"confirmed"}
    by_relayer: dict[str, list[int]] = {}
    for row in rows:
        by_relayer.setdefault(str(row.relayer), []).append(int(row.nonce))
    for relayer, used in by_relayer.items():
        mined = platform.w3.eth.get_transaction_count(relayer)  # type: ignore[arg-type]
        assert sorted(used) == list(range(mined - len(used), mined))
    total = sum(
        charged_gwei(client.get(f"/api/v1/relay/transactions/{h}", headers=relay.headers).json())
        for h in hashes
    )
    assert int(payment(client, relay)["gas_spent_wei"]) == total * GWEI


def test_the_resync_job_keeps_nonces_held_by_transactions_in_flight(
    client: Any, factory: Factory, platform: Platform, services: Services, jobs: RecordingJobRunner
) -> None:
    relay = sponsoring_app(factory, platform)
    request = forward_request(platform, relay.user, sign_data(platform, "held"))
    response = client.post(
        SPONSORED_URL, json=body(platform, relay.user, request), headers=relay.headers
    )
    assert response.status_code == 202, response.text
    relayer, nonce = response.json()["relayer"], int(response.json()["nonce"])
    assert platform.w3.eth.get_transaction_count(relayer, "pending") == nonce  # not sent yet
    sent = list(jobs.sent)
    jobs.sent.clear()
    run_job(services, get_job("relay.resync_relayers"), {})
    with services.database.transaction() as session:
        row = session.get(RelayerNonce, (31337, relayer))
        assert row is not None
        assert row.next_nonce == nonce + 1  # the received transaction holds its nonce
    jobs.sent.extend(sent)
    jobs.drain()
    track_now(services)
    done = client.get(
        f"/api/v1/relay/transactions/{response.json()['hash']}", headers=relay.headers
    )
    assert done.json()["state"] == "confirmed"


def test_a_gas_charge_keeps_the_cached_rules_and_the_next_request_sees_what_is_left(
    client: Any, factory: Factory, platform: Platform, services: Services, jobs: RecordingJobRunner
) -> None:
    """The budget is read fresh on every request, so a charge need not (and does not) empty the
    caches of the app's relay rules, OAuth client and app view in every process."""
    relay = sponsoring_app(factory, platform, budget_wei=GWEI)
    first = forward_request(platform, relay.user, sign_data(platform, "first"))
    too_little = client.post(
        SPONSORED_URL, json=body(platform, relay.user, first), headers=relay.headers
    )
    worst_case = int(too_little.json()["required_wei"])
    budget = -(-worst_case // GWEI) * GWEI  # enough for one worst case (budgets are whole gwei)
    set_payment(client, relay, enabled=True, budget_wei=budget)

    accepted = client.post(
        SPONSORED_URL, json=body(platform, relay.user, first), headers=relay.headers
    )
    assert accepted.status_code == 202, accepted.text
    jobs.drain()
    epochs = services.epochs
    assert epochs is not None
    watched = ("relay.rules", "oauth.clients", "apps.views")
    before = [epochs.current(name) for name in watched]
    track_now(services)  # confirmed, and charged
    assert [epochs.current(name) for name in watched] == before
    spent = int(payment(client, relay)["gas_spent_wei"])
    assert spent > 0

    second = forward_request(
        platform, relay.user, sign_data(platform, "second"), nonce=first["nonce"] + 1
    )
    refused = client.post(
        SPONSORED_URL, json=body(platform, relay.user, second), headers=relay.headers
    )
    assert refused.status_code == 402, refused.text
    assert refused.json()["code"] == "gas_budget_exhausted"
    assert int(refused.json()["available_wei"]) == budget - spent
