"""Nothing lost, nothing sent twice: the node down during a broadcast, a worker killed after
sending, a node that forgot the transaction, a reorg. The ``test`` environment goes through
``RpcProxy``, which counts every ``eth_sendRawTransaction``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from web3.types import RPCEndpoint

from chainless.chain.models import RelayedTransaction
from chainless.chain.relay import events
from chainless.platform.core.clock import utcnow
from chainless.platform.core.jobs import RetryJob
from chainless.platform.core.services import Services
from chainless.platform.models import MiniProgram
from tests.chain.relay.support import (
    TX_URL,
    RelayApp,
    RpcProxy,
    approve_data,
    drain_with_retries,
    relay_app,
    signed,
    submit,
    track_now,
)
from tests.conftest import RecordingJobRunner
from tests.contracts.conftest import Platform
from tests.factories import Factory

pytestmark = pytest.mark.portable  # also holds on the embedded SQLite default


@pytest.fixture
def relay(factory: Factory, platform: Platform) -> RelayApp:
    return relay_app(factory, platform, environment="test")


def state_of(client: Any, relay: RelayApp, tx_hash: str) -> dict[str, Any]:
    response = client.get(f"{TX_URL}/{tx_hash}", headers={"X-API-Key": relay.api_key})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def stored(services: Services, tx_hash: str) -> RelayedTransaction:
    with services.transaction() as session:
        found = session.scalar(select(RelayedTransaction).where(RelayedTransaction.hash == tx_hash))
    assert found is not None
    return found


def mine(platform: Platform, blocks: int) -> None:
    for _ in range(blocks):
        platform.w3.provider.make_request(RPCEndpoint("evm_mine"), [])


def accepted_long_ago(services: Services, tx_hash: str) -> None:
    """As if ``tx_hash`` had been accepted minutes ago: the tracker's look at it is due."""
    past = utcnow() - timedelta(minutes=5)
    with services.transaction() as session:
        session.execute(
            update(RelayedTransaction)
            .where(RelayedTransaction.hash == tx_hash)
            .values(created_at=past, next_check_at=past)
        )


def test_node_down_during_the_broadcast_retries_and_sends_once(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    services: Services,
    jobs: RecordingJobRunner,
    rpc_proxy: RpcProxy,
) -> None:
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))
    rpc_proxy.up = False
    accepted = submit(client, relay, raw)  # the nonce check cannot run: accepted anyway
    assert accepted.status_code == 202, accepted.text
    tx_hash = accepted.json()["hash"]
    broadcast = list(jobs.sent)

    retried = drain_with_retries(services, jobs)
    assert len(retried) == 1
    row = stored(services, tx_hash)
    assert row.state == "received"  # kept, with the failed attempt recorded
    assert row.broadcast_attempts == 1
    assert row.error_code == "rpc_unavailable"
    assert rpc_proxy.sent_raw == []

    rpc_proxy.up = True
    jobs.sent.extend(broadcast)  # the runner's retry, after its backoff
    jobs.drain()
    assert state_of(client, relay, tx_hash)["state"] == "submitted"
    jobs.sent.extend(broadcast)  # a duplicate delivery of the job
    jobs.drain()
    assert rpc_proxy.sent_raw == [raw]
    assert stored(services, tx_hash).broadcast_attempts == 2


def test_a_worker_killed_after_sending_does_not_send_again(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    services: Services,
    jobs: RecordingJobRunner,
    rpc_proxy: RpcProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))
    tx_hash = submit(client, relay, raw).json()["hash"]
    broadcast = list(jobs.sent)

    def killed(*args: Any, **kwargs: Any) -> None:
        raise SystemExit("worker killed")  # after eth_sendRawTransaction, before the commit

    with monkeypatch.context() as patch:
        patch.setattr(events, "transition", killed)
        with pytest.raises(SystemExit):
            jobs.drain()
    assert rpc_proxy.sent_raw == [raw]
    assert stored(services, tx_hash).state == "received"  # the worker's transaction rolled back

    jobs.sent.extend(broadcast)  # the broker redelivers the unacknowledged job
    jobs.drain()
    assert rpc_proxy.sent_raw == [raw]  # not sent a second time
    assert state_of(client, relay, tx_hash)["state"] == "submitted"


def test_a_lost_broadcast_job_is_sent_again_by_the_tracker(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    services: Services,
    jobs: RecordingJobRunner,
    rpc_proxy: RpcProxy,
) -> None:
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))
    tx_hash = submit(client, relay, raw).json()["hash"]
    jobs.sent.clear()  # the job was lost (retries exhausted, broker wiped)
    accepted_long_ago(services, tx_hash)
    track_now(services)
    assert jobs.names() == ["relay.broadcast"]
    jobs.drain()
    assert state_of(client, relay, tx_hash)["state"] == "submitted"
    assert rpc_proxy.sent_raw == [raw]


def test_a_broker_down_once_the_answer_is_out_still_accepts_and_the_tracker_sends(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    services: Services,
    jobs: RecordingJobRunner,
    rpc_proxy: RpcProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The broadcast job is published after the 202 went out; a publish that fails then is the
    tracker's to make up for, as for any lost job."""
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))

    def broker_down(name: str, kwargs: dict[str, Any]) -> None:
        raise ConnectionError("broker unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(jobs, "submit", broker_down)
        accepted = submit(client, relay, raw)
    assert accepted.status_code == 202, accepted.text
    tx_hash = accepted.json()["hash"]
    assert jobs.sent == []
    assert stored(services, tx_hash).state == "received"

    accepted_long_ago(services, tx_hash)
    track_now(services)
    jobs.drain()
    assert state_of(client, relay, tx_hash)["state"] == "submitted"
    assert rpc_proxy.sent_raw == [raw]


def test_confirmations_and_a_reorg_back_to_submitted(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    services: Services,
    jobs: RecordingJobRunner,
) -> None:
    w3 = platform.w3
    before = w3.provider.make_request(RPCEndpoint("evm_snapshot"), [])["result"]
    raw = signed(w3, relay.user, to=platform.token.address, data=approve_data(platform))
    tx_hash = submit(client, relay, raw).json()["hash"]
    jobs.drain()
    track_now(services)
    mined = state_of(client, relay, tx_hash)
    assert mined["state"] == "mined"
    assert mined["confirmations"] == 1
    assert mined["required_confirmations"] == 3

    assert w3.provider.make_request(RPCEndpoint("evm_revert"), [before])["result"] is True
    mine(platform, 2)  # another branch, longer than the one that carried the transaction
    track_now(services)
    reorged = state_of(client, relay, tx_hash)
    assert reorged["state"] == "submitted"
    assert reorged["block_number"] is None
    assert reorged["error_code"] == "reorged"

    mine(platform, 3)  # the tracker sent it again (the node forgot it); it is mined and buried
    track_now(services)
    final = state_of(client, relay, tx_hash)
    assert final["state"] == "confirmed"
    assert final["confirmations"] >= 3


def test_a_head_read_behind_the_receipt_still_counts_the_receipts_block(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    services: Services,
    jobs: RecordingJobRunner,
    rpc_proxy: RpcProxy,
) -> None:
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))
    tx_hash = submit(client, relay, raw).json()["hash"]
    jobs.drain()
    rpc_proxy.head_lag = 2  # the head read is two blocks behind the block holding the receipt
    track_now(services)
    mined = state_of(client, relay, tx_hash)
    assert mined["state"] == "mined"
    assert mined["confirmations"] == 1  # the receipt proves its own block
    rpc_proxy.head_lag = 0
    mine(platform, 2)
    track_now(services)
    assert state_of(client, relay, tx_hash)["state"] == "confirmed"


def test_a_transaction_whose_nonce_was_taken_is_replaced(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    services: Services,
    jobs: RecordingJobRunner,
    rpc_proxy: RpcProxy,
) -> None:
    w3 = platform.w3
    raw = signed(w3, relay.user, to=platform.token.address, data=approve_data(platform))
    tx_hash = submit(client, relay, raw).json()["hash"]
    rpc_proxy.up = False
    with pytest.raises(RetryJob):
        jobs.drain()
    rpc_proxy.up = True
    nonce = w3.eth.get_transaction_count(relay.user.address)
    other = signed(w3, relay.user, to=platform.token.address, data=approve_data(platform, 2))
    spent = w3.eth.send_raw_transaction(other)  # the wallet spent the same nonce elsewhere
    w3.eth.wait_for_transaction_receipt(spent, timeout=10)  # anvil mines just after answering
    assert w3.eth.get_transaction_count(relay.user.address) == nonce + 1
    jobs.sent.append(("relay.broadcast", {"transaction_id": stored(services, tx_hash).id}))
    jobs.drain()  # the node refuses it now (nonce too low)
    status = state_of(client, relay, tx_hash)
    assert status["state"] == "replaced"
    assert status["error_code"] == "replaced"
    assert status["finished_at"] is not None


def test_a_transaction_the_node_forgot_is_sent_again_then_dropped(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    services: Services,
    jobs: RecordingJobRunner,
    rpc_proxy: RpcProxy,
) -> None:
    w3 = platform.w3
    w3.provider.make_request(RPCEndpoint("evm_setAutomine"), [False])
    try:
        raw = signed(w3, relay.user, to=platform.token.address, data=approve_data(platform))
        tx_hash = submit(client, relay, raw).json()["hash"]
        jobs.drain()
        assert rpc_proxy.sent_raw == [raw]
        # the node restarts and its mempool is gone
        w3.provider.make_request(RPCEndpoint("anvil_dropTransaction"), [tx_hash])
        track_now(services)
        assert rpc_proxy.sent_raw == [raw, raw]  # sent again: the node no longer had it
        assert state_of(client, relay, tx_hash)["state"] == "submitted"

        w3.provider.make_request(RPCEndpoint("anvil_dropTransaction"), [tx_hash])
        past = utcnow() - timedelta(hours=1)
        with services.transaction() as session:
            session.execute(
                update(RelayedTransaction)
                .where(RelayedTransaction.hash == tx_hash)
                .values(submitted_at=past)
            )
        track_now(services)
        dropped = state_of(client, relay, tx_hash)
        assert dropped["state"] == "dropped"
        assert dropped["error_code"] == "dropped"
        assert rpc_proxy.sent_raw == [raw, raw]
    finally:
        w3.provider.make_request(RPCEndpoint("evm_setAutomine"), [True])


def test_an_app_delisted_before_the_broadcast_sends_nothing(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    services: Services,
    jobs: RecordingJobRunner,
    rpc_proxy: RpcProxy,
) -> None:
    raw = signed(platform.w3, relay.user, to=platform.token.address, data=approve_data(platform))
    tx_hash = submit(client, relay, raw).json()["hash"]
    with services.transaction() as session:
        session.execute(
            update(MiniProgram).where(MiniProgram.app_id == relay.app_id).values(status=3)
        )
    jobs.drain()
    assert rpc_proxy.sent_raw == []
    status = state_of(client, relay, tx_hash)
    assert status["state"] == "failed"
    assert status["error_code"] == "app_delisted"


def _three_sent(
    client: Any, platform: Platform, relay: RelayApp, jobs: RecordingJobRunner
) -> list[str]:
    first = platform.w3.eth.get_transaction_count(relay.user.address)
    hashes = []
    for nonce in range(first, first + 3):
        raw = signed(
            platform.w3,
            relay.user,
            to=platform.token.address,
            data=approve_data(platform),
            nonce=nonce,
        )
        hashes.append(submit(client, relay, raw).json()["hash"])
    jobs.drain()
    return hashes


def test_a_tracking_pass_asks_the_node_in_batches_not_once_per_transaction(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    services: Services,
    jobs: RecordingJobRunner,
    rpc_proxy: RpcProxy,
) -> None:
    hashes = _three_sent(client, platform, relay, jobs)
    rpc_proxy.requests.clear()
    track_now(services)  # automine: one block each, so 3, 2 and 1 confirmations of 3 required
    receipts = ["eth_getTransactionReceipt"] * 3
    assert rpc_proxy.requests == [["eth_blockNumber"], receipts]
    states = [state_of(client, relay, h)["state"] for h in hashes]
    assert states == ["confirmed", "mined", "mined"]

    mine(platform, 2)
    track_now(services)
    assert [state_of(client, relay, h)["state"] for h in hashes] == ["confirmed"] * 3


def test_a_node_that_refuses_batches_is_asked_one_call_at_a_time(
    client: Any,
    platform: Platform,
    relay: RelayApp,
    services: Services,
    jobs: RecordingJobRunner,
    rpc_proxy: RpcProxy,
) -> None:
    hashes = _three_sent(client, platform, relay, jobs)
    rpc_proxy.refuse_batches = True
    mine(platform, 2)
    track_now(services)
    assert [state_of(client, relay, h)["state"] for h in hashes] == ["confirmed"] * 3
    assert rpc_proxy.requests[-3:] == [["eth_getTransactionReceipt"]] * 3
