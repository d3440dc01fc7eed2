"""Benchmark: releases and deployments (issue 5: rollback, warm redeploy, pipeline overhead).

Starts ``chainless serve`` (embedded job runner: the pipeline runs in the server's process) on
PostgreSQL + Redis with a local storage folder, registers the fixture mini-program (a git
repository on disk, ``file://``), then measures:

(a) **rollback switch**: ``POST .../environments/dev/rollback`` alternating between two releases,
    timed until the entry route (``/cdn/entry/...``) serves the new version; median and p99
    (target ≤ 1 s);
(b) **warm redeploy**: a deployment of the unchanged commit, from the request to ``succeeded``
    (the frontend build is reused; target ≤ 3 s);
(c) **cold deploy overhead**: a deployment of a new commit (a contract source and the build
    script changed: no build cache hit) against the same steps run by hand in a scratch folder
    (:func:`raw_steps`, in the pipeline's order: ``git archive``, solc, slither, the constructor
    transactions, ``npm ci``, the build), as the ratio pipeline / by hand - 1 (target ≤ 20 %).

The server gets a chain for every environment (``CHAINLESS_CHAINS``: one anvil started here), so
the pipeline's ``contracts`` stage really deploys the fixture's two contracts; a deployment whose
``artifacts.contracts`` does not list them all as deployed stops the benchmark. The by-hand steps
use the same pinned tools and no platform code: the toolchain's ``solc`` through py-solc-x
``compile_standard`` with the pipeline's settings (optimizer 200 runs, EVM ``cancun``, the
OpenZeppelin remapping to ``toolchain/node_modules``), slither's Python API with
``solc=toolchain/bin/solc`` and all its detectors, and web3.py deploying each contract with its
constructor arguments to the same anvil from another funded account (anvil's account 0; the
pipeline signs with account 5), waiting for each receipt.

A warm redeploy (b) is a new deployment of the same commit: its compile and audit come from the
build cache and its frontend build is reused, but its ``contracts`` stage deploys the two
contracts again (a deployment's contracts are its own; nothing on chain is reused).

Usage: ``.venv/bin/python -m bench.deploy [--rounds 5] [--rollbacks 200] [--build-work 0]``
(Redis: ``CHAINLESS_BENCH_REDIS``; anvil: the toolchain's, found as ``chain/localnode.py`` finds
it). Prints one JSON document and a Markdown table.
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
import tomllib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import solcx
from eth_account import Account
from web3 import Web3

from bench.common import (
    PG_ADMIN,
    ROOT,
    load_average,
    machine,
    scratch_database,
    serve_process,
    server_env,
    verification_token,
)
from chainless.chain.localnode import LocalChain
from tests.deployer.fixture_repo import GREETER, MANIFEST, commit_change, git_repository

PASSWORD = "bench-Strong-password-1"
FRONTEND = "frontend"
RawStep = Callable[[Path, str], None]  # (scratch folder, commit) -> None; raises on failure
TOOLCHAIN = ROOT / "toolchain"
SOLC = TOOLCHAIN / "bin" / "solc"  # the pinned solc-js command the pipeline runs
OPENZEPPELIN = f"@openzeppelin/={TOOLCHAIN / 'node_modules' / '@openzeppelin'}/"
BY_HAND_ACCOUNT = 0  # anvil's; the pipeline's devops account is 5 (deployer.dev_devops_account)
# The pipeline's compiler settings (docs/deployer.md, "compile"), written out as a developer would.
SOLC_SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "cancun",
    "metadata": {"bytecodeHash": "ipfs"},
    "remappings": [OPENZEPPELIN],
    "outputSelection": {
        "*": {
            "*": [
                "abi",
                "metadata",
                "evm.bytecode.object",
                "evm.deployedBytecode.object",
                "evm.deployedBytecode.immutableReferences",
            ]
        }
    },
}


@dataclass(frozen=True)
class ByHandChain:
    """Where the by-hand deploy step sends its transactions: the bench server's anvil."""

    rpc_url: str
    private_key: str


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


def _contracts(scratch: Path) -> list[dict[str, Any]]:
    """The manifest's ``[[contracts]]`` (name, source, constructor_args), in deployment order."""
    manifest = tomllib.loads((scratch / "src" / "chainless.toml").read_text())
    return list(manifest.get("contracts", []))


def _solc(scratch: Path, commit: str) -> None:
    """``compile_standard`` on the repository's ``contracts/*.sol`` with the pipeline's settings;
    the output is kept for the deploy step (``build.json``)."""
    src = scratch / "src"
    sources = {
        path.relative_to(src).as_posix(): {"content": path.read_text()}
        for path in sorted((src / "contracts").rglob("*.sol"))
    }
    output = solcx.compile_standard(
        {"language": "Solidity", "sources": sources, "settings": SOLC_SETTINGS},
        solc_binary=SOLC,
        base_path=src,
        allow_paths=[TOOLCHAIN / "node_modules"],
    )
    for spec in _contracts(scratch):
        assert output["contracts"][spec["source"]][spec["name"]]["evm"]["bytecode"]["object"]
    (scratch / "build.json").write_text(json.dumps(output))


def _slither(scratch: Path, commit: str) -> None:
    """slither's Python API, every detector, on each contract of the manifest (as the audit)."""
    from slither import Slither
    from slither.detectors import all_detectors
    from slither.detectors.abstract_detector import AbstractDetector

    detectors = [
        d
        for d in vars(all_detectors).values()
        if isinstance(d, type) and issubclass(d, AbstractDetector) and d is not AbstractDetector
    ]
    src = scratch / "src"
    for source in sorted({spec["source"] for spec in _contracts(scratch)}):
        slither = Slither(
            str(src / source), solc=str(SOLC), solc_working_dir=str(src), solc_remaps=OPENZEPPELIN
        )
        for detector in detectors:
            slither.register_detector(detector)
        slither.run_detectors()


def _deploy(chain: ByHandChain) -> RawStep:
    def step(scratch: Path, commit: str) -> None:
        """Each contract with its constructor arguments (``{contract = X}``: X's address), one
        transaction after the other, each receipt awaited."""
        output = json.loads((scratch / "build.json").read_text())["contracts"]
        w3 = Web3(Web3.HTTPProvider(chain.rpc_url))
        account = Account.from_key(chain.private_key)
        chain_id = w3.eth.chain_id
        addresses: dict[str, str] = {}
        for spec in _contracts(scratch):
            built = output[spec["source"]][spec["name"]]
            args = [
                addresses[arg["contract"]] if isinstance(arg, dict) else arg
                for arg in spec.get("constructor_args", [])
            ]
            factory = w3.eth.contract(abi=built["abi"], bytecode=built["evm"]["bytecode"]["object"])
            transaction = factory.constructor(*args).build_transaction(
                {
                    "from": account.address,
                    "chainId": chain_id,
                    "nonce": w3.eth.get_transaction_count(account.address, "pending"),
                }
            )
            signed = account.sign_transaction(transaction)
            sent = w3.eth.send_raw_transaction(signed.raw_transaction)
            receipt = w3.eth.wait_for_transaction_receipt(sent, timeout=120, poll_latency=0.05)
            assert receipt["status"] == 1, receipt
            assert receipt["contractAddress"], receipt
            addresses[spec["name"]] = receipt["contractAddress"]

    return step


def raw_steps(repo: Path, chain: ByHandChain) -> list[tuple[str, RawStep]]:
    """What a developer would run by hand for the fixture, in the pipeline's order
    (source, compile, audit, contracts, frontend)."""
    return [
        ("git archive", lambda scratch, commit: _archive(scratch, commit, repo)),
        ("solc", _solc),
        ("slither", _slither),
        ("deploy", _deploy(chain)),
        ("npm ci", _npm("ci", "--offline", "--no-audit", "--no-fund", "--loglevel=warn")),
        ("npm run build", _npm("run", "build")),
    ]


def by_hand(repo: Path, commit: str, chain: ByHandChain) -> tuple[float, dict[str, float]]:
    """Seconds for all the raw steps, and for each."""
    spans: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="chainless-bench-raw-") as folder:
        started = time.perf_counter()
        for name, step in raw_steps(repo, chain):
            begun = time.perf_counter()
            step(Path(folder), commit)
            spans[name] = round(time.perf_counter() - begun, 3)
        return time.perf_counter() - started, spans


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
                deployed_contracts(detail)
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
    """A new commit with a changed contract source and build script, so the pipeline really
    compiles, audits and builds again (no build cache hit): a cold deploy, as by hand."""
    greeter = GREETER.removesuffix("\n") + f"\n// round {number}\n"
    commit_change(repo, "contracts/Greeter.sol", greeter, f"Greeter round {number}")
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


def deployed_contracts(detail: dict[str, Any]) -> list[str]:
    """The addresses the deployment's ``contracts`` stage deployed; fails unless every contract
    of the fixture's manifest is there, deployed (the stage ran on the bench's anvil)."""
    wanted = [spec["name"] for spec in tomllib.loads(MANIFEST)["contracts"]]
    contracts = (detail.get("artifacts") or {}).get("contracts")
    if not contracts:
        raise RuntimeError(
            f"deployment {detail['id']} deployed no contracts: {detail['artifacts']}"
        )
    deployed = {c["name"]: c for c in contracts["deployed"] if c["status"] == "deployed"}
    if sorted(deployed) != sorted(wanted) or not all(c.get("address") for c in deployed.values()):
        raise RuntimeError(f"deployment {detail['id']} did not deploy {wanted}: {contracts}")
    return [deployed[name]["address"] for name in wanted]


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


def env_with_chain(env: dict[str, str], node: LocalChain) -> dict[str, str]:
    """The server's settings naming ``node`` as the chain of every environment (the fixture
    deploys to ``dev``), so the ``contracts`` stage deploys to it."""
    chain = {"chain_id": node.chain_id, "rpc_urls": [node.rpc_url], "confirmations": 1}
    return {
        **env,
        "CHAINLESS_CHAINS": json.dumps(dict.fromkeys(("dev", "test", "prod"), chain)),
    }


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
    if args.rounds < 2:  # the rollbacks alternate between the last two cold deploys' releases
        parser.error("--rounds must be at least 2")

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
        with LocalChain() as node, serve_process(env_with_chain(env, node), workers=1) as server:
            chain = ByHandChain(node.rpc_url, node.accounts[BY_HAND_ACCOUNT].private_key)
            platform = Platform(server.base, database_url, repo)
            platform.seed()
            cold, manual, ratios, stages, outside, raw_spans = [], [], [], [], [], []
            for number in range(1, args.rounds + 1):
                commit = new_version(repo, number, args.build_work)
                first = number % 2  # alternate who goes first
                raw, spans = by_hand(repo, commit, chain) if first else (0.0, {})
                _, detail = platform.deploy()
                assert detail["commit_sha"] == commit
                compiled = detail["artifacts"]["compile"]
                assert not compiled.get("cached"), "a cold deploy reused a cached build"
                assert not detail["artifacts"]["audit"].get("cached"), "a cached audit"
                elapsed = server_seconds(detail)  # not the polling's granularity
                stages.append(stage_seconds(detail))
                steps = sum(s["duration_seconds"] for s in detail["artifacts"]["frontend"]["steps"])
                outside.append((elapsed - steps) / steps)
                if not first:
                    raw, spans = by_hand(repo, commit, chain)
                cold.append(elapsed)
                manual.append(raw)
                raw_spans.append(spans)
                ratios.append(elapsed / raw - 1)
            warm, warm_stages, warm_cache = [], [], []
            for _ in range(args.rounds):
                seconds, detail = platform.deploy()
                warm.append(seconds)
                warm_stages.append(stage_seconds(detail))
                artifacts = detail["artifacts"]
                warm_cache.append(
                    {
                        "compile_cached": artifacts["compile"].get("cached"),
                        "audit_cached": artifacts["audit"].get("cached"),
                        "contracts_deployed": len(artifacts["contracts"]["deployed"]),
                    }
                )
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
            "cold_by_hand_steps_s": raw_spans,
            # the pipeline's time outside its frontend build steps (solc, slither and the contract
            # deployments included) over those steps' time; not an overhead measure any more
            "cold_outside_frontend_steps": [round(x, 3) for x in outside],
            "warm_stages_s": warm_stages,
            # compile and audit from the build cache; the contracts stage deploys again
            "warm_cache": warm_cache,
            "build_steps_s": [
                {
                    s["step"]: round(s["duration_seconds"], 3)
                    for s in detail["artifacts"]["frontend"]["steps"]
                }
            ],
            "raw_steps": [name for name, _ in raw_steps(repo, ByHandChain("", ""))],
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


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values) * 1000, 1),
        "p99": round(percentile(values, 0.99) * 1000, 1),
        "max": round(max(values) * 1000, 1),
    }


if __name__ == "__main__":
    main()
