"""Hostile repositories through the whole pipeline: they fail or are contained, never leak."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path
from typing import Any

import pytest

from chainless.deployer.deployments.artifacts import blob_key
from chainless.platform.core.services import Services
from tests.conftest import RecordingJobRunner
from tests.deployer.deployments.test_requests import _app_with_repo, _deploy, _detail
from tests.deployer.fixture_repo import commit_change
from tests.deployer.github_standin import GitHubStandIn
from tests.factories import Factory

SNOOP = """const fs = require('fs');
const found = [JSON.stringify(process.env)];
for (const path of process.argv.slice(2)) {
  try { found.push(fs.readFileSync(path, 'utf8')); } catch (e) { found.push(path + ': ' + e.code); }
}
try {
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p))) {
    try { found.push(fs.readFileSync('/proc/' + pid + '/environ', 'utf8')); } catch (e) {}
  }
} catch (e) {}
console.log(found.join('\\n'));
fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', found.join('\\n'));
"""

pytestmark = pytest.mark.portable  # the embedded default deploys too


def test_a_build_reading_platform_secrets_finds_none(
    factory: Factory,
    jobs: RecordingJobRunner,
    services: Services,
    github: GitHubStandIn,
    mini_program_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHAINLESS_SECRET_KEY", "worker-env-secret-5e1f")
    monkeypatch.setenv("CHAINLESS_DEPLOYER__GITHUB_TOKEN", "ghp_worker_token_a9")
    data_dir = services.settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    secret_file = data_dir / "signing-key.pem"
    secret_file.write_text("PRIVATE-KEY-d00d\n")
    secret_file.chmod(0o644)  # even a careless, world-readable secret stays out of reach
    data_dir.chmod(0o755)
    build = f"node snoop.js {secret_file} /root/.bashrc"
    manifest = (mini_program_repo / "chainless.toml").read_text()
    commit_change(mini_program_repo, "frontend/snoop.js", SNOOP, "Snoop")
    commit_change(
        mini_program_repo,
        "chainless.toml",
        manifest.replace('build = "npm run build"', f'build = "{build}"'),
        "Build with the snoop",
    )
    app_id, developer = _app_with_repo(factory, github.host("dev/greeter", mini_program_repo), jobs)
    queued = _deploy(factory.client, app_id, developer)
    jobs.drain()
    detail = _detail(factory.client, app_id, developer, queued["id"])
    assert detail["status"] == "succeeded", detail
    frontend = detail["artifacts"]["frontend"]
    published = services.storage.get(blob_key(frontend["files"][0]["sha256"])).decode()
    log_names = [log["name"] for e in detail["events"] for log in e["data"].get("logs", [])]
    logs = "".join(
        factory.client.get(
            f"/api/v1/apps/{app_id}/deployments/{queued['id']}/logs/{name}",
            headers=developer.headers,
        ).text
        for name in log_names
    )
    assert '"HOME":' in logs  # the snoop ran and printed what it found
    for secret in ("worker-env-secret-5e1f", "ghp_worker_token_a9", "PRIVATE-KEY-d00d"):
        assert secret not in published
        assert secret not in logs


def test_a_build_that_loops_forever_is_killed_and_reported(
    factory: Factory,
    jobs: RecordingJobRunner,
    services: Services,
    github: GitHubStandIn,
    mini_program_repo: Path,
) -> None:
    services.settings.deployer.build_wall_seconds = 12  # npm ci fits, even on a busy machine
    commit_change(
        mini_program_repo,
        "frontend/build.js",
        "console.log('compiling...');\nfor (;;) {}\n",
        "Spin",
    )
    app_id, developer = _app_with_repo(factory, github.host("dev/greeter", mini_program_repo), jobs)
    queued = _deploy(factory.client, app_id, developer)
    jobs.drain()
    detail: dict[str, Any] = _detail(factory.client, app_id, developer, queued["id"])
    assert detail["status"] == "failed"
    assert detail["error_code"] == "build_failed"
    assert "step 'npm run build' ran longer than 12 s and was killed" in detail["error_detail"]
    failed = detail["events"][-1]
    assert (failed["stage"], failed["status"]) == ("frontend", "failed")
    assert failed["data"]["step"] == "npm run build"
    assert failed["data"]["outcome"] == "timed_out"
    assert "compiling..." in failed["data"]["log_tail"]
    assert [log["name"] for log in failed["data"]["logs"]] == [
        "01-npm-ci.log",
        "02-npm-run-build.log",
    ]
    log = factory.client.get(
        f"/api/v1/apps/{app_id}/deployments/{queued['id']}/logs/02-npm-run-build.log",
        headers=developer.headers,
    )
    assert log.status_code == 200
    assert "compiling..." in log.text
    missing = factory.client.get(
        f"/api/v1/apps/{app_id}/deployments/{queued['id']}/logs/../../etc.log",
        headers=developer.headers,
    )
    assert missing.status_code == 404


def _tarball(*members: tuple[str, bytes | str]) -> bytes:
    """A GitHub-style tarball: regular files (bytes) and symbolic links (str targets)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in members:
            info = tarfile.TarInfo(f"dev-greeter-abcdef0/{name}")
            if isinstance(content, str):
                info.type, info.linkname = tarfile.SYMTYPE, content
                archive.addfile(info)
            else:
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
    return gzip.compress(buffer.getvalue())


@pytest.mark.parametrize(
    ("members", "code"),
    [
        (
            (("README.md", b"# hi\n"), ("../../../etc/cron.d/evil", b"* * * * * root id\n")),
            "archive_traversal",
        ),
        ((("README.md", b"# hi\n"), ("keys", "/root/.ssh")), "archive_link_escape"),
    ],
)
def test_a_hostile_tarball_fails_the_deployment_before_anything_runs(
    factory: Factory,
    jobs: RecordingJobRunner,
    github: GitHubStandIn,
    mini_program_repo: Path,
    members: tuple[tuple[str, bytes | str], ...],
    code: str,
) -> None:
    url = github.host("dev/greeter", mini_program_repo, tarball=_tarball(*members))
    app_id, developer = _app_with_repo(factory, url, jobs)
    queued = _deploy(factory.client, app_id, developer)
    jobs.drain()
    detail = _detail(factory.client, app_id, developer, queued["id"])
    assert (detail["status"], detail["error_code"]) == ("failed", code)
    assert detail["events"][-1]["stage"] == "source"
    assert not Path("/etc/cron.d/evil").exists()
