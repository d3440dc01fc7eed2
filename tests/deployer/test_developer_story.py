"""The developer story end to end, on the embedded default layout.

What ``make run`` gives a developer trying the platform offline: development mode, SQLite and the
signing keys in a data folder inside the checkout, CDN objects in ``data/storage``, jobs run by
the in-process runner, and builds isolated in namespaces where this machine allows it (required
then, so a build that cannot be isolated fails the test instead of passing unconfined). A local
git repository with contracts and a frontend is registered by its path, deployed, and its
release is loaded from the CDN. Only the chain is the test session's anvil (``make run`` starts
its own the same way).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web3 import Web3

from chainless.chain.localnode import LocalChain
from chainless.deployer.isolation import namespaces_available
from chainless.platform.core.migrate import upgrade
from chainless.platform.core.services import Services, build_services
from chainless.platform.core.settings import PROJECT_ROOT, ChainConfig, ChainEnvironment, Settings
from tests.deployer.fixture_repo import git, git_repository
from tests.factories import Factory

pytestmark = pytest.mark.slow

DEADLINE_SECONDS = 150


@pytest.fixture
def embedded(chain: LocalChain) -> Iterator[tuple[Factory, Services]]:
    """The platform as ``make run`` lays it out, with a data folder of its own in the checkout."""
    from chainless.platform.app import create_app

    data = Path(tempfile.mkdtemp(prefix="data-story-", dir=PROJECT_ROOT))
    anvil = ChainConfig(chain_id=31337, rpc_urls=[chain.rpc_url], confirmations=1, name="anvil")
    settings = Settings(
        data_dir=data,
        database_url=f"sqlite:///{data / 'chainless.db'}",
        storage={"backend": "local", "local_path": data / "storage"},
        public_url="http://testserver",
        chains=dict.fromkeys(ChainEnvironment, anvil),
        start_local_chain=False,
        log_json=False,
        deployer={"require_isolation": namespaces_available()},
    )
    assert (settings.mode.value, settings.task_runner, settings.redis_url) == (
        "development",
        "embedded",
        None,
    )
    upgrade(settings.database_url)
    services = build_services(settings)
    try:
        with TestClient(create_app(settings, services=services)) as client:
            yield Factory(client, services), services
    finally:
        services.close()
        shutil.rmtree(data, ignore_errors=True)


def _finished(client: Any, app_id: str, headers: dict[str, str], deployment_id: str) -> Any:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        detail = client.get(f"/api/v1/apps/{app_id}/deployments/{deployment_id}", headers=headers)
        assert detail.status_code == 200, detail.text
        body = detail.json()
        if body["status"] in {"succeeded", "failed", "cancelled"}:
            return body
        assert time.monotonic() < deadline, f"still {body['status']} at {body['stage']}"
        time.sleep(0.5)


def test_a_local_repository_is_deployed_and_served_from_the_cdn(
    embedded: tuple[Factory, Services], tmp_path: Path, chain: LocalChain
) -> None:
    factory, _ = embedded
    client = factory.client
    repo = git_repository(tmp_path / "greeter")  # contracts and a frontend built by npm
    developer = factory.developer(approved=True)
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
        json={"repo_url": str(repo), "repo_branch": "main"},  # the path, as a developer types it
    )
    assert registered.status_code == 200, registered.text
    assert registered.json()["repo_url"] == repo.as_uri()
    checked = client.post(f"/api/v1/apps/{app_id}/deploy/check", headers=developer.headers)
    assert (checked.status_code, checked.json()["default_branch"]) == (200, "main")

    queued = client.post(f"/api/v1/apps/{app_id}/deployments", headers=developer.headers, json={})
    assert queued.status_code == 202, queued.text
    done = _finished(client, app_id, developer.headers, queued.json()["id"])
    assert done["status"] == "succeeded", (done["error_code"], done["error_detail"])
    assert done["commit_sha"] == git(repo, "rev-parse", "HEAD")
    built = [e for e in done["events"] if (e["stage"], e["status"]) == ("frontend", "succeeded")]
    assert len(built) == 1
    assert "offline install" in built[0]["message"]

    contracts = client.get(f"/api/v1/apps/{app_id}/deployed-contracts", headers=developer.headers)
    deployed = {c["name"]: c for c in contracts.json()}
    assert set(deployed) == {"Greeter", "GreeterRegistry"}
    assert all(c["source_verified"] for c in deployed.values())
    w3 = Web3(Web3.HTTPProvider(chain.rpc_url))
    assert w3.eth.get_code(Web3.to_checksum_address(deployed["Greeter"]["address"])) != b""

    entry = client.get(f"/cdn/entry/{app_id}/dev", follow_redirects=False)
    assert entry.status_code == 302, entry.text
    assert entry.headers["x-chainless-release"] == "1.0.0"
    page = client.get(entry.headers["location"].removeprefix("http://testserver"))
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Greeter</h1>" in page.text  # what the repository's build.js wrote
