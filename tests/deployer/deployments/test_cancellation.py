"""Cancelling a deployment: at once while it waits, at the next boundary while a stage runs;
a cancelled deployment holds nothing up and can be resumed."""

from __future__ import annotations

from typing import Any

import pytest

from chainless.deployer.deployments import pipeline, repository
from chainless.platform.core.jobs import get_job
from chainless.platform.core.services import Services, run_job
from tests.conftest import RecordingJobRunner
from tests.deployer.deployments.test_requests import _app_with_repo, _deploy, _detail
from tests.factories import Actor, Factory


def _cancel(client: Any, app_id: str, actor: Actor, deployment_id: str) -> Any:
    return client.post(
        f"/api/v1/apps/{app_id}/deployments/{deployment_id}/cancel", headers=actor.headers
    )


def _app_events(client: Any, app_id: str, actor: Actor) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/apps/{app_id}/audit-events", headers=actor.headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]  # type: ignore[no-any-return]


def _run_one(jobs: RecordingJobRunner) -> None:
    """One job, as a worker takes it: the deployment advances by one stage."""
    assert jobs.services is not None
    name, kwargs = jobs.sent.pop(0)
    run_job(jobs.services, get_job(name), kwargs)


@pytest.mark.portable
def test_a_queued_deployment_is_cancelled_at_once_and_the_next_goes_ahead(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    client = factory.client
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    first = _deploy(client, app_id, developer)
    second = _deploy(client, app_id, developer)

    cancelled = _cancel(client, app_id, developer, first["id"])
    assert cancelled.status_code == 202, cancelled.text
    body = cancelled.json()
    assert (body["status"], body["cancel_requested"]) == ("cancelled", False)
    assert body["error_code"] == "deployment_cancelled"
    assert "while queued" in body["error_detail"]
    assert body["finished_at"] is not None

    jobs.drain()  # the first's job finds it cancelled; the second runs, nothing ahead of it
    assert _detail(client, app_id, developer, first["id"])["status"] == "cancelled"
    assert _detail(client, app_id, developer, second["id"])["status"] == "succeeded"
    actions = [e["action"] for e in _app_events(client, app_id, developer)]
    assert "deployment.cancelled" in actions

    again = _cancel(client, app_id, developer, first["id"])
    assert again.status_code == 409
    assert again.json()["code"] == "deployment_finished"
    done = _cancel(client, app_id, developer, second["id"])
    assert (done.status_code, done.json()["code"]) == (409, "deployment_finished")


@pytest.mark.portable
def test_between_stages_it_ends_at_once_and_a_retry_resumes_at_the_next_stage(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    client = factory.client
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    queued = _deploy(client, app_id, developer)
    _run_one(jobs)  # the source stage
    running = _detail(client, app_id, developer, queued["id"])
    assert (running["status"], running["stage"]) == ("running", "compile")

    cancelled = _cancel(client, app_id, developer, queued["id"]).json()
    assert cancelled["status"] == "cancelled"
    assert "before the compile stage" in cancelled["error_detail"]
    jobs.drain()  # the compile job finds the deployment cancelled and does nothing
    detail = _detail(client, app_id, developer, queued["id"])
    assert detail["status"] == "cancelled"
    assert [e["stage"] for e in detail["events"] if e["status"] == "started"] == ["source"]

    retried = client.post(
        f"/api/v1/apps/{app_id}/deployments/{queued['id']}/retry", headers=developer.headers
    )
    assert retried.status_code == 202, retried.text
    jobs.drain()
    final = _detail(client, app_id, developer, queued["id"])
    assert final["status"] == "succeeded"
    started = [e["stage"] for e in final["events"] if e["status"] == "started"]
    assert list(dict.fromkeys(started)) == list(final["stages"])  # each once, in order
    assert started.count("source") == 1  # not run again
    assert final["events"][-1]["status"] == "succeeded"


def test_while_a_stage_runs_it_ends_at_the_next_boundary_without_waiting_for_it(
    committed: tuple[Factory, Services, RecordingJobRunner], hosted: str
) -> None:
    """A worker holds the deployment's row for the length of a stage (PostgreSQL row lock; on
    SQLite every writer queues anyway): the request does not wait for it, answers with
    ``cancel_requested``, and the pipeline ends the deployment when the stage ends."""
    factory, services, jobs = committed
    client = factory.client
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    queued = _deploy(client, app_id, developer)
    _run_one(jobs)  # source
    with services.transaction() as session:
        held = repository.for_job(session, queued["id"])  # a worker running the compile stage
        assert held is not None
        pending = _cancel(client, app_id, developer, queued["id"])
        assert pending.status_code == 202, pending.text
        assert (pending.json()["status"], pending.json()["cancel_requested"]) == ("running", True)
        assert _detail(client, app_id, developer, queued["id"])["cancel_requested"] is True
        twice = _cancel(client, app_id, developer, queued["id"])  # asking again changes nothing
        assert twice.status_code == 202
        pipeline.advance(session, services, queued["id"])  # the same worker, at the boundary
    detail = _detail(client, app_id, developer, queued["id"])
    assert detail["status"] == "cancelled"
    assert detail["error_code"] == "deployment_cancelled"
    assert [e["status"] for e in detail["events"]].count("cancel_requested") == 1
    assert [e["stage"] for e in detail["events"] if e["status"] == "started"] == ["source"]
    actions = [e["action"] for e in _app_events(client, app_id, developer)]
    assert actions.count("deployment.cancel_requested") == 1
    jobs.drain()
    assert _detail(client, app_id, developer, queued["id"])["status"] == "cancelled"


@pytest.mark.portable
def test_another_developers_deployment_is_not_found(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    client = factory.client
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    queued = _deploy(client, app_id, developer)
    stranger = factory.developer(approved=True)
    hidden = _cancel(client, app_id, stranger, queued["id"])
    assert (hidden.status_code, hidden.json()["code"]) == (404, "app_not_found")
    unknown = _cancel(client, app_id, developer, "0" * 32)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "deployment_not_found")
    assert _detail(client, app_id, developer, queued["id"])["status"] == "queued"
