"""The developer console: its deployments view, the API calls it makes, and its session's flow."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts

from chainless.platform.core.jobs import get_job
from chainless.platform.core.services import run_job
from chainless.platform.core.settings import Settings
from tests.conftest import RecordingJobRunner
from tests.deployer.fixture_repo import git_repository
from tests.deployer.github_standin import GitHubStandIn
from tests.factories import Actor, Factory

pytestmark = pytest.mark.portable

PAGE = Path(__file__).parents[2] / "platform" / "web" / "static" / "console.html"
# Every call is ``api(method, path[, body])`` with a literal path (placeholders as ${...}).
API_CALL = re.compile(r"""\bapi\(\s*"([A-Z]+)",\s*(["`])(/[^"`]*)\2""")
PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
ROUTE_PARAMETER = re.compile(r"\{[^}]*\}")


def _script() -> str:
    page = PAGE.read_text(encoding="utf-8")
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    return scripts[0]


def console_calls() -> set[tuple[str, str]]:
    """(method, path template) of every API call of the page, placeholders written ``{}``."""
    script = _script()
    found = API_CALL.findall(script)
    written = len(re.findall(r"\bapi\(", script)) - len(re.findall(r"function api\(", script))
    assert len(found) == written, "every api(...) call needs a literal method and path"
    calls = set()
    for method, _quote, path in found:
        template = PLACEHOLDER.sub("{}", path.split("?", 1)[0])
        calls.add((method, "/api/v1" + template))
    return calls


def route_templates(app: Any) -> set[tuple[str, str]]:
    routes = set()
    for context in iter_route_contexts(app.routes):
        # the effective path (with the including router's prefix) of the original route
        path = context.path or getattr(context.original_route, "path", None)
        for method in context.methods or ():
            if path:
                routes.add((method, ROUTE_PARAMETER.sub("{}", path)))
    return routes


def test_console_page_has_the_deployments_view(client: Any) -> None:
    """The one-file page stays at /console/classic until the new console has its deployments."""
    page = client.get("/console/classic")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    html = page.text
    for element in (
        'id="deployments"',
        'id="deploy-form"',
        'name="environment"',
        'name="ref"',
        'name="rollout"',
        'id="deployment-rows"',
        'id="progress-stages"',
        'id="progress-log"',
        'id="release-rows"',
        'id="cancel-canary"',
        'id="history-rows"',
    ):
        assert element in html, element
    script = _script()
    # nothing from elsewhere, and data reaches the DOM as text only
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=\"?https?:", html)
    assert "innerHTML" not in script
    assert "insertAdjacentHTML" not in script
    assert "document.write" not in script


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_deployments_view_runs_on_a_stand_in_dom() -> None:
    """The page's script with fetch answered by the stand-in: deploy, follow, fail, releases."""
    smoke = Path(__file__).with_name("console_smoke.js")
    run = subprocess.run(
        ["node", str(smoke), str(PAGE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == "ok"


def test_the_console_calls_only_routes_that_exist(app: Any) -> None:
    calls = console_calls()
    expected = {
        ("POST", "/api/v1/apps/{}/deployments"),
        ("GET", "/api/v1/apps/{}/deployments"),
        ("GET", "/api/v1/apps/{}/deployments/{}"),
        ("POST", "/api/v1/apps/{}/deployments/{}/cancel"),
        ("GET", "/api/v1/apps/{}/environments/{}/releases"),
        ("POST", "/api/v1/apps/{}/environments/{}/releases/{}/canary"),
        ("POST", "/api/v1/apps/{}/environments/{}/releases/{}/promote"),
        ("POST", "/api/v1/apps/{}/environments/{}/canary/cancel"),
        ("POST", "/api/v1/apps/{}/environments/{}/rollback"),
        ("GET", "/api/v1/apps/{}/environments/{}/history"),
    }
    assert expected <= calls, expected - calls
    routes = route_templates(app)
    missing = sorted(call for call in calls if call not in routes)
    assert not missing, f"the console calls endpoints the API does not have: {missing}"


def test_the_contract_check_catches_a_missing_route(app: Any) -> None:
    routes = route_templates(app)
    assert ("GET", "/api/v1/apps/{}/deployments/{}") in routes
    assert ("GET", "/api/v1/apps/{}/deployments/{}/transcript") not in routes
    assert ("DELETE", "/api/v1/apps/{}/deployments/{}") not in routes


@pytest.fixture
def github() -> Iterator[GitHubStandIn]:
    standin = GitHubStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture
def settings(settings: Settings, github: GitHubStandIn) -> Settings:
    """GitHub served by the stand-in (the fixture repository's manifest targets only dev)."""
    deployer = settings.deployer.model_copy(
        update={"github_api_url": github.base_url, "github_throttle_seconds": 0}
    )
    return settings.model_copy(update={"deployer": deployer})


def _app_with_repo(
    factory: Factory, repo_url: str = "https://github.com/dev/greeter"
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
    return app_id, developer


def test_the_console_flow_works_with_the_session_cookie(
    client: Any, factory: Factory, jobs: RecordingJobRunner
) -> None:
    app_id, developer = _app_with_repo(factory)
    jobs.sent.clear()
    login = client.post(
        "/api/v1/auth/login", json={"email": developer.email, "password": developer.password}
    )
    assert login.status_code == 200, login.text
    csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
    base = f"/api/v1/apps/{app_id}"

    # a change without the CSRF header is refused, as the console always sends it
    refused = client.post(f"{base}/deployments", json={"environment": "dev"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"

    requested = client.post(
        f"{base}/deployments",
        headers=csrf,
        json={"environment": "test", "ref": "v1.0.0", "rollout": "staged"},
    )
    assert requested.status_code == 202, requested.text
    deployment = requested.json()
    assert (deployment["status"], deployment["environment"], deployment["ref"]) == (
        "queued",
        "test",
        "v1.0.0",
    )
    assert deployment["rollout"] == "staged"
    assert jobs.names() == ["deployer.run_deployment"]

    listed = client.get(f"{base}/deployments")
    assert listed.status_code == 200
    assert [d["id"] for d in listed.json()] == [deployment["id"]]

    detail = client.get(f"{base}/deployments/{deployment['id']}?after=0")
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert [(e["stage"], e["status"]) for e in body["events"]] == [("queue", "queued")]
    assert body["stages"][0] == "source"
    assert body["stages"][-1] == "release"
    last = body["events"][-1]["id"]
    polled = client.get(f"{base}/deployments/{deployment['id']}?after={last}")
    assert polled.status_code == 200
    assert polled.json()["events"] == []

    channel = client.get(f"{base}/environments/test/releases")
    assert channel.status_code == 200, channel.text
    assert channel.json()["current"] is None
    assert channel.json()["releases"] == []
    history = client.get(f"{base}/environments/test/history")
    assert history.status_code == 200
    assert history.json() == []

    # what the console shows of a problem: its code and detail
    for response in (
        client.post(f"{base}/environments/test/rollback", headers=csrf, json={}),
        client.post(f"{base}/environments/test/canary/cancel", headers=csrf),
        client.post(
            f"{base}/environments/test/releases/9.9.9/canary", headers=csrf, json={"percent": 5}
        ),
    ):
        assert response.status_code in {404, 409}, response.text
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert problem["code"]
        assert problem["detail"]


def test_another_developer_session_cannot_deploy_the_app(client: Any, factory: Factory) -> None:
    app_id, _owner = _app_with_repo(factory)
    other = factory.developer(approved=True)
    login = client.post(
        "/api/v1/auth/login", json={"email": other.email, "password": other.password}
    )
    assert login.status_code == 200, login.text
    csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
    refused = client.post(f"/api/v1/apps/{app_id}/deployments", headers=csrf, json={})
    assert refused.status_code in {403, 404}
    assert refused.json()["code"]


def _run_one_job(jobs: RecordingJobRunner) -> None:
    """One run of the pipeline's job (one stage), as a worker would."""
    assert jobs.services is not None
    name, kwargs = jobs.sent.pop(0)
    run_job(jobs.services, get_job(name), kwargs)


def test_the_console_follows_a_deploy_of_a_real_repository_to_its_failure(
    client: Any, factory: Factory, jobs: RecordingJobRunner, github: GitHubStandIn, tmp_path: Path
) -> None:
    hosted = github.host("dev/greeter", git_repository(tmp_path / "greeter"))
    app_id, developer = _app_with_repo(factory, hosted)
    jobs.sent.clear()
    login = client.post(
        "/api/v1/auth/login", json={"email": developer.email, "password": developer.password}
    )
    csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
    base = f"/api/v1/apps/{app_id}"

    # the fixture's manifest targets dev only: a deploy to test fails in its source stage
    requested = client.post(
        f"{base}/deployments", headers=csrf, json={"environment": "test", "ref": "main"}
    )
    assert requested.status_code == 202, requested.text
    deployment_id = requested.json()["id"]
    first = client.get(f"{base}/deployments/{deployment_id}?after=0").json()
    after = first["events"][-1]["id"]
    _run_one_job(jobs)
    polled = client.get(f"{base}/deployments/{deployment_id}?after={after}")
    assert polled.status_code == 200, polled.text
    detail = polled.json()
    assert [(e["stage"], e["status"]) for e in detail["events"]] == [
        ("source", "started"),
        ("source", "failed"),
    ]
    assert all(e["id"] > after for e in detail["events"])
    failed = detail["events"][-1]
    assert detail["status"] == "failed"
    assert detail["error_code"] == failed["data"]["code"] == "environment_not_targeted"
    assert failed["message"] == detail["error_detail"]
    assert not jobs.sent  # finished: the console stops polling

    # a deploy to dev goes through the source stage and on to the next
    ok = client.post(f"{base}/deployments", headers=csrf, json={"environment": "dev"})
    assert ok.status_code == 202, ok.text
    _run_one_job(jobs)
    progress = client.get(f"{base}/deployments/{ok.json()['id']}?after=0").json()
    assert progress["status"] == "running"
    assert [(e["stage"], e["status"]) for e in progress["events"]][-2:] == [
        ("source", "started"),
        ("source", "succeeded"),
    ]
    assert progress["stage"] == progress["stages"][1]
    listed = client.get(f"{base}/deployments").json()
    assert [d["status"] for d in listed] == ["running", "failed"]


def test_the_console_app_is_served_at_every_console_path(client: Any) -> None:
    """The built app (make setup) answers /console and its deep links; its files come along."""
    for path in ("/console", "/console/apps/0123", "/console/verify-email?token=x"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "default-src 'self'" in page.headers["content-security-policy"]
    scripts = re.findall(r'<script type="module" [^>]*src="(/console/assets/[^"]+)"', page.text)
    assert len(scripts) == 1, page.text
    asset = client.get(scripts[0])
    assert asset.status_code == 200
    assert "javascript" in asset.headers["content-type"]
    assert "immutable" in asset.headers["cache-control"]
    missing = client.get("/console/assets/nope.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_an_unbuilt_console_says_how_to_build_it(
    client: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from chainless.platform.web import endpoints

    monkeypatch.setattr(endpoints, "DIST", tmp_path / "missing")
    page = client.get("/console/apps")
    assert page.status_code == 503
    assert "make setup" in page.text
    assert client.get("/console/classic").status_code == 200
