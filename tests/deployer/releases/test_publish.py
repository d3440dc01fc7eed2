"""A deployment publishes a signed, content-addressed release that the CDN serves immutably."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from chainless.deployer.deployments.artifacts import blob_key
from chainless.deployer.releases import manifest as release_manifest
from chainless.platform.core.services import Services
from tests.conftest import RecordingJobRunner
from tests.deployer.deployments.test_requests import _app_with_repo
from tests.deployer.fixture_repo import MANIFEST, commit_change
from tests.deployer.releases.helpers import deploy, path_of, release_version, releases
from tests.factories import Factory

pytestmark = pytest.mark.portable


def test_the_manifest_lists_every_file_signed_with_the_published_key(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, services: Services
) -> None:
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    detail = deploy(factory, jobs, app_id, developer)
    assert detail["status"] == "succeeded", detail
    assert [e["stage"] for e in detail["events"]][-3:] == ["release", "release", "deployment"]
    channel = releases(factory, app_id, developer)
    assert (channel["current"], channel["canary"]) == ("1.0.0", None)
    (release,) = channel["releases"]
    assert (release["status"], release["commit_sha"]) == ("current", detail["commit_sha"])
    token = factory.client.get(path_of(release["manifest_url"]))
    assert token.status_code == 200
    assert token.headers["content-type"] == "application/jose"
    jwks = factory.client.get("/oauth/jwks").json()
    manifest = release_manifest.verify(token.text, jwks)
    assert manifest["app_id"] == app_id
    assert (manifest["version"], manifest["environment"]) == ("1.0.0", "dev")
    assert manifest["commit"] == detail["commit_sha"]
    assert (
        manifest["bundle_hash"]
        == release["bundle_hash"]
        == detail["artifacts"]["frontend"]["digest"]
    )
    assert [f["path"] for f in manifest["files"]] == ["app.js", "index.html"]
    for listed in manifest["files"]:
        served = factory.client.get(path_of(release["site_url"]) + listed["path"])
        assert served.status_code == 200
        assert hashlib.sha256(served.content).hexdigest() == listed["sha256"]
        assert len(served.content) == listed["size"]
        release_manifest.check_file(manifest, listed["path"], served.content)

    services.storage.put(  # a file tampered with in storage no longer matches the manifest
        blob_key(manifest["files"][0]["sha256"]), b"alert('owned')", content_type="text/javascript"
    )
    tampered = factory.client.get(path_of(release["site_url"]) + "app.js")
    with pytest.raises(release_manifest.InvalidManifest, match="SHA-256"):
        release_manifest.check_file(manifest, "app.js", tampered.content)
    header, _payload, signature = token.text.split(".")
    forged = release_manifest.canonical({**manifest, "files": []})
    forged_payload = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
    with pytest.raises(release_manifest.InvalidManifest, match="signature"):
        release_manifest.verify(f"{header}.{forged_payload}.{signature}", jwks)


def test_served_files_are_immutable_and_unknown_ones_are_problems(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    deploy(factory, jobs, app_id, developer)
    site = path_of(releases(factory, app_id, developer)["releases"][0]["site_url"])
    page = factory.client.get(site + "index.html")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert page.headers["etag"] == f'"{hashlib.sha256(page.content).hexdigest()}"'
    assert int(page.headers["RateLimit-Limit"]) > 0
    script = factory.client.get(site + "app.js")
    assert script.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    again = factory.client.get(site + "index.html", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304
    head = factory.client.head(site + "index.html")
    assert (head.status_code, head.headers["etag"]) == (200, page.headers["etag"])
    for missing in (site + "nope.js", site + "../index.html", f"/cdn/sites/{app_id}/{'0' * 64}/a"):
        gone = factory.client.get(missing)
        assert gone.status_code == 404, missing
        assert gone.headers["content-type"] == "application/problem+json"
        assert gone.json()["code"] == "cdn_not_found"
    start = factory.client.get(f"/cdn/entry/{app_id}/dev", follow_redirects=False)
    assert start.status_code == 302
    assert start.headers["cache-control"] == "no-cache"
    assert path_of(start.headers["location"]) == site + "index.html"
    assert factory.client.get(f"/cdn/entry/{app_id}/test").json()["code"] == "no_release"


def test_versions_must_increase_and_an_unchanged_redeploy_reuses_the_build(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, mini_program_repo: Path
) -> None:
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    first = deploy(factory, jobs, app_id, developer)
    again = deploy(factory, jobs, app_id, developer)
    assert again["status"] == "succeeded", again
    frontend = next(e for e in again["events"] if e["stage"] == "frontend" and e["message"])
    assert frontend["message"].startswith(f"reused the build of deployment {first['id']}")
    assert again["artifacts"]["frontend"]["digest"] == first["artifacts"]["frontend"]["digest"]
    assert "unchanged" in next(
        e["message"] for e in again["events"] if e["stage"] == "release" and e["message"]
    )
    assert len(releases(factory, app_id, developer)["releases"]) == 1

    release_version(mini_program_repo, "1.0.0", page="changed, same version\n")
    same = deploy(factory, jobs, app_id, developer)
    assert (same["status"], same["error_code"]) == ("failed", "version_not_increasing")
    assert same["events"][-1]["stage"] == "release"
    release_version(mini_program_repo, "0.9.0")
    lower = deploy(factory, jobs, app_id, developer)
    assert lower["error_code"] == "version_not_increasing"
    release_version(mini_program_repo, "1.0.1")
    assert deploy(factory, jobs, app_id, developer)["status"] == "succeeded"
    assert releases(factory, app_id, developer)["current"] == "1.0.1"


def test_manifests_are_signed_again_after_the_key_rotates(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, services: Services
) -> None:
    from datetime import timedelta

    from chainless.deployer.releases.tasks import RENEW_SIGNATURES
    from chainless.oauth import keys as signing_keys
    from chainless.oauth.tokens import keyring
    from chainless.platform.core.jobs import get_job
    from chainless.platform.core.services import run_job

    app_id, developer = _app_with_repo(factory, hosted, jobs)
    deploy(factory, jobs, app_id, developer)
    before = releases(factory, app_id, developer)["releases"][0]["manifest_url"]
    old_token = factory.client.get(path_of(before)).text
    with services.transaction() as session:
        cipher = signing_keys.KeyCipher(services.settings.secret_key)
        signing_keys.rotate(session, cipher, token_lifetime=timedelta(seconds=0))
        for record in signing_keys.published(session):
            if record.retired_at is not None:
                record.expires_at = record.retired_at  # the old key has left the JWKS
    keyring(services).invalidate()
    jwks = factory.client.get("/oauth/jwks").json()
    with pytest.raises(release_manifest.InvalidManifest):
        release_manifest.verify(old_token, jwks)
    run_job(services, get_job(RENEW_SIGNATURES), {})
    after = releases(factory, app_id, developer)["releases"][0]["manifest_url"]
    assert after != before
    new_token = factory.client.get(path_of(after)).text
    assert release_manifest.verify(new_token, jwks) == release_manifest.verify(
        old_token, {"keys": [*jwks["keys"], *_retired(services)]}
    )
    assert factory.client.get(path_of(before)).status_code == 200  # the old object stays
    run_job(services, get_job(RENEW_SIGNATURES), {})  # nothing left to sign again
    assert releases(factory, app_id, developer)["releases"][0]["manifest_url"] == after


def _retired(services: Services) -> list[dict[str, object]]:
    from sqlalchemy import select

    from chainless.oauth.models import SigningKey

    with services.transaction() as session:
        return [
            dict(k.public_jwk)
            for k in session.scalars(select(SigningKey).where(SigningKey.retired_at.is_not(None)))
        ]


def test_the_manifest_names_only_the_contracts_addresses() -> None:
    greeter = "0x" + "ab" * 20
    registry = "0x" + "cd" * 20
    recorded = [
        {"name": "Greeter", "address": greeter, "chain_id": 31337, "abi": [], "bytecode": "0x60"},
        {"name": "Registry", "address": registry, "metadata": {"compiler": "0.8.30"}},
        {"name": "Library"},  # not deployed on its own
    ]
    expected = [
        {"name": "Greeter", "address": greeter, "chain_id": 31337},
        {"name": "Registry", "address": registry},
    ]
    assert release_manifest.contract_addresses(recorded) == expected
    assert release_manifest.contract_addresses({"deployed": recorded}) == expected
    assert release_manifest.contract_addresses(
        {"Greeter": greeter, "Registry": {"address": registry}}
    ) == [{"name": "Greeter", "address": greeter}, {"name": "Registry", "address": registry}]
    assert release_manifest.contract_addresses(None) is None
    assert release_manifest.contract_addresses({"compiled": "nothing deployed"}) is None


CONTRACTS_ONLY = MANIFEST.replace(
    '[frontend]\nroot = "frontend"\nbuild = "npm run build"\noutput = "dist"\n\n', ""
)


def test_a_release_of_contracts_only_names_no_page_to_load(
    factory: Factory, jobs: RecordingJobRunner, hosted: str, mini_program_repo: Path
) -> None:
    assert "[frontend]" not in CONTRACTS_ONLY
    commit_change(mini_program_repo, "chainless.toml", CONTRACTS_ONLY, "Contracts only")
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    detail = deploy(factory, jobs, app_id, developer)
    assert detail["status"] == "succeeded", detail
    (release,) = releases(factory, app_id, developer)["releases"]
    assert release["site_url"] is None
    assert factory.client.get(path_of(release["manifest_url"])).status_code == 200
    described = factory.client.get(f"/cdn/entry/{app_id}/dev", params={"format": "json"})
    assert described.status_code == 200, described.text
    body = described.json()
    assert (body["version"], body["frontend"]) == ("1.0.0", False)
    assert (body["site_url"], body["entry_url"]) == (None, None)
    assert body["manifest_url"] == release["manifest_url"]
    redirect = factory.client.get(f"/cdn/entry/{app_id}/dev", follow_redirects=False)
    assert redirect.status_code == 404
    assert redirect.json()["code"] == "no_frontend"


def test_the_entry_never_points_at_a_file_the_release_does_not_have(
    factory: Factory, jobs: RecordingJobRunner, hosted: str
) -> None:
    app_id, developer = _app_with_repo(factory, hosted, jobs)
    assert deploy(factory, jobs, app_id, developer)["status"] == "succeeded"
    page = factory.client.get(f"/cdn/entry/{app_id}/dev", params={"format": "json"}).json()
    assert page["frontend"] is True
    assert factory.client.get(path_of(page["entry_url"])).status_code == 200
    missing = {"format": "json", "path": "missing.html"}
    described = factory.client.get(f"/cdn/entry/{app_id}/dev", params=missing)
    assert described.json()["entry_url"] is None
    redirect = factory.client.get(
        f"/cdn/entry/{app_id}/dev", params={"path": "missing.html"}, follow_redirects=False
    )
    assert (redirect.status_code, redirect.json()["code"]) == (404, "cdn_not_found")
