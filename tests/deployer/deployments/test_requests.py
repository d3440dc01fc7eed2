"""Deploy requests over HTTP: queued, run by the pipeline's job, followed through events."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RecordingJobRunner
from tests.deployer.fixture_repo import MANIFEST, commit_change, git
from tests.deployer.github_standin import GitHubStandIn
from tests.factories import Actor, Factory

pytestmark = pytest.mark.portable  # the embedded default deploys too


def _app_with_repo(
    factory: Factory, repo_url: str, jobs: RecordingJobRunner | None = None
) -> tuple[str, Actor]:
    developer = factory.developer(approved=True)
    client = factory.client
    created = client.post(
        "/api/v1/apps",
        headers=developer.headers,
        json={"name": "Greeter", "description": "Say hi", "category": "tools"},
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["app_id"]
    registered = client.put(
        f"/api/v1/apps/{app_id}/deploy",
        headers=developer.headers,
        json={"repo_url": repo_url, "repo_branch": "main"},
    )
    assert registered.status_code == 200, registered.text
    if jobs is not None:
        jobs.sent.clear()  # the sign-up mail
    return app_id, developer


def _deploy(client: Any, app_id: str, actor: Actor, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/apps/{app_id}/deployments", headers=actor.headers, json=body)
    assert response.status_code == 202, response.text
    return response.json()  # type: ignore[no-any-return]


def _detail(client: Any, app_id: str, actor: Actor, deployment_id: str) -> dict[str, Any]:
    response = client.get(
        f"/api/v1/apps/{app_id}/deployments/{deployment_id}", headers=actor.headers
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_requested_branch_is_fetched_and_its_manifest_recorded(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, mini_program_repo: Path
) -> None:
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    queued = _deploy(factory.client, app_id, developer)
    assert (queued["status"], queued["ref"], queued["environment"]) == ("queued", "main", "dev")
    assert queued["commit_sha"] is None
    assert jobs.names() == ["deployer.run_deployment"]
    jobs.drain()
    detail = _detail(factory.client, app_id, developer, queued["id"])
    assert detail["status"] == "succeeded", detail
    assert detail["commit_sha"] == git(mini_program_repo, "rev-parse", "HEAD")
    assert detail["manifest"]["app"] == {"name": "Greeter", "version": "1.0.0"}
    steps = [(e["stage"], e["status"]) for e in detail["events"]]
    assert steps == [
        ("queue", "queued"),
        ("source", "started"),
        ("source", "succeeded"),
        ("compile", "started"),
        ("compile", "succeeded"),
        ("audit", "started"),
        ("audit", "succeeded"),
        # each contract's creation is signed and committed in a run before it is broadcast
        *[("contracts", "started"), ("contracts", "progress")] * 2,
        ("contracts", "started"),
        ("contracts", "succeeded"),
        ("frontend", "started"),
        ("frontend", "succeeded"),
        ("release", "started"),
        ("release", "succeeded"),
        ("deployment", "succeeded"),
    ]
    newer = _detail(
        factory.client, app_id, developer, queued["id"] + f"?after={detail['events'][1]['id']}"
    )
    after_start = [e["status"] for e in newer["events"]]
    assert after_start == [
        "succeeded",
        *["started", "succeeded"] * 2,
        *["started", "progress"] * 2,
        *["started", "succeeded"] * 3,
        "succeeded",
    ]


def test_a_tag_or_commit_can_be_deployed(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, mini_program_repo: Path
) -> None:
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    tagged = git(mini_program_repo, "rev-parse", "HEAD")
    commit_change(mini_program_repo, "docs/later.md", "later\n", "Later")
    by_tag = _deploy(factory.client, app_id, developer, ref="v1.0.0")
    jobs.drain()
    assert _detail(factory.client, app_id, developer, by_tag["id"])["commit_sha"] == tagged
    by_sha = _deploy(factory.client, app_id, developer, ref=tagged)
    jobs.drain()
    assert _detail(factory.client, app_id, developer, by_sha["id"])["commit_sha"] == tagged


def test_a_broken_manifest_fails_the_source_stage_with_its_code(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, mini_program_repo: Path
) -> None:
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    commit_change(
        mini_program_repo, "chainless.toml", MANIFEST.replace('"1.0.0"', '"one"'), "Break it"
    )
    queued = _deploy(factory.client, app_id, developer)
    jobs.drain()
    detail = _detail(factory.client, app_id, developer, queued["id"])
    assert detail["status"] == "failed"
    assert detail["error_code"] == "invalid_manifest"
    assert "app.version" in detail["error_detail"]
    failed = detail["events"][-1]
    assert (failed["stage"], failed["status"]) == ("source", "failed")
    assert failed["data"]["errors"][0]["field"] == "app.version"


def test_a_version_goes_no_further_than_its_manifest_says(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    queued = _deploy(factory.client, app_id, developer, environment="prod")
    jobs.drain()
    assert _detail(factory.client, app_id, developer, queued["id"])["error_code"] == (
        "environment_not_targeted"
    )


def test_unknown_refs_fail_and_bad_refs_are_refused_up_front(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    queued = _deploy(factory.client, app_id, developer, ref="no-such-branch")
    jobs.drain()
    assert _detail(factory.client, app_id, developer, queued["id"])["error_code"] == "ref_not_found"
    refused = factory.client.post(
        f"/api/v1/apps/{app_id}/deployments",
        headers=developer.headers,
        json={"ref": "--upload-pack=x"},
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "ref_not_found"


def test_plain_git_repositories_deploy_too(
    factory: Factory, jobs: RecordingJobRunner, services: Any, mini_program_repo: Path
) -> None:
    from chainless.deployer.models import Deployment

    # registered through the apps API: its scheme (file) is among the configured git schemes
    app_id, developer = _app_with_repo(factory, mini_program_repo.as_uri(), jobs)
    checked = factory.client.post(f"/api/v1/apps/{app_id}/deploy/check", headers=developer.headers)
    assert checked.status_code == 200, checked.text
    assert (checked.json()["full_name"], checked.json()["default_branch"]) == ("greeter", "main")
    queued = _deploy(factory.client, app_id, developer)
    jobs.drain()
    detail = _detail(factory.client, app_id, developer, queued["id"])
    assert detail["status"] == "succeeded", detail
    assert detail["repo_url"] == mini_program_repo.as_uri()
    with services.transaction() as session:
        assert session.get(Deployment, queued["id"]).commit_sha == detail["commit_sha"]


def test_one_deployment_runs_at_a_time_per_app_and_environment(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, services: Any
) -> None:
    from chainless.deployer.deployments import pipeline
    from chainless.platform.core.jobs import RetryJob

    app_id, developer = _app_with_repo(factory, hosted, jobs)
    first = _deploy(factory.client, app_id, developer)
    second = _deploy(factory.client, app_id, developer)
    other_env = _deploy(factory.client, app_id, developer, environment="test")
    jobs.sent.clear()
    with pytest.raises(RetryJob), services.transaction() as session:
        pipeline.advance(session, services, second["id"])  # the first was queued earlier
    waiting = _detail(factory.client, app_id, developer, second["id"])
    assert waiting["status"] == "queued"
    assert waiting["events"][-1]["status"] == "waiting"
    with services.transaction() as session:
        pipeline.advance(session, services, other_env["id"])  # another environment: no wait
        pipeline.advance(session, services, first["id"])
    assert jobs.names() == ["deployer.run_deployment"]  # the waiting one is woken at once
    jobs.drain()
    assert _detail(factory.client, app_id, developer, second["id"])["status"] == "succeeded"


def test_deployments_are_listed_and_private_to_the_app(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    first = _deploy(factory.client, app_id, developer)
    listed = factory.client.get(f"/api/v1/apps/{app_id}/deployments", headers=developer.headers)
    assert [d["id"] for d in listed.json()] == [first["id"]]
    stranger = factory.developer(approved=True)
    hidden = factory.client.get(
        f"/api/v1/apps/{app_id}/deployments/{first['id']}", headers=stranger.headers
    )
    assert hidden.status_code == 404
    denied = factory.client.post(
        f"/api/v1/apps/{app_id}/deployments", headers=stranger.headers, json={}
    )
    assert denied.status_code == 404


def test_an_app_without_a_repository_cannot_deploy(factory: Factory) -> None:
    developer = factory.developer(approved=True)
    created = factory.client.post(
        "/api/v1/apps", headers=developer.headers, json={"name": "Bare", "category": "tools"}
    )
    app_id = created.json()["app_id"]
    refused = factory.client.post(
        f"/api/v1/apps/{app_id}/deployments", headers=developer.headers, json={}
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "repo_not_registered"


def test_a_cli_deploys_with_an_api_key_scoped_to_deployments(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    keys = f"/api/v1/apps/{app_id}/api-keys"

    def key(*scopes: str) -> dict[str, str]:
        created = factory.client.post(
            keys,
            headers=developer.headers,
            json={"name": "ci", "environment": "dev", "scopes": list(scopes)},
        )
        assert created.status_code == 201, created.text
        return {"X-API-Key": created.json()["key"]}

    deployed = factory.client.post(
        f"/api/v1/apps/{app_id}/deployments", headers=key("deploy:write"), json={"ref": "v1.0.0"}
    )
    assert deployed.status_code == 202, deployed.text
    assert deployed.json()["trigger"] == "api"
    refused = factory.client.post(
        f"/api/v1/apps/{app_id}/deployments", headers=key("data:read"), json={}
    )
    assert refused.status_code == 403


def test_the_registered_repository_is_checked_with_its_host(
    factory: Factory, jobs: RecordingJobRunner, github: GitHubStandIn, mini_program_repo: Path
) -> None:
    public = github.host("dev/greeter", mini_program_repo)
    app_id, developer = _app_with_repo(factory, public, jobs)
    checked = factory.client.post(f"/api/v1/apps/{app_id}/deploy/check", headers=developer.headers)
    assert checked.status_code == 200, checked.text
    assert checked.json() == {
        "repo_url": public,
        "full_name": "dev/greeter",
        "public": True,
        "default_branch": "main",
        "registered_branch": "main",
    }
    missing, owner = _app_with_repo(factory, "https://github.com/dev/missing", jobs)
    gone = factory.client.post(f"/api/v1/apps/{missing}/deploy/check", headers=owner.headers)
    assert (gone.status_code, gone.json()["code"]) == (404, "repo_not_found")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_host_that_cannot_be_reached_is_source_unavailable_with_the_request_id(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, services: Any
) -> None:
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    services.settings.deployer.github_api_url = f"http://127.0.0.1:{_closed_port()}/api/v3"
    checked = factory.client.post(
        f"/api/v1/apps/{app_id}/deploy/check",
        headers={**developer.headers, "X-Request-ID": "check-1"},
    )
    assert checked.status_code == 503, checked.text
    body = checked.json()
    assert (body["code"], body["request_id"]) == ("source_unavailable", "check-1")
    assert "could not be reached" in body["detail"]
    assert "connection was refused" in body["detail"]


def test_a_git_host_that_cannot_be_reached_is_source_unavailable(services: Any) -> None:
    from chainless.deployer.sources import SourceUnavailable, source_for

    services.settings.deployer.git_schemes = ["https"]
    url = f"https://127.0.0.1:{_closed_port()}/dev/greeter.git"
    with pytest.raises(SourceUnavailable, match="could not reach"):
        source_for(url, services.settings).describe(url)


def test_a_deployment_that_lost_its_worker_stops_holding_the_queue(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, services: Any
) -> None:
    from datetime import timedelta

    from chainless.deployer.deployments import pipeline
    from chainless.deployer.models import Deployment
    from chainless.platform.core.clock import utcnow

    app_id, developer = _app_with_repo(factory, hosted, jobs)
    lost = _deploy(factory.client, app_id, developer)
    later = _deploy(factory.client, app_id, developer)
    with services.transaction() as session:
        row = session.get(Deployment, lost["id"])
        row.status, row.stage = "running", "frontend"
        row.started_at = utcnow() - pipeline.STALE_AFTER - timedelta(minutes=1)
    jobs.sent.clear()
    with services.transaction() as session:
        pipeline.advance(session, services, later["id"])
    jobs.drain()
    assert _detail(factory.client, app_id, developer, later["id"])["status"] == "succeeded"
    gone = _detail(factory.client, app_id, developer, lost["id"])
    assert (gone["status"], gone["error_code"]) == ("failed", "deployment_stale")
    assert gone["events"][-1]["stage"] == "frontend"


def _run_as_a_worker(services: Any, deployment_id: str, runs: int) -> int:
    """Run the deployment's job up to ``runs`` times, retrying as a runner does; the runs taken."""
    from chainless.deployer.deployments import pipeline
    from chainless.deployer.models import Deployment
    from chainless.deployer.models.deployments import FINISHED_STATUSES
    from chainless.platform.core.jobs import RetryJob

    for run in range(1, runs + 1):
        try:
            with services.transaction() as session:
                pipeline.advance(session, services, deployment_id)
        except RetryJob:
            continue
        with services.transaction() as session:
            if session.get(Deployment, deployment_id).status in FINISHED_STATUSES:
                return run
    return runs


def test_a_source_that_stays_unreachable_fails_after_its_attempts_and_frees_the_queue(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, services: Any
) -> None:
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    reachable = services.settings.deployer.github_api_url
    services.settings.deployer.github_api_url = f"http://127.0.0.1:{_closed_port()}/api/v3"
    stuck = _deploy(factory.client, app_id, developer)
    later = _deploy(factory.client, app_id, developer)
    jobs.sent.clear()
    budget = services.settings.deployer.source_attempts
    assert _run_as_a_worker(services, stuck["id"], runs=budget + 3) == budget
    failed = _detail(factory.client, app_id, developer, stuck["id"])
    assert (failed["status"], failed["error_code"]) == ("failed", "source_unavailable")
    assert "could not be reached" in failed["error_detail"]
    assert f"gave up after {budget} attempts" in failed["error_detail"]
    retries = [e for e in failed["events"] if e["status"] == "retrying"]
    assert [e["data"]["attempt"] for e in retries] == list(range(1, budget))
    last = failed["events"][-1]
    assert (last["stage"], last["status"], last["data"]["code"]) == (
        "source",
        "failed",
        "source_unavailable",
    )
    assert jobs.sent == [("deployer.run_deployment", {"deployment_id": later["id"]})]  # woken
    services.settings.deployer.github_api_url = reachable
    jobs.drain()
    assert _detail(factory.client, app_id, developer, later["id"])["status"] == "succeeded"
    retried = factory.client.post(
        f"/api/v1/apps/{app_id}/deployments/{stuck['id']}/retry", headers=developer.headers
    )
    assert retried.status_code == 409  # superseded by the later one: deploy again instead


def _queued_long_ago(services: Any, deployment_id: str) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from chainless.deployer.deployments import pipeline
    from chainless.deployer.models import Deployment, DeploymentEvent
    from chainless.platform.core.clock import utcnow

    long_ago = utcnow() - pipeline.QUEUED_STALE_AFTER - timedelta(minutes=1)
    with services.transaction() as session:
        session.get(Deployment, deployment_id).created_at = long_ago
        session.execute(
            update(DeploymentEvent)
            .where(DeploymentEvent.deployment_id == deployment_id)
            .values(at=long_ago)
        )


def test_a_queued_deployment_whose_job_was_lost_stops_holding_the_queue(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, services: Any
) -> None:
    from chainless.deployer.deployments import pipeline

    app_id, developer = _app_with_repo(factory, hosted, jobs)
    lost = _deploy(factory.client, app_id, developer)  # its job never runs (a restart, say)
    later = _deploy(factory.client, app_id, developer)
    _queued_long_ago(services, lost["id"])
    jobs.sent.clear()
    with services.transaction() as session:
        pipeline.advance(session, services, later["id"])
    jobs.drain()
    assert _detail(factory.client, app_id, developer, later["id"])["status"] == "succeeded"
    gone = _detail(factory.client, app_id, developer, lost["id"])
    assert (gone["status"], gone["error_code"]) == ("failed", "deployment_stale")
    assert "its job was lost" in gone["error_detail"]


def test_a_queued_deployment_woken_by_the_one_ahead_is_not_stale(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, services: Any
) -> None:
    from chainless.deployer.deployments import pipeline
    from chainless.deployer.models import Deployment
    from chainless.platform.core.clock import utcnow
    from chainless.platform.core.jobs import RetryJob

    app_id, developer = _app_with_repo(factory, hosted, jobs)
    ahead = _deploy(factory.client, app_id, developer)
    waited = _deploy(factory.client, app_id, developer)  # waited long for the one ahead
    later = _deploy(factory.client, app_id, developer)
    _queued_long_ago(services, ahead["id"])
    _queued_long_ago(services, waited["id"])
    with services.transaction() as session:  # the one ahead finished just now: waited's turn
        finished = session.get(Deployment, ahead["id"])
        finished.status, finished.finished_at = "succeeded", utcnow()
    jobs.sent.clear()
    with pytest.raises(RetryJob), services.transaction() as session:
        pipeline.advance(session, services, later["id"])
    assert _detail(factory.client, app_id, developer, waited["id"])["status"] == "queued"
