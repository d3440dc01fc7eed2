"""The GitHub webhook endpoint: signed deliveries only, each processed once, pushes to dev."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from chainless.deployer.webhooks import signature, webhook_secret
from tests.conftest import RecordingJobRunner
from tests.deployer.fixture_repo import git
from tests.deployer.github_standin import GitHubStandIn
from tests.factories import Actor, Factory

pytestmark = pytest.mark.portable  # the embedded default deploys too


def _registered(factory: Factory, jobs: RecordingJobRunner) -> tuple[str, Actor]:
    developer = factory.developer(approved=True)
    created = factory.client.post(
        "/api/v1/apps", headers=developer.headers, json={"name": "Greeter", "category": "tools"}
    )
    app_id = created.json()["app_id"]
    registered = factory.client.put(
        f"/api/v1/apps/{app_id}/deploy",
        headers=developer.headers,
        json={"repo_url": "https://github.com/dev/greeter", "repo_branch": "main"},
    )
    assert registered.status_code == 200, registered.text
    jobs.sent.clear()
    return app_id, developer


def _push_body(sha: str, ref: str = "refs/heads/main", repo: str = "dev/greeter") -> bytes:
    return json.dumps(
        {
            "ref": ref,
            "before": "0" * 40,
            "after": sha,
            "deleted": False,
            "repository": {"full_name": repo, "html_url": f"https://github.com/{repo}"},
            "pusher": {"name": "dev"},
        }
    ).encode()


def _deliver(
    client: Any,
    app_id: str,
    body: bytes,
    *,
    secret: str,
    event: str = "push",
    delivery: str | None = None,
    sign: bool = True,
) -> Any:
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
    }
    if sign:
        headers["X-Hub-Signature-256"] = signature(secret, body)
    return client.post(f"/api/v1/deployer/webhooks/github/{app_id}", content=body, headers=headers)


def test_the_developer_gets_the_webhook_to_configure(
    factory: Factory, jobs: RecordingJobRunner
) -> None:
    app_id, developer = _registered(factory, jobs)
    setup = factory.client.get(f"/api/v1/apps/{app_id}/deploy/webhook", headers=developer.headers)
    assert setup.status_code == 200
    assert setup.headers["cache-control"] == "no-store"
    body = setup.json()
    assert body["payload_url"] == f"http://testserver/api/v1/deployer/webhooks/github/{app_id}"
    assert body["secret"] == webhook_secret(factory.services.settings.secret_key, app_id)
    assert body["events"] == ["push"]


def test_a_signed_push_deploys_its_commit_to_dev(
    factory: Factory,
    jobs: RecordingJobRunner,
    github: GitHubStandIn,
    mini_program_repo: Path,
) -> None:
    github.host("dev/greeter", mini_program_repo)
    app_id, developer = _registered(factory, jobs)
    secret = webhook_secret(factory.services.settings.secret_key, app_id)
    sha = git(mini_program_repo, "rev-parse", "HEAD")
    answer = _deliver(factory.client, app_id, _push_body(sha), secret=secret)
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "queued"
    jobs.drain()
    deployment = factory.client.get(
        f"/api/v1/apps/{app_id}/deployments/{answer.json()['deployment_id']}",
        headers=developer.headers,
    ).json()
    assert (deployment["status"], deployment["environment"]) == ("succeeded", "dev")
    assert (deployment["trigger"], deployment["requested_by"]) == ("webhook", "github")
    assert (deployment["ref"], deployment["commit_sha"]) == ("main", sha)


def test_a_pushed_tag_deploys_too(factory: Factory, jobs: RecordingJobRunner) -> None:
    app_id, _ = _registered(factory, jobs)
    secret = webhook_secret(factory.services.settings.secret_key, app_id)
    answer = _deliver(
        factory.client, app_id, _push_body("a" * 40, "refs/tags/v1.0.0"), secret=secret
    )
    assert answer.status_code == 202
    assert answer.json()["reason"] == "push of tag v1.0.0"


def test_a_bad_signature_is_refused_and_deploys_nothing(
    factory: Factory, jobs: RecordingJobRunner
) -> None:
    app_id, _ = _registered(factory, jobs)
    body = _push_body("b" * 40)
    forged = _deliver(factory.client, app_id, body, secret="whsec_guessed")
    assert forged.status_code == 401
    assert forged.headers["content-type"].startswith("application/problem+json")
    assert forged.json()["code"] == "webhook_signature_invalid"
    unsigned = _deliver(factory.client, app_id, body, secret="", sign=False)
    assert unsigned.json()["code"] == "webhook_signature_missing"
    other_app, _ = _registered(factory, jobs)  # another app's secret is another secret
    cross = _deliver(
        factory.client,
        app_id,
        body,
        secret=webhook_secret(factory.services.settings.secret_key, other_app),
    )
    assert cross.status_code == 401
    assert jobs.names() == []


def test_a_replayed_delivery_is_processed_once(factory: Factory, jobs: RecordingJobRunner) -> None:
    app_id, developer = _registered(factory, jobs)
    secret = webhook_secret(factory.services.settings.secret_key, app_id)
    delivery = str(uuid.uuid4())
    body = _push_body("c" * 40)
    first = _deliver(factory.client, app_id, body, secret=secret, delivery=delivery)
    again = _deliver(factory.client, app_id, body, secret=secret, delivery=delivery)
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert jobs.names() == ["deployer.run_deployment"]
    listed = factory.client.get(f"/api/v1/apps/{app_id}/deployments", headers=developer.headers)
    assert len(listed.json()) == 1


def test_pings_and_foreign_pushes_are_acknowledged_only(
    factory: Factory, jobs: RecordingJobRunner
) -> None:
    app_id, _ = _registered(factory, jobs)
    secret = webhook_secret(factory.services.settings.secret_key, app_id)
    ping = _deliver(
        factory.client, app_id, b'{"zen": "Design for failure."}', secret=secret, event="ping"
    )
    assert (ping.status_code, ping.json()["status"]) == (200, "ignored")
    foreign = _deliver(
        factory.client, app_id, _push_body("d" * 40, repo="mallory/greeter"), secret=secret
    )
    assert foreign.json() == {
        "status": "ignored",
        "reason": "mallory/greeter is not the app's repository",
        "deployment_id": None,
    }
    assert jobs.names() == []


def test_unknown_apps_and_missing_delivery_ids(factory: Factory, jobs: RecordingJobRunner) -> None:
    app_id, _ = _registered(factory, jobs)
    secret = webhook_secret(factory.services.settings.secret_key, app_id)
    unknown = _deliver(factory.client, "nope", b"{}", secret=secret)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "webhook_not_found")
    body = _push_body("e" * 40)
    no_id = factory.client.post(
        f"/api/v1/deployer/webhooks/github/{app_id}",
        content=body,
        headers={"X-GitHub-Event": "push", "X-Hub-Signature-256": signature(secret, body)},
    )
    assert (no_id.status_code, no_id.json()["code"]) == (400, "webhook_delivery_invalid")
