"""The contracts stage against real anvil: a creation is recorded before it is broadcast, a worker
that dies after sending deploys nothing twice, and a contract counts once the chain's
confirmations are reached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import TransactionNotFound
from web3.types import RPCEndpoint

from chainless.chain.localnode import LocalChain, derive_accounts
from chainless.deployer.contracts import deploy
from chainless.deployer.deployments.pipeline import RUN_DEPLOYMENT
from chainless.platform.core.jobs import RetryJob, get_job
from chainless.platform.core.services import Services, run_job
from tests.conftest import RecordingJobRunner
from tests.deployer.contracts.support import app_with_repo, detail, stage_event
from tests.deployer.github_standin import GitHubStandIn
from tests.factories import Factory

pytestmark = pytest.mark.slow  # solc-js, slither and anvil run

BROADCAST = deploy.broadcast


class WorkerDied(Exception):
    """Stands for a worker killed between the broadcast and its transaction's commit."""


@pytest.fixture
def w3(chain: LocalChain) -> Web3:
    return Web3(Web3.HTTPProvider(chain.rpc_url))


@pytest.fixture
def devops(services: Services) -> str:
    return derive_accounts(count=6)[services.settings.deployer.dev_devops_account].address


def _rpc(w3: Web3, method: str, *params: Any) -> None:
    w3.provider.make_request(RPCEndpoint(method), list(params))


def _run_again(services: Services, ident: str) -> None:
    """What the runner does when it retries the job (after a crash or a RetryJob)."""
    run_job(services, get_job(RUN_DEPLOYMENT), {"deployment_id": ident})


def _contracts(deployment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in deployment["artifacts"]["contracts"]["deployed"]}


def _start(factory: Factory, app_id: str, headers: dict[str, str]) -> str:
    response = factory.client.post(f"/api/v1/apps/{app_id}/deployments", headers=headers, json={})
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _listed(factory: Factory, app_id: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = factory.client.get(
        f"/api/v1/apps/{app_id}/deployed-contracts?environment=dev", headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _count_broadcasts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    sent: list[str] = []

    def counting(w3: Web3, raw: str, name: str) -> deploy.Broadcast:
        sent.append(name)
        return BROADCAST(w3, raw, name)

    monkeypatch.setattr(deploy, "broadcast", counting)
    return sent


def test_a_worker_dying_after_the_broadcast_creates_each_contract_once(
    factory: Factory,
    jobs: RecordingJobRunner,
    hosted: str,
    w3: Web3,
    services: Services,
    devops: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services.settings.deployer, "contract_receipt_timeout_seconds", 0.5)
    app_id, developer = app_with_repo(factory, hosted, jobs)
    nonce = w3.eth.get_transaction_count(devops, "pending")
    ident = _start(factory, app_id, developer.headers)

    def dies_after_sending(w3: Web3, raw: str, name: str) -> deploy.Broadcast:
        BROADCAST(w3, raw, name)
        raise WorkerDied(f"{name} sent, the worker died before its commit")

    monkeypatch.setattr(deploy, "broadcast", dies_after_sending)
    _rpc(w3, "evm_setAutomine", False)
    try:
        with pytest.raises(WorkerDied):
            jobs.drain()
        signed = _contracts(detail(factory, app_id, developer, ident))["Greeter"]
        assert signed["status"] == "signed"  # committed before the broadcast; the crash kept it
        assert w3.eth.get_transaction_count(devops, "pending") == nonce + 1  # in the mempool

        sent = _count_broadcasts(monkeypatch)
        with pytest.raises(RetryJob, match="not mined"):
            _run_again(services, ident)  # the same bytes again: "already known", then waits
        assert sent == ["Greeter"]
        assert w3.eth.get_transaction_count(devops, "pending") == nonce + 1  # nothing new
        _rpc(w3, "evm_mine")
    finally:
        _rpc(w3, "evm_setAutomine", True)
    _run_again(services, ident)
    jobs.drain()

    done = detail(factory, app_id, developer, ident)
    assert done["status"] == "succeeded", done["error_detail"]
    contracts = _contracts(done)
    greeter = contracts["Greeter"]
    assert greeter["transaction_hash"] == signed["transaction_hash"]
    assert greeter["nonce"] == signed["nonce"] == nonce
    assert w3.eth.get_transaction_count(devops) == nonce + 2  # one creation per contract
    receipt = w3.eth.get_transaction_receipt(greeter["transaction_hash"])
    assert receipt["contractAddress"] == greeter["address"]
    code = bytes(w3.eth.get_code(greeter["address"]))
    assert code
    assert greeter["code_hash"] == "0x" + Web3.keccak(code).hex().removeprefix("0x")
    listed = {c["name"]: c for c in _listed(factory, app_id, developer.headers)}
    assert set(listed) == {"Greeter", "GreeterRegistry"}
    assert listed["Greeter"]["address"] == greeter["address"]
    assert listed["Greeter"]["block_number"] == receipt["blockNumber"]
    assert listed["Greeter"]["code_hash"] == greeter["code_hash"]
    assert listed["Greeter"]["source_verified"] is True
    assert listed["Greeter"]["audit_rating"] == done["artifacts"]["audit"]["rating"]
    assert (listed["Greeter"]["deployment_id"], listed["Greeter"]["app_version"]) == (
        ident,
        "1.0.0",
    )
    assert listed["Greeter"]["chain_id"] == 31337


def test_a_contract_counts_once_the_chain_confirmations_are_reached(
    factory: Factory,
    jobs: RecordingJobRunner,
    hosted: str,
    w3: Web3,
    services: Services,
    devops: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    three = {
        environment: config.model_copy(update={"confirmations": 3})
        for environment, config in services.settings.chains.items()
    }
    monkeypatch.setattr(services.settings, "chains", three)
    app_id, developer = app_with_repo(factory, hosted, jobs)
    nonce = w3.eth.get_transaction_count(devops, "pending")
    sent = _count_broadcasts(monkeypatch)
    ident = _start(factory, app_id, developer.headers)
    with pytest.raises(RetryJob, match="1 of 3 confirmations"):
        jobs.drain()

    waiting = detail(factory, app_id, developer, ident)
    assert (waiting["status"], waiting["stage"]) == ("running", "contracts")
    greeter = _contracts(waiting)["Greeter"]
    assert (greeter["status"], greeter["confirmations"]) == ("mined", 1)
    assert "source_verified" not in greeter  # not reported deployed yet
    assert "1 of 3" in stage_event(waiting, "contracts", "retrying")["message"]
    assert _listed(factory, app_id, developer.headers) == []

    _rpc(w3, "evm_mine")
    with pytest.raises(RetryJob, match="2 of 3 confirmations"):
        _run_again(services, ident)  # checked again, not sent again
    _rpc(w3, "evm_mine")
    _run_again(services, ident)  # Greeter confirmed; the registry is signed next
    with pytest.raises(RetryJob, match=r"GreeterRegistry .* 1 of 3"):
        jobs.drain()
    _rpc(w3, "evm_mine")
    _rpc(w3, "evm_mine")
    _run_again(services, ident)
    jobs.drain()

    done = detail(factory, app_id, developer, ident)
    assert done["status"] == "succeeded", done["error_detail"]
    assert sent == ["Greeter", "GreeterRegistry"]  # each broadcast once
    assert w3.eth.get_transaction_count(devops) == nonce + 2
    assert done["artifacts"]["contracts"]["required_confirmations"] == 3
    assert all(c["confirmations"] >= 3 for c in _contracts(done).values())
    assert len(_listed(factory, app_id, developer.headers)) == 2


def test_apps_deploying_at_the_same_time_sign_with_distinct_nonces(
    factory: Factory,
    jobs: RecordingJobRunner,
    github: GitHubStandIn,
    mini_program_repo: Path,
    w3: Web3,
    devops: str,
) -> None:
    """The devops account signs for every app: a nonce signed but not yet broadcast by one
    deployment is not handed to another (the runs interleave: one app's creation is signed
    while the other's is still only recorded)."""
    first, alice = app_with_repo(factory, github.host("dev/one", mini_program_repo), jobs)
    second, bob = app_with_repo(factory, github.host("dev/two", mini_program_repo), jobs)
    nonce = w3.eth.get_transaction_count(devops, "pending")
    idents = [_start(factory, first, alice.headers), _start(factory, second, bob.headers)]
    jobs.drain()

    done = [
        detail(factory, first, alice, idents[0]),
        detail(factory, second, bob, idents[1]),
    ]
    assert [d["status"] for d in done] == ["succeeded", "succeeded"], done[1]["error_detail"]
    nonces = sorted(c["nonce"] for d in done for c in _contracts(d).values())
    assert nonces == [nonce, nonce + 1, nonce + 2, nonce + 3]
    assert w3.eth.get_transaction_count(devops) == nonce + 4


def test_a_creation_whose_nonce_another_transaction_took_is_signed_again(
    factory: Factory,
    jobs: RecordingJobRunner,
    hosted: str,
    w3: Web3,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Someone spends the devops account's nonce between the record and the broadcast: the
    recorded creation can never be mined, so the stage signs it again with a free nonce (and
    records that first) instead of failing the deployment."""
    account = derive_accounts(count=6)[services.settings.deployer.dev_devops_account]
    app_id, developer = app_with_repo(factory, hosted, jobs)
    ident = _start(factory, app_id, developer.headers)

    def dies_before_sending(w3: Web3, raw: str, name: str) -> deploy.Broadcast:
        raise WorkerDied(f"the worker died before sending {name}")

    monkeypatch.setattr(deploy, "broadcast", dies_before_sending)
    with pytest.raises(WorkerDied):
        jobs.drain()
    recorded = _contracts(detail(factory, app_id, developer, ident))["Greeter"]
    assert recorded["status"] == "signed"
    taken = Account.sign_transaction(
        {
            "to": account.address,
            "value": 0,
            "gas": 21_000,
            "gasPrice": 2 * w3.eth.gas_price,
            "nonce": recorded["nonce"],
            "chainId": w3.eth.chain_id,
        },
        account.private_key,
    )
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(taken.raw_transaction))

    monkeypatch.setattr(deploy, "broadcast", BROADCAST)
    _run_again(services, ident)  # "nonce too low" and no receipt: signed again, recorded
    resigned = detail(factory, app_id, developer, ident)
    again = _contracts(resigned)["Greeter"]
    assert again["status"] == "signed"
    assert again["nonce"] > recorded["nonce"]
    assert again["transaction_hash"] != recorded["transaction_hash"]
    assert "signed again" in resigned["events"][-1]["message"]
    jobs.drain()

    done = detail(factory, app_id, developer, ident)
    assert done["status"] == "succeeded", done["error_detail"]
    greeter = _contracts(done)["Greeter"]
    assert greeter["transaction_hash"] == again["transaction_hash"]
    assert bytes(w3.eth.get_code(greeter["address"]))
    with pytest.raises(TransactionNotFound):  # the first signing was never mined
        w3.eth.get_transaction_receipt(recorded["transaction_hash"])
