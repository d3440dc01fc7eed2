"""Benchmark: releases and deployments (issue 5: rollback, warm redeploy, pipeline overhead).

Starts ``chainless serve`` (embedded job runner: the pipeline runs in the server's process) on
PostgreSQL + Redis with a local storage folder, registers the fixture mini-program (a git
repository on disk, ``file://``), then measures:

(a) **rollback switch**: ``POST .../environments/dev/rollback`` alternating between two releases,
    timed until the entry route (``/cdn/entry/...``) serves the new version; median and p99
    (target ≤ 1 s);
(b) **warm redeploy**: a deployment of the unchanged commit, from the request to ``succeeded``
    (the frontend build is reused; target ≤ 3 s);
(c) **cold deploy overhead**: a deployment of a new commit against the same raw steps run by hand
    in a scratch folder (``RAW_STEPS``: ``git archive``, ``npm ci``, the build), as the ratio
    pipeline / by hand - 1 (target ≤ 20 %).

``RAW_STEPS`` is the list the pipeline's stages are compared with: when the contracts stages
land (``deployer/contracts/``), their raw steps (solc compile, slither, the deployment
transactions) are appended there, so (c) keeps comparing like with like.

Usage: ``.venv/bin/python -m bench.deploy [--rounds 5] [--rollbacks 200]``. Prints one JSON
document and a Markdown table.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.common import (
    PG_ADMIN,
    load_average,
    machine,
    scratch_database,
    serve_process,
    server_env,
    verification_token,
)
from tests.deployer.fixture_repo import MANIFEST, commit_change, git_repository

PASSWORD = "bench-Strong-password-1"
FRONTEND = "frontend"
RawStep = Callable[[Path, str], None]  # (scratch folder, commit) -> None; raises on failure


def _archive(scratch: Path, commit: str, repo: Path) -> None:
    tree = scratch / "src"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", commit],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)


def _npm(*args: str) -> RawStep:
    def step(scratch: Path, commit: str) -> None:
        subprocess.run(
            ["npm", *args], cwd=scratch / "src" / FRONTEND, check=True, capture_output=True
        )

    return step


def raw_steps(repo: Path) -> list[tuple[str, RawStep]]:
    """What a developer would run by hand for the fixture, in the pipeline's order.

    The contracts engineer appends here ("compile": solc standard JSON, "audit": slither,
    "deploy": the constructor transactions) from ``deployer/contracts/``.
    """
    return [
        ("git archive", lambda scratch, commit: _archive(scratch, commit, repo)),
        ("npm ci", _npm("ci", "--offline", "--no-audit", "--no-fund", "--loglevel=warn")),
        ("npm run build", _npm("run", "build")),
    ]


def by_hand(repo: Path, commit: str) -> float:
    with tempfile.TemporaryDirectory(prefix="chainless-bench-raw-") as folder:
        started = time.perf_counter()
        for _, step in raw_steps(repo):
            step(Path(folder), commit)
        return time.perf_counter() - started


class Platform:
    def __init__(self, base: str, database_url: str, repo: Path) -> None:
        self.client = httpx.Client(base_url=base, timeout=60)
        self.database_url = database_url
        self.repo = repo
        self.headers: dict[str, str] = {}
        self.app_id = ""

    def seed(self) -> None:
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        ok = self._ok
        ok(self.client.post("/api/v1/accounts", json={"email": email, "password": PASSWORD}))
        token = verification_token(self.database_url, email)
        ok(self.client.post("/api/v1/accounts/verify-email", json={"token": token}))
        bearer = ok(
            self.client.post("/api/v1/auth/tokens", json={"email": email, "password": PASSWORD})
        )
        self.headers = {"Authorization": f"Bearer {bearer['access_token']}"}
        app = ok(
            self.client.post(
                "/api/v1/apps",
                headers=self.headers,
                json={"name": "Bench greeter", "category": "tools", "description": "bench"},
            )
        )
        self.app_id = app["app_id"]
        ok(
            self.client.put(
                f"/api/v1/apps/{self.app_id}/deploy",
                headers=self.headers,
                json={"repo_url": "https://github.com/bench/greeter", "repo_branch": "main"},
            )
        )
        plain = self.database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain) as connection:  # the API takes GitHub URLs; git reads a folder
            connection.execute(
                "UPDATE mini_programs SET repo_url = %s WHERE app_id = %s",
                (self.repo.as_uri(), self.app_id),
            )

    @staticmethod
    def _ok(response: httpx.Response) -> Any:
        assert response.is_success, f"{response.request.url}: {response.text}"
        return response.json()

    def deploy(self) -> tuple[float, dict[str, Any]]:
        """Seconds from the request to the deployment's end, and its detail."""
        started = time.perf_counter()
        queued = self._ok(
            self.client.post(
                f"/api/v1/apps/{self.app_id}/deployments", headers=self.headers, json={}
            )
        )
        path = f"/api/v1/apps/{self.app_id}/deployments/{queued['id']}"
        pause = 0.02  # backing off to 0.25 s: polling must not steal the build's CPU
        while True:
            detail = self._ok(self.client.get(path, headers=self.headers))
            if detail["status"] in {"succeeded", "failed"}:
                elapsed = time.perf_counter() - started
                assert detail["status"] == "succeeded", detail["error_detail"]
                return elapsed, detail
            time.sleep(pause)
            pause = min(0.25, pause * 1.5)

    def rollback_to(self, version: str) -> tuple[float, float]:
        """Seconds for the rollback request, and until the entry route serves ``version``."""
        started = time.perf_counter()
        self._ok(
            self.client.post(
                f"/api/v1/apps/{self.app_id}/environments/dev/rollback",
                headers=self.headers,
                json={"version": version},
            )
        )
        answered = time.perf_counter() - started
        while True:
            served = self._ok(
                self.client.get(f"/cdn/entry/{self.app_id}/dev", params={"format": "json"})
            )
            if served["version"] == version:
                return answered, time.perf_counter() - started


# A bundler's worth of CPU in the fixture's build: the same work in the pipeline and by hand.
WORK = """const crypto = require('crypto');
let digest = Buffer.alloc(32);
for (let i = 0; i < {rounds}; i++) digest = crypto.createHash('sha256').update(digest).digest();
fs.writeFileSync('dist/work.txt', digest.toString('hex'));
"""


def new_version(repo: Path, number: int, work: int) -> str:
    """A new commit with a changed build script (so the frontend really rebuilds)."""
    build = (repo / FRONTEND / "build.js").read_text().split("\n// round")[0]
    extra = WORK.replace("{rounds}", str(work)) if work else ""
    commit_change(
        repo, f"{FRONTEND}/build.js", f"{build}\n// round {number}\n{extra}", f"Round {number}"
    )
    version = f"1.{number}.0"
    return commit_change(
        repo,
        "chainless.toml",
        MANIFEST.replace('version = "1.0.0"', f'version = "{version}"'),
        f"Version {version}",
    )


def server_seconds(detail: dict[str, Any]) -> float:
    """From the request's ``queued`` event to the ``succeeded`` one, by the server's clock."""
    first, last = detail["events"][0]["at"], detail["events"][-1]["at"]
    return (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds()


def stage_seconds(detail: dict[str, Any]) -> dict[str, float]:
    """Seconds from each event to the next: where a deployment's time goes."""
    events = detail["events"]
    spans: dict[str, float] = {}
    for event, following in itertools.pairwise(events):
        seconds = datetime.fromisoformat(following["at"]) - datetime.fromisoformat(event["at"])
        name = f"{event['stage']} {event['status']}"
        spans[name] = round(spans.get(name, 0.0) + seconds.total_seconds(), 3)
    return spans


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rollbacks", type=int, default=200)
    parser.add_argument(
        "--build-work",
        type=int,
        default=0,
        help="SHA-256 rounds the fixture's build computes (0: the bare fixture, ~0.2 s)",
    )
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="chainless-bench-deploy-"))
    repo = git_repository(scratch / "greeter")
    database_url = scratch_database("chainless_bench_deploy")
    env = server_env(database_url)
    env.update(
        {
            "CHAINLESS_DATA_DIR": str(scratch / "data"),
            "CHAINLESS_STORAGE__LOCAL_PATH": str(scratch / "storage"),
            "CHAINLESS_DEPLOYER__GIT_SCHEMES": '["https", "file"]',
            "CHAINLESS_RATE_LIMITS__CDN_ENTRY_PER_IP_PER_MINUTE": "100000000",
        }
    )
    results: dict[str, Any] = {
        "machine": machine(),
        "load_before": load_average(),
        "build_work": args.build_work,
    }
    try:
        with serve_process(env, workers=1) as server:
            platform = Platform(server.base, database_url, repo)
            platform.seed()
            cold, manual, ratios, stages, outside = [], [], [], [], []
            for number in range(1, args.rounds + 1):
                commit = new_version(repo, number, args.build_work)
                raw = by_hand(repo, commit) if number % 2 else 0.0  # alternate who goes first
                _, detail = platform.deploy()
                assert detail["commit_sha"] == commit
                elapsed = server_seconds(detail)  # not the polling's granularity
                stages.append(stage_seconds(detail))
                steps = sum(s["duration_seconds"] for s in detail["artifacts"]["frontend"]["steps"])
                outside.append((elapsed - steps) / steps)
                raw = raw or by_hand(repo, commit)
                cold.append(elapsed)
                manual.append(raw)
                ratios.append(elapsed / raw - 1)
            warm = [platform.deploy()[0] for _ in range(args.rounds)]
            versions = [f"1.{args.rounds - 1}.0", f"1.{args.rounds}.0"]
            answered, visible = [], []
            for turn in range(args.rollbacks):
                request, seen = platform.rollback_to(versions[turn % 2])
                answered.append(request)
                visible.append(seen)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute('DROP DATABASE IF EXISTS "chainless_bench_deploy" WITH (FORCE)')
    results.update(
        {
            "load_after": load_average(),
            "rollback_request_ms": _summary(answered),
            "rollback_visible_ms": _summary(visible),
            "warm_redeploy_s": [round(x, 3) for x in warm],
            "cold_pipeline_s": [round(x, 3) for x in cold],
            "cold_by_hand_s": [round(x, 3) for x in manual],
            "cold_overhead": [round(x, 3) for x in ratios],
            "cold_stages_s": stages,
            # the pipeline's own time (fetches, jobs, storage, signing) over its build steps' time
            "cold_overhead_outside_steps": [round(x, 3) for x in outside],
            "build_steps_s": [
                {
                    s["step"]: round(s["duration_seconds"], 3)
                    for s in detail["artifacts"]["frontend"]["steps"]
                }
            ],
            "raw_steps": [name for name, _ in raw_steps(repo)],
        }
    )
    print(json.dumps(results, indent=2))
    print()
    print("| measure | median | p99 / max | target |")
    print("|---|---|---|---|")
    rollback = results["rollback_visible_ms"]
    print(
        f"| rollback, request → entry serves it ({len(visible)} runs) | {rollback['median']} ms "
        f"| {rollback['p99']} ms | ≤ 1,000 ms |"
    )
    print(
        f"| warm redeploy, unchanged commit ({len(warm)} runs) | {statistics.median(warm):.2f} s "
        f"| {max(warm):.2f} s | ≤ 3 s |"
    )
    print(
        f"| cold deploy: pipeline vs by hand ({len(cold)} runs) "
        f"| {statistics.median(cold):.2f} s vs {statistics.median(manual):.2f} s, "
        f"overhead {statistics.median(ratios):+.0%} "
        f"| {max(ratios):+.0%} | ≤ +20 % |"
    )
    print(
        f"| cold deploy: pipeline time outside its build steps | "
        f"{statistics.median(outside):+.0%} | {max(outside):+.0%} | ≤ +20 % |"
    )


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values) * 1000, 1),
        "p99": round(percentile(values, 0.99) * 1000, 1),
        "max": round(max(values) * 1000, 1),
    }


if __name__ == "__main__":
    main()
