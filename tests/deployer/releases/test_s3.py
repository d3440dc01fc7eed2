"""The same release flow on S3-compatible storage (moto's server speaks the S3 API locally)."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainless.deployer.releases import manifest as release_manifest
from chainless.platform.core.services import Services
from chainless.platform.core.settings import StorageSettings
from chainless.platform.core.storage import S3Storage
from tests.conftest import RecordingJobRunner
from tests.deployer.deployments.test_requests import _app_with_repo
from tests.deployer.github_standin import GitHubStandIn
from tests.deployer.releases.helpers import deploy, path_of, releases
from tests.factories import Factory


@pytest.fixture
def s3_storage(monkeypatch: pytest.MonkeyPatch, services: Services) -> Iterator[S3Storage]:
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    settings = StorageSettings(
        backend="s3", s3_bucket="cdn", s3_endpoint_url=f"http://127.0.0.1:{port}"
    )
    storage = S3Storage(settings)
    storage._client.create_bucket(Bucket="cdn")
    monkeypatch.setattr(services, "storage", storage)
    yield storage
    server.stop()


def test_a_release_is_published_to_and_served_from_s3(
    factory: Factory,
    jobs: RecordingJobRunner,
    github: GitHubStandIn,
    mini_program_repo: Path,
    s3_storage: S3Storage,
) -> None:
    app_id, developer = _app_with_repo(factory, github.host("dev/greeter", mini_program_repo), jobs)
    assert deploy(factory, jobs, app_id, developer)["status"] == "succeeded"
    (release,) = releases(factory, app_id, developer)["releases"]
    listed = s3_storage._client.list_objects_v2(Bucket="cdn")["Contents"]
    assert any(o["Key"].endswith(".jws") for o in listed)
    token = factory.client.get(path_of(release["manifest_url"])).text
    manifest = release_manifest.verify(token, factory.client.get("/oauth/jwks").json())
    for item in manifest["files"]:
        served = factory.client.get(path_of(release["site_url"]) + item["path"])
        assert served.status_code == 200
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert hashlib.sha256(served.content).hexdigest() == item["sha256"]
    assert factory.client.get(path_of(release["site_url"]) + "missing.css").status_code == 404
