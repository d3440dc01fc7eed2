"""Helpers of the contract stage tests: an app with the fixture repository, deploy, read back."""

from __future__ import annotations

from typing import Any

from tests.conftest import RecordingJobRunner
from tests.factories import Actor, Factory
from tests.toolchain.conftest import REENTRANT, TX_ORIGIN

# The toolchain tests' vulnerable contracts: one tx.origin check, one reentrancy.
VAULT = TX_ORIGIN
BANK = REENTRANT

RISKY_MANIFEST = """manifest_version = 1

[app]
name = "Risky"
version = "1.0.0"

[[contracts]]
name = "Vault"
source = "contracts/Vault.sol"

[[contracts]]
name = "Bank"
source = "contracts/Bank.sol"

[deploy]
environment = "prod"
"""


def app_with_repo(factory: Factory, repo_url: str, jobs: RecordingJobRunner) -> tuple[str, Actor]:
    developer = factory.developer(approved=True)
    created = factory.client.post(
        "/api/v1/apps",
        headers=developer.headers,
        json={"name": "Greeter", "description": "Say hi", "category": "tools"},
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["app_id"]
    registered = factory.client.put(
        f"/api/v1/apps/{app_id}/deploy",
        headers=developer.headers,
        json={"repo_url": repo_url, "repo_branch": "main"},
    )
    assert registered.status_code == 200, registered.text
    jobs.sent.clear()  # the sign-up mail
    return app_id, developer


def deploy(
    factory: Factory, jobs: RecordingJobRunner, app_id: str, actor: Actor, **body: Any
) -> dict[str, Any]:
    """Request a deployment, run the pipeline to its end, and return the deployment's detail."""
    response = factory.client.post(
        f"/api/v1/apps/{app_id}/deployments", headers=actor.headers, json=body
    )
    assert response.status_code == 202, response.text
    jobs.drain()
    return detail(factory, app_id, actor, response.json()["id"])


def detail(factory: Factory, app_id: str, actor: Actor, deployment_id: str) -> dict[str, Any]:
    response = factory.client.get(
        f"/api/v1/apps/{app_id}/deployments/{deployment_id}", headers=actor.headers
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def stage_event(deployment: dict[str, Any], stage: str, status: str) -> dict[str, Any]:
    return next(
        e for e in reversed(deployment["events"]) if (e["stage"], e["status"]) == (stage, status)
    )
