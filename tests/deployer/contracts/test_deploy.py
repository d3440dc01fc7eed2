"""The contracts stage: deployed to the environment's chain (anvil) with the devops key,
addresses recorded, runtime code verified against the build, and retries that never redeploy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3
from web3.types import RPCEndpoint

from chainless.chain.localnode import LocalChain, derive_accounts
from chainless.deployer.contracts.bytecode import runtime_matches
from chainless.deployer.contracts.compiler import contracts_of, run_solc
from chainless.deployer.contracts.deploy import (
    ArgumentsInvalid,
    constructor_values,
    send_deployment,
)
from chainless.deployer.contracts.sources import standard_input
from chainless.deployer.deployments import pipeline
from chainless.deployer.manifest import ContractSpec
from chainless.deployer.models import Deployment, DeploymentStatus
from chainless.platform.core.jobs import RetryJob
from chainless.platform.core.services import Services
from tests.conftest import RecordingJobRunner
from tests.deployer.contracts.support import app_with_repo, deploy, detail, stage_event
from tests.deployer.fixture_repo import MANIFEST, commit_change
from tests.factories import Factory

pytestmark = pytest.mark.slow  # solc-js, slither and anvil run

GREETER_ABI = [
    {
        "type": "function",
        "name": "greeting",
        "inputs": [],
        "outputs": [{"type": "string", "name": ""}],
        "stateMutability": "view",
    }
]
REGISTRY_ABI = [
    {
        "type": "function",
        "name": name,
        "inputs": [],
        "outputs": [{"type": kind, "name": ""}],
        "stateMutability": "view",
    }
    for name, kind in (("greeter", "address"), ("slots", "uint256"))
]

STAMPED = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Stamped {
    address public immutable creator;
    uint256 public immutable stamp;

    constructor(uint256 stamp_) {
        creator = msg.sender;
        stamp = stamp_;
    }
}
"""


@pytest.fixture
def w3(chain: LocalChain) -> Web3:
    return Web3(Web3.HTTPProvider(chain.rpc_url))


def _deployed(deployment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in deployment["artifacts"]["contracts"]["deployed"]}


def test_contracts_are_deployed_and_verified_against_their_source(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, w3: Web3, services: Services
) -> None:
    devops = derive_accounts(count=6)[services.settings.deployer.dev_devops_account].address
    app_id, developer = app_with_repo(factory, hosted, jobs)
    deployment = deploy(factory, jobs, app_id, developer)
    assert deployment["status"] == "succeeded", deployment["error_detail"]
    recorded = deployment["artifacts"]["contracts"]
    assert (recorded["environment"], recorded["chain_id"]) == ("dev", 31337)
    contracts = _deployed(deployment)
    assert list(contracts) == ["Greeter", "GreeterRegistry"]  # manifest order
    greeter, registry = contracts["Greeter"], contracts["GreeterRegistry"]
    assert greeter["source_verified"] is True
    assert registry["source_verified"] is True
    assert greeter["deployer"] == devops
    receipt = w3.eth.get_transaction_receipt(greeter["transaction_hash"])
    assert receipt["contractAddress"] == greeter["address"]
    # constructor arguments from the manifest, a { contract = ... } one included
    assert w3.eth.contract(greeter["address"], abi=GREETER_ABI).functions.greeting().call() == (
        "hello"
    )
    bound = w3.eth.contract(registry["address"], abi=REGISTRY_ABI)
    assert bound.functions.greeter().call() == greeter["address"]
    assert bound.functions.slots().call() == 3
    assert (
        "2 deployed on chain 31337 (1 confirmations); 2/2 match"
        in (stage_event(deployment, "contracts", "succeeded")["message"])
    )
    # each creation was signed and recorded in a run of its own before it was broadcast
    progress = [e for e in deployment["events"] if e["status"] == "progress"]
    assert [e["message"].split(":")[0] for e in progress] == ["Greeter", "GreeterRegistry"]


def _run_contracts_stage_again(services: Services, jobs: RecordingJobRunner, ident: str) -> None:
    """What a retried job does: the deployment is running at its ``contracts`` stage."""
    with services.transaction() as session:
        deployment = session.get(Deployment, ident)
        assert deployment is not None
        deployment.status, deployment.stage = DeploymentStatus.RUNNING, "contracts"
        pipeline.advance(session, services, ident)
    jobs.drain()


def test_a_retry_verifies_the_recorded_addresses_instead_of_deploying_again(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, w3: Web3, services: Services
) -> None:
    app_id, developer = app_with_repo(factory, hosted, jobs)
    first = deploy(factory, jobs, app_id, developer)
    devops = _deployed(first)["Greeter"]["deployer"]
    nonce = w3.eth.get_transaction_count(devops, "pending")

    _run_contracts_stage_again(services, jobs, first["id"])
    again = detail(factory, app_id, developer, first["id"])
    assert again["status"] == "succeeded", again["error_detail"]
    assert w3.eth.get_transaction_count(devops, "pending") == nonce  # nothing sent
    assert {n: c["address"] for n, c in _deployed(again).items()} == {
        n: c["address"] for n, c in _deployed(first).items()
    }
    assert all(c["status"] == "deployed" for c in _deployed(again).values())


def test_code_that_differs_from_the_build_is_not_source_verified(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, services: Services
) -> None:
    app_id, developer = app_with_repo(factory, hosted, jobs)
    first = deploy(factory, jobs, app_id, developer)
    key = first["artifacts"]["compile"]["contracts"]["Greeter"]["artifact"]
    artifact = json.loads(services.storage.get(key))
    code = artifact["deployedBytecode"]
    middle = len(code) // 2
    flipped = "1" if code[middle] != "1" else "2"
    artifact["deployedBytecode"] = code[:middle] + flipped + code[middle + 1 :]
    services.storage.put(key, json.dumps(artifact).encode(), content_type="application/json")

    _run_contracts_stage_again(services, jobs, first["id"])
    contracts = _deployed(detail(factory, app_id, developer, first["id"]))
    assert contracts["Greeter"]["source_verified"] is False
    assert contracts["GreeterRegistry"]["source_verified"] is True


def test_verification_ignores_the_metadata_tail_and_immutables_only(
    chain: LocalChain, w3: Web3
) -> None:
    spec = ContractSpec(name="Stamped", source="Stamped.sol", constructor_args=[7])
    (stamped,) = contracts_of(run_solc(standard_input({"Stamped.sol": STAMPED})), [spec])
    assert stamped.immutable_references  # creator and stamp are written by the constructor
    owner = chain.accounts[0]
    factory = w3.eth.contract(abi=stamped.abi, bytecode=stamped.bytecode)
    tx_hash = factory.constructor(7).transact({"from": owner.address})
    address = w3.eth.wait_for_transaction_receipt(tx_hash)["contractAddress"]
    onchain = bytes(w3.eth.get_code(address))
    refs = stamped.immutable_references

    assert runtime_matches(onchain, stamped.deployed_bytecode, refs)
    assert not runtime_matches(onchain, stamped.deployed_bytecode, {})  # immutables differ
    other_metadata = onchain[:-10] + bytes(8) + onchain[-2:]  # same length, other CBOR content
    assert runtime_matches(other_metadata, stamped.deployed_bytecode, refs)
    body = bytearray(onchain)
    body[5] ^= 0xFF
    assert not runtime_matches(bytes(body), stamped.deployed_bytecode, refs)
    assert not runtime_matches(b"", stamped.deployed_bytecode, refs)  # no code at the address


def test_constructor_arguments_that_do_not_fit_the_abi_fail_the_stage(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, mini_program_repo: Path
) -> None:
    manifest = MANIFEST.replace('constructor_args = ["hello"]', "constructor_args = []")
    commit_change(mini_program_repo, "chainless.toml", manifest, "No greeting")
    app_id, developer = app_with_repo(factory, hosted, jobs)
    deployment = deploy(factory, jobs, app_id, developer)
    assert deployment["status"] == "failed"
    assert deployment["error_code"] == "constructor_args_invalid"
    assert "takes 1 arguments" in deployment["error_detail"]


def test_an_unreachable_chain_is_retried_with_the_progress_kept(
    factory: Factory,
    jobs: RecordingJobRunner,
    hosted: str,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app_id, developer = app_with_repo(factory, hosted, jobs)
    down = {
        environment: config.model_copy(update={"rpc_urls": ["http://127.0.0.1:9"]})
        for environment, config in services.settings.chains.items()
    }
    monkeypatch.setattr(services.settings, "chains", down)
    response = factory.client.post(
        f"/api/v1/apps/{app_id}/deployments", headers=developer.headers, json={}
    )
    with pytest.raises(RetryJob, match="no RPC URL"):
        jobs.drain()
    retrying = detail(factory, app_id, developer, response.json()["id"])
    assert (retrying["status"], retrying["stage"]) == ("running", "contracts")
    assert stage_event(retrying, "contracts", "retrying")["message"].startswith("no RPC URL")


def test_arguments_of_the_wrong_type_are_refused_before_anything_is_sent(
    chain: LocalChain, w3: Web3
) -> None:
    spec = ContractSpec(name="Stamped", source="Stamped.sol", constructor_args=["x"])
    (stamped,) = contracts_of(run_solc(standard_input({"Stamped.sol": STAMPED})), [spec])
    account = Account.from_key(chain.accounts[4].private_key)
    nonce = w3.eth.get_transaction_count(account.address, "pending")
    for values in ([["not", "a", "number"]], [-1]):
        with pytest.raises(ArgumentsInvalid):
            send_deployment(w3, account, stamped, values)
    with pytest.raises(ArgumentsInvalid, match="not a decimal integer"):
        constructor_values(stamped, ["seven"], {})
    assert constructor_values(stamped, ["7"], {}) == [7]
    assert w3.eth.get_transaction_count(account.address, "pending") == nonce


def test_a_slow_receipt_is_awaited_on_retry_not_sent_again(
    factory: Factory,
    jobs: RecordingJobRunner,
    hosted: str,
    w3: Web3,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    devops = derive_accounts(count=6)[services.settings.deployer.dev_devops_account].address
    monkeypatch.setattr(services.settings.deployer, "contract_receipt_timeout_seconds", 0.5)
    app_id, developer = app_with_repo(factory, hosted, jobs)
    response = factory.client.post(
        f"/api/v1/apps/{app_id}/deployments", headers=developer.headers, json={}
    )
    ident = response.json()["id"]
    nonce = w3.eth.get_transaction_count(devops, "pending")
    w3.provider.make_request(RPCEndpoint("evm_setAutomine"), [False])
    try:
        with pytest.raises(RetryJob, match="not mined"):
            jobs.drain()
    finally:
        w3.provider.make_request(RPCEndpoint("evm_setAutomine"), [True])
    pending = detail(factory, app_id, developer, ident)
    (greeter,) = pending["artifacts"]["contracts"]["deployed"]
    assert "address" not in greeter  # sent, recorded, not mined yet
    assert stage_event(pending, "contracts", "retrying")["message"].startswith("Greeter's")

    w3.provider.make_request(RPCEndpoint("evm_mine"), [])
    _run_contracts_stage_again(services, jobs, ident)
    done = detail(factory, app_id, developer, ident)
    assert done["status"] == "succeeded", done["error_detail"]
    contracts = _deployed(done)
    assert contracts["Greeter"]["transaction_hash"] == greeter["transaction_hash"]
    assert all(c["source_verified"] for c in contracts.values())
    assert w3.eth.get_transaction_count(devops, "pending") == nonce + 2  # one per contract
