"""The audit stage: slither's findings, the A-E rating, and production blocked on high findings
until a platform operator overrides with a reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chainless.deployer.contracts.audit import rating
from chainless.platform.core.permissions import Role
from chainless.platform.core.services import Services
from chainless.platform.models import AuditEvent
from tests.conftest import RecordingJobRunner
from tests.deployer.contracts.support import (
    BANK,
    RISKY_MANIFEST,
    VAULT,
    app_with_repo,
    deploy,
    detail,
    stage_event,
)
from tests.deployer.fixture_repo import commit_change, git_repository
from tests.deployer.github_standin import GitHubStandIn
from tests.factories import Actor, Factory

pytestmark = pytest.mark.slow  # solc-js, slither and anvil run


@pytest.fixture
def risky_repo(tmp_path: Path, github: GitHubStandIn) -> str:
    """A repository whose contracts use tx.origin for authorization and are reentrant."""
    root = git_repository(tmp_path / "risky")
    commit_change(root, "contracts/Vault.sol", VAULT, "Vault")
    commit_change(root, "contracts/Bank.sol", BANK, "Bank")
    commit_change(root, "chainless.toml", RISKY_MANIFEST, "Deploy the vault and the bank")
    return github.host("dev/risky", root)


def _finding(**overrides: Any) -> dict[str, Any]:
    return {"check": "x", "impact": "Low", "confidence": "Medium", **overrides}


def test_the_rating_rule() -> None:
    assert rating([]) == "A"
    assert rating([_finding(impact="Informational"), _finding(impact="Optimization")]) == "A"
    assert rating([_finding(impact="Low")]) == "B"
    assert rating([_finding(impact="Low"), _finding(impact="Medium")]) == "C"
    assert rating([_finding(impact="High", confidence="Medium")]) == "D"
    assert rating([_finding(impact="High", confidence="High")]) == "E"
    assert rating([_finding(impact="High"), _finding(impact="High")]) == "E"


def test_a_clean_repository_rates_well_and_deploys(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    app_id, developer = app_with_repo(factory, hosted, jobs)
    deployment = deploy(factory, jobs, app_id, developer)
    audit = deployment["artifacts"]["audit"]
    assert audit["tool"].startswith("slither 0.")
    assert audit["rating"] in {"A", "B"}
    assert not [f for f in audit["findings"] if f["impact"] in {"High", "Medium"}]
    assert audit["blocking"] == 0
    assert stage_event(deployment, "audit", "succeeded")["message"].startswith(
        f"rating {audit['rating']}"
    )


def _override(factory: Factory, app_id: str, deployment_id: str, actor: Actor, reason: str) -> Any:
    return factory.client.post(
        f"/api/v1/apps/{app_id}/deployments/{deployment_id}/audit-override",
        headers=actor.headers,
        json={"reason": reason},
    )


def test_high_findings_are_reported_and_lower_the_rating(
    factory: Factory, jobs: RecordingJobRunner, risky_repo: str
) -> None:
    app_id, developer = app_with_repo(factory, risky_repo, jobs)
    deployment = deploy(factory, jobs, app_id, developer, environment="dev")
    assert deployment["status"] == "succeeded", deployment["error_detail"]  # dev is not blocked
    audit = deployment["artifacts"]["audit"]
    assert audit["rating"] in {"D", "E"}
    by_check = {f["check"]: f for f in audit["findings"]}
    assert {"tx-origin", "reentrancy-eth"} <= set(by_check)
    reentrancy = by_check["reentrancy-eth"]
    assert (reentrancy["impact"], reentrancy["file"]) == ("High", "contracts/Bank.sol")
    assert reentrancy["confidence"] in {"Low", "Medium", "High"}
    assert "Bank.withdraw()" in reentrancy["description"]
    first, last = reentrancy["lines"]
    assert 1 <= first <= last <= len(BANK.splitlines())
    assert by_check["tx-origin"]["file"] == "contracts/Vault.sol"
    # the pinned OpenZeppelin package is not the app's: nothing is reported outside the repo
    assert all(f["file"].startswith("contracts/") for f in audit["findings"])


def test_high_findings_block_prod_until_an_operator_overrides(
    factory: Factory, jobs: RecordingJobRunner, risky_repo: str, services: Services
) -> None:
    app_id, developer = app_with_repo(factory, risky_repo, jobs)
    blocked = deploy(factory, jobs, app_id, developer, environment="prod")
    assert blocked["status"] == "failed"
    assert blocked["error_code"] == "audit_blocked"
    assert "reentrancy-eth" in blocked["error_detail"]
    failed = stage_event(blocked, "audit", "failed")
    assert {f["check"] for f in failed["data"]["findings"]} >= {"reentrancy-eth"}
    assert blocked["artifacts"]["audit"]["blocking"] >= 1  # the developer sees why
    assert "contracts" not in blocked["artifacts"]  # nothing reached the chain

    assert _override(factory, app_id, blocked["id"], developer, "mine").status_code == 403
    tech = factory.staff(Role.PLATFORM_TECH)  # staff, but not an operator
    assert _override(factory, app_id, blocked["id"], tech, "looks fine").status_code == 403
    operator = factory.operator()
    missing = _override(factory, app_id, "0" * 32, operator, "reviewed")
    assert (missing.status_code, missing.json()["code"]) == (404, "deployment_not_found")
    blank = _override(factory, app_id, blocked["id"], operator, "   ")
    assert (blank.status_code, blank.json()["code"]) == (422, "reason_required")
    assert blank.headers["content-type"].startswith("application/problem+json")

    reason = "withdraw is only called by the audited keeper; accepted risk, ticket SEC-12"
    overridden = _override(factory, app_id, blocked["id"], operator, reason)
    assert overridden.status_code == 200, overridden.text
    assert overridden.json()["status"] == "queued"
    again = _override(factory, app_id, blocked["id"], operator, reason)
    assert (again.status_code, again.json()["code"]) == (409, "override_exists")

    jobs.drain()
    resumed = detail(factory, app_id, developer, blocked["id"])
    assert resumed["status"] == "succeeded", resumed["error_detail"]
    audit = resumed["artifacts"]["audit"]
    assert audit["override"]["reason"] == reason
    assert audit["override"]["by"] == operator.id
    assert audit["cached"] is True  # the same build: not analysed again
    assert "operator override" in stage_event(resumed, "audit", "succeeded")["message"]
    assert {c["name"] for c in resumed["artifacts"]["contracts"]["deployed"]} == {"Vault", "Bank"}

    with services.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "deployment.audit_overridden")
        ).all()
        assert [(e.actor_id, e.target_id, e.summary) for e in events] == [
            (operator.id, blocked["id"], reason)
        ]


def test_an_override_is_refused_when_nothing_is_blocked(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    app_id, developer = app_with_repo(factory, hosted, jobs)
    done = deploy(factory, jobs, app_id, developer)
    answer = _override(factory, app_id, done["id"], factory.operator(), "just because")
    assert (answer.status_code, answer.json()["code"]) == (409, "override_not_applicable")
