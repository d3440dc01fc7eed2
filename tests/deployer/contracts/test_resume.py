"""Resuming a failed deployment from the stage that failed (``POST .../retry``), the deployed
contracts listing's tenant isolation, and a missing or broken Solidity toolchain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from web3 import Web3

from chainless.chain.localnode import LocalChain
from chainless.deployer.deployments import pipeline
from chainless.platform.core.errors import AppError
from chainless.platform.core.services import Services
from chainless.platform.models import AuditEvent
from chainless.platform.toolchain import TOOLCHAIN_DIR_ENV
from tests.conftest import RecordingJobRunner
from tests.deployer.contracts.support import app_with_repo, deploy, detail
from tests.factories import Actor, Factory

pytestmark = pytest.mark.slow  # solc-js, slither and anvil run


@pytest.fixture
def w3(chain: LocalChain) -> Web3:
    return Web3(Web3.HTTPProvider(chain.rpc_url))


def _break_frontend(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(_context: pipeline.StageContext) -> str:
        raise AppError("the build host is full", code="build_failed", status=422)

    stages = tuple(
        pipeline.Stage("frontend", fails) if s.name == "frontend" else s for s in pipeline.STAGES
    )
    monkeypatch.setattr(pipeline, "STAGES", stages)


def _retry(factory: Factory, app_id: str, ident: str, actor: Actor) -> Any:
    return factory.client.post(
        f"/api/v1/apps/{app_id}/deployments/{ident}/retry", headers=actor.headers
    )


def _problem(response: Any, status: int, code: str) -> None:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_failed_deployment_resumes_at_its_failed_stage_with_its_contracts_kept(
    factory: Factory,
    jobs: RecordingJobRunner,
    hosted: str,
    w3: Web3,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app_id, developer = app_with_repo(factory, hosted, jobs)
    _break_frontend(monkeypatch)
    failed = deploy(factory, jobs, app_id, developer)
    assert (failed["status"], failed["stage"], failed["error_code"]) == (
        "failed",
        "frontend",
        "build_failed",
    )
    contracts = failed["artifacts"]["contracts"]["deployed"]
    devops = contracts[0]["deployer"]
    nonce = w3.eth.get_transaction_count(devops, "pending")

    stranger = factory.developer(approved=True)
    _problem(_retry(factory, app_id, failed["id"], stranger), 404, "app_not_found")
    _problem(_retry(factory, app_id, "0" * 32, developer), 404, "deployment_not_found")
    monkeypatch.undo()  # the build host has room again
    queued = _retry(factory, app_id, failed["id"], developer)
    assert queued.status_code == 202, queued.text
    assert (queued.json()["status"], queued.json()["error_code"]) == ("queued", None)
    jobs.drain()

    resumed = detail(factory, app_id, developer, failed["id"])
    assert resumed["status"] == "succeeded", resumed["error_detail"]
    retried_at = next(
        i for i, e in enumerate(resumed["events"]) if e["message"].startswith("retried")
    )
    assert resumed["events"][retried_at]["message"] == "retried from the frontend stage"
    after = {(e["stage"], e["status"]) for e in resumed["events"][retried_at:]}
    assert ("frontend", "succeeded") in after
    assert not {stage for stage, _ in after} & {"source", "compile", "audit", "contracts"}
    assert resumed["artifacts"]["contracts"]["deployed"] == contracts  # kept as they were
    assert resumed["commit_sha"] == failed["commit_sha"]
    assert w3.eth.get_transaction_count(devops, "pending") == nonce  # nothing deployed again

    _problem(_retry(factory, app_id, failed["id"], developer), 409, "deployment_not_failed")
    with services.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "deployment.retried")
        ).all()
        assert [(e.actor_id, e.target_id, e.app_id) for e in events] == [
            (developer.id, failed["id"], app_id)
        ]


def test_only_the_newest_deployment_of_an_environment_can_be_retried(
    factory: Factory,
    jobs: RecordingJobRunner,
    hosted: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app_id, developer = app_with_repo(factory, hosted, jobs)
    _break_frontend(monkeypatch)
    failed = deploy(factory, jobs, app_id, developer)
    assert failed["status"] == "failed"
    newer = factory.client.post(
        f"/api/v1/apps/{app_id}/deployments", headers=developer.headers, json={}
    )
    assert newer.status_code == 202
    answer = _retry(factory, app_id, failed["id"], developer)
    _problem(answer, 409, "deployment_superseded")
    assert answer.json()["superseded_by"] == newer.json()["id"]


def test_deployed_contracts_of_another_developers_app_are_not_found(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    app_id, developer = app_with_repo(factory, hosted, jobs)
    url = f"/api/v1/apps/{app_id}/deployed-contracts"
    assert factory.client.get(url, headers=developer.headers).json() == []
    stranger = factory.developer(approved=True)
    _problem(factory.client.get(url, headers=stranger.headers), 404, "app_not_found")
    bad = factory.client.get(f"{url}?environment=staging", headers=developer.headers)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert factory.client.get(url).status_code == 401


def test_a_missing_toolchain_fails_at_once_saying_how_to_install_it(
    factory: Factory,
    jobs: RecordingJobRunner,
    hosted: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app_id, developer = app_with_repo(factory, hosted, jobs)
    monkeypatch.setenv(TOOLCHAIN_DIR_ENV, str(tmp_path / "no-toolchain"))
    failed = deploy(factory, jobs, app_id, developer)  # drains without a retry
    assert (failed["status"], failed["stage"]) == ("failed", "compile")
    assert failed["error_code"] == "toolchain_unavailable"
    assert "make setup" in failed["error_detail"]
    event = next(e for e in failed["events"] if e["status"] == "failed")
    assert event["data"]["missing"] == "@openzeppelin/contracts"


def test_a_broken_solc_fails_at_once_naming_it(
    factory: Factory,
    jobs: RecordingJobRunner,
    hosted: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    toolchain = tmp_path / "toolchain"
    for package in ("solc", "@openzeppelin/contracts"):
        folder = toolchain / "node_modules" / package
        folder.mkdir(parents=True)
        (folder / "package.json").write_text('{"version": "1.0.0"}')
    solc = toolchain / "bin" / "solc"
    solc.parent.mkdir()
    solc.write_text("#!/bin/sh\necho 'solc: cannot find module soljson.js' >&2\nexit 1\n")
    solc.chmod(0o755)
    app_id, developer = app_with_repo(factory, hosted, jobs)
    monkeypatch.setenv(TOOLCHAIN_DIR_ENV, str(toolchain))
    failed = deploy(factory, jobs, app_id, developer)
    assert failed["error_code"] == "toolchain_unavailable"
    assert "soljson.js" in failed["error_detail"]
    assert "make setup" in failed["error_detail"]
    event = next(e for e in failed["events"] if e["status"] == "failed")
    assert (event["data"]["missing"], event["data"]["fix"]) == ("solc", "make setup")
