"""Benchmark: wallet login (issue 3) — introspection, refresh, code exchange and SIWE sign-in.

Starts ``chainless serve --workers 2`` on PostgreSQL + Redis, makes an app online and signs wallet
users in over HTTP (SIWE, consent), then drives each endpoint from a separate load-generator
process, in interleaved rounds, with ``GET /healthz`` as the same-run baseline:

- ``introspect``: ``POST /oauth/introspect`` (client_secret_basic) with a valid access token;
- ``refresh``: ``POST /oauth/token`` ``grant_type=refresh_token``, each request its own refresh
  token (rotation makes every one single-use), from a pool minted by code exchanges just before;
- ``code_exchange``: ``POST /oauth/token`` ``grant_type=authorization_code`` + PKCE verifier, each
  request its own code, minted just before (``CHAINLESS_OAUTH__CODE_TTL_SECONDS=600`` here);
- ``siwe_sign_in``: ``POST /oauth/siwe/sign-in`` with pre-signed EIP-4361 messages, each with its
  own nonce from ``/oauth/siwe/prepare``, minted just before (the nonce TTL stays at 5 minutes).

Each scenario runs twice per round:

- ``one_ip``: every request from 127.0.0.1, i.e. the route-level per-IP limits as they are
  (``oauth.backend`` 6000/min, ``oauth.token`` 600/min, ``siwe.sign_in`` 30/min by default, so
  this run is mostly 429s; ``--route-limit N`` sets them all to N/min through their settings).
  A body answered 429 is reused (it never reached the endpoint); ``ok_rps`` counts only 2xx;
- ``many_ips``: the same requests spread over 4096 client addresses with ``X-Forwarded-For``
  (uvicorn trusts it from 127.0.0.1, as behind a load balancer), so each client stays under its
  limit and the figure is the server's capacity.

After the rounds: ``chainless.oauth.siwe.verify`` in this process, a pure-CPU loop over distinct
signed messages (verifications per second on one core). With ``--profile``, py-spy samples the
two workers under the introspection load and the hottest functions are printed.

Usage: ``.venv/bin/python -m bench.oauth [--rounds 3] [--duration 10] [--concurrency 50]
[--users 500] [--profile]``. Prints one JSON document and a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import hashlib
import itertools
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from coincurve import PrivateKey
from eth_account.messages import defunct_hash_message
from eth_utils import keccak, to_checksum_address

from bench.common import (
    CpuMeter,
    OnlineApp,
    load,
    load_average,
    machine,
    postgres_connections,
    scratch_database,
    seed_online_app,
    serve_process,
    server_env,
)
from bench.loadgen import Answer, build_request, fetch_all, forwarded_for

CHAIN_ID = 31337
SCOPE = "basic:address basic:user_id"
SPREAD = 4096  # client addresses of the many_ips runs
CODE_TTL_SECONDS = 600
# a Redis database no test worker flushes (they use 1-14; the third-party client test 15), so
# the one-IP runs' per-IP buckets and the nonces are not shared with other runs
REDIS_URL = os.environ.get("CHAINLESS_BENCH_OAUTH_REDIS", "redis://127.0.0.1:6379/0")
FORM = "application/x-www-form-urlencoded"
# a database of its own per concurrent run (it is dropped and made anew at the start)
DATABASE = os.environ.get("CHAINLESS_BENCH_OAUTH_DATABASE", "chainless_bench_oauth")
# what the route-level limits let one client IP do: the platform's defaults, or every one of them
# set to ``--route-limit`` per minute through its setting
LIMITS = {
    "introspect": ("oauth.backend", 6000, 60),
    "refresh": ("oauth.token", 600, 60),
    "code_exchange": ("oauth.token", 600, 60),
    "siwe_sign_in": ("siwe.sign_in", 30, 60),
}
LIMIT_SETTINGS = {
    "oauth.backend": "CHAINLESS_RATE_LIMITS__OAUTH_BACKEND_PER_IP_PER_MINUTE",
    "oauth.token": "CHAINLESS_RATE_LIMITS__OAUTH_TOKEN_PER_IP_PER_MINUTE",
    "siwe.sign_in": "CHAINLESS_RATE_LIMITS__SIWE_SIGN_IN_PER_IP_PER_MINUTE",
    "siwe.nonce": "CHAINLESS_RATE_LIMITS__SIWE_NONCE_PER_IP_PER_MINUTE",
}
_addresses = itertools.count(1 << 20)  # seeding requests each get a client address of their own


# --- wallets and credentials -----------------------------------------------------------------
@dataclass
class Wallet:
    key: PrivateKey
    address: str
    session_token: str = ""
    csrf_token: str = ""

    @classmethod
    def create(cls) -> Wallet:
        key = PrivateKey()
        public = key.public_key.format(compressed=False)[1:]
        return cls(key, to_checksum_address(keccak(public)[12:]))

    def sign(self, message: str) -> str:
        """EIP-191 personal_sign: r || s || v with v = 27 + recovery id (as eth_account signs)."""
        signature = self.key.sign_recoverable(bytes(defunct_hash_message(text=message)), None)
        return "0x" + (signature[:64] + bytes((signature[64] + 27,))).hex()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def basic_auth(app: OnlineApp) -> str:
    pair = f"{app.app_id}:{app.client_secret}".encode()
    return f"Authorization: Basic {base64.b64encode(pair).decode()}"


def _request(method: str, url: str, headers: list[str] | None = None, body: bytes = b"") -> bytes:
    return build_request(method, url, [*(headers or []), forwarded_for(next(_addresses))], body)


def _json(body: dict[str, Any]) -> tuple[list[str], bytes]:
    return ["Content-Type: application/json"], json.dumps(body).encode()


SEEDING: collections.Counter[str] = collections.Counter()  # requests sent / failed, reported


def _fetch(
    base: str, requests: list[bytes], expect: tuple[int, ...] = (200,)
) -> list[Answer | None]:
    """Seeding requests; a failed one is ``None`` and counted. More than 2% failing stops the
    run: the server is not healthy (on a shared machine, often out of PostgreSQL connections)."""
    answers = asyncio.run(fetch_all(base, requests, concurrency=32))
    bad = [a for a in answers if a.status not in expect]
    SEEDING["sent"] += len(answers)
    SEEDING["failed"] += len(bad)
    for answer in bad:
        SEEDING[f"status {answer.status}"] += 1
    if len(bad) > 0.02 * len(answers):
        raise RuntimeError(
            f"{len(bad)} of {len(answers)} seeding requests failed, e.g. {bad[0].status}: "
            f"{bad[0].body[:300]!r}"
        )
    return [a if a.status in expect else None for a in answers]


def siwe_messages(base: str, wallets: list[Wallet], count: int) -> list[tuple[Wallet, str]]:
    """Up to ``count`` ready-to-sign messages from /oauth/siwe/prepare, each with its own nonce."""
    chosen = [wallets[i % len(wallets)] for i in range(count)]
    requests = []
    for wallet in chosen:
        headers, body = _json({"address": wallet.address, "chain_id": CHAIN_ID})
        requests.append(_request("POST", f"{base}/oauth/siwe/prepare", headers, body))
    answers = _fetch(base, requests)
    return [
        (w, json.loads(a.body)["message"])
        for w, a in zip(chosen, answers, strict=True)
        if a is not None
    ]


def sign_in_bodies(base: str, wallets: list[Wallet], count: int) -> list[str]:
    bodies = []
    for wallet, message in siwe_messages(base, wallets, count):
        signed = {"message": message, "signature": wallet.sign(message), "device_name": "bench"}
        bodies.append(json.dumps(signed))
    return bodies


def sign_in_wallets(base: str, app: OnlineApp, count: int) -> list[Wallet]:
    """Wallet users, each signed in (SIWE) and having approved the app once (consent)."""
    prepared = siwe_messages(base, [Wallet.create() for _ in range(count)], count)
    wallets = [wallet for wallet, _ in prepared]
    requests = [
        _request(
            "POST",
            f"{base}/oauth/siwe/sign-in",
            ["Content-Type: application/json"],
            json.dumps({"message": message, "signature": wallet.sign(message)}).encode(),
        )
        for wallet, message in prepared
    ]
    signed_in = []
    for wallet, answer in zip(wallets, _fetch(base, requests), strict=True):
        if answer is not None:
            signed = json.loads(answer.body)
            wallet.session_token, wallet.csrf_token = signed["session_token"], signed["csrf_token"]
            signed_in.append(wallet)
    consents = []
    for wallet in signed_in:
        _, challenge = pkce_pair()
        form = urlencode({"csrf_token": wallet.csrf_token, "decision": "approve"}).encode()
        consents.append(
            _request(
                "POST",
                _authorize_url(base, app, challenge),
                [f"Authorization: Bearer {wallet.session_token}", f"Content-Type: {FORM}"],
                form,
            )
        )
    answers = _fetch(base, consents, expect=(302,))
    return [w for w, a in zip(signed_in, answers, strict=True) if a is not None]


def _authorize_url(base: str, app: OnlineApp, challenge: str) -> str:
    query = {
        "response_type": "code",
        "client_id": app.app_id,
        "redirect_uri": app.redirect_uri,
        "scope": SCOPE,
        "state": secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{base}/oauth/authorize?{urlencode(query)}"


def mint_codes(
    base: str, app: OnlineApp, wallets: list[Wallet], count: int
) -> list[tuple[str, str]]:
    """Up to ``count`` authorization codes with their PKCE verifiers: consent is remembered, so
    the authorization endpoint redirects with a code at once."""
    pairs = [pkce_pair() for _ in range(count)]
    requests = [
        _request(
            "GET",
            _authorize_url(base, app, challenge),
            [f"Authorization: Bearer {wallets[i % len(wallets)].session_token}"],
        )
        for i, (_, challenge) in enumerate(pairs)
    ]
    codes = []
    for (verifier, _), answer in zip(pairs, _fetch(base, requests, expect=(302,)), strict=True):
        if answer is not None:
            location = answer.header("location") or ""
            codes.append((parse_qs(urlsplit(location).query)["code"][0], verifier))
    return codes


def code_bodies(app: OnlineApp, codes: list[tuple[str, str]]) -> list[str]:
    return [
        urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": app.redirect_uri,
                "code_verifier": verifier,
            }
        )
        for code, verifier in codes
    ]


def exchange(base: str, app: OnlineApp, codes: list[tuple[str, str]]) -> list[dict[str, Any]]:
    requests = [
        _request(
            "POST", f"{base}/oauth/token", [basic_auth(app), f"Content-Type: {FORM}"], b.encode()
        )
        for b in code_bodies(app, codes)
    ]
    return [json.loads(a.body) for a in _fetch(base, requests) if a is not None]


def refresh_bodies(base: str, app: OnlineApp, wallets: list[Wallet], count: int) -> list[str]:
    tokens = exchange(base, app, mint_codes(base, app, wallets, count))
    return [
        urlencode({"grant_type": "refresh_token", "refresh_token": t["refresh_token"]})
        for t in tokens
    ]


# --- the runs --------------------------------------------------------------------------------
class Pools:
    """How many single-use credentials the next run of a scenario needs: the last measured rate
    (or a first guess) over warm-up and duration, with a margin; a one-IP run needs only what
    its rate limit lets through."""

    GUESS = {"refresh": 400.0, "code_exchange": 400.0, "siwe_sign_in": 600.0}

    def __init__(self, duration: float, warmup: float) -> None:
        self.span = duration + warmup
        self.rate = dict(self.GUESS)

    def size(self, scenario: str, mode: str) -> int:
        if mode == "one_ip":
            _, count, period = LIMITS[scenario]
            return int(count + count / period * self.span) + 50
        return int(self.rate[scenario] * self.span * 1.6) + 100

    def learn(self, scenario: str, run: dict[str, Any]) -> None:
        self.rate[scenario] = max(50.0, float(run["ok_rps"]))


def run_scenarios(
    base: str,
    app: OnlineApp,
    wallets: list[Wallet],
    args: argparse.Namespace,
    pools: Pools,
    meter: CpuMeter,
) -> dict[str, dict[str, Any]]:
    """One round: the baseline, then every scenario from one IP and from many."""
    timing = {
        "concurrency": args.concurrency,
        "duration": args.duration,
        "warmup": args.warmup,
        "meter": meter,
    }
    token = exchange(base, app, mint_codes(base, app, wallets[:1], 1))[0]["access_token"]
    out = {"healthz": measured(f"{base}/healthz", **timing)}
    for mode in ("one_ip", "many_ips"):
        post = {
            "method": "POST",
            "forwarded_for": SPREAD if mode == "many_ips" else 0,
            "requeue": (429,),
            **timing,
        }
        client = {"headers": [basic_auth(app)], "content_type": FORM, **post}
        introspection = urlencode({"token": token, "token_type_hint": "access_token"})
        out[f"introspect/{mode}"] = measured(
            f"{base}/oauth/introspect", body=introspection, **client
        )
        refreshes = refresh_bodies(base, app, wallets, pools.size("refresh", mode))
        out[f"refresh/{mode}"] = measured(f"{base}/oauth/token", bodies=refreshes, **client)
        codes = code_bodies(app, mint_codes(base, app, wallets, pools.size("code_exchange", mode)))
        out[f"code_exchange/{mode}"] = measured(f"{base}/oauth/token", bodies=codes, **client)
        sign_ins = sign_in_bodies(base, wallets, pools.size("siwe_sign_in", mode))
        out[f"siwe_sign_in/{mode}"] = measured(
            f"{base}/oauth/siwe/sign-in", bodies=sign_ins, **post
        )
    for name, run in out.items():
        scenario, _, mode = name.partition("/")
        if mode == "many_ips" and scenario in pools.rate:
            pools.learn(scenario, run)
    return out


def measured(url: str, meter: CpuMeter | None = None, **options: Any) -> dict[str, Any]:
    """One load run, with the machine's 1-minute load average before and after it, and the CPU
    the server and PostgreSQL spent per answered request."""
    before = load_average()[0]
    cpu = meter.snapshot() if meter else None
    result = load(url, **options)
    if meter and cpu:
        result.update(meter.per_request_ms(cpu, int(result["answered_with_warmup"])))
    result["load_1m"] = [before, load_average()[0]]
    return result


# --- SIWE verification on one core ----------------------------------------------------------
def verify_rate(seconds: float = 3.0, repeats: int = 3, distinct: int = 2000) -> dict[str, Any]:
    """``siwe.verify`` (parse, field checks, secp256k1 recovery) in a tight loop on one core,
    over distinct signed messages."""
    from chainless.oauth import siwe

    domain = "127.0.0.1:8000"
    now = datetime.now(UTC).replace(microsecond=0)
    signed = []
    for _ in range(distinct):
        wallet = Wallet.create()
        text = siwe.SiweMessage.prepare(
            scheme="http",
            domain=domain,
            address=wallet.address,
            uri=f"http://{domain}",
            chain_id=CHAIN_ID,
            nonce=siwe.generate_nonce(),
            issued_at=now,
            expiration_time=now + timedelta(hours=1),
            statement="Sign in to Chainless.",
        ).to_text()
        signed.append((text, wallet.sign(text), wallet.address))
    rates = []
    for _ in range(repeats):
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for text, signature, address in signed[done % distinct :][:200]:
                verified = siwe.verify(
                    text, signature, domain=domain, chain_ids={CHAIN_ID}, scheme="http"
                )
                assert verified.address == address
                done += 1
        rates.append(done / (time.perf_counter() - started))
    rate = statistics.median(rates)
    return {
        "per_second_per_core": round(rate),
        "microseconds_each": round(1e6 / rate, 1),
        "runs": [round(r) for r in rates],
    }


# --- where the time goes --------------------------------------------------------------------
def profile_introspection(
    base: str, server_pid: int, app: OnlineApp, wallets: list[Wallet], py_spy: str, out: Path
) -> dict[str, Any]:
    """py-spy samples both workers (``--subprocesses``) under the many-IP introspection load.

    Only the thread holding the GIL is sampled, so the shares are of the workers' Python CPU
    time; waiting on PostgreSQL or Redis without the GIL is not in them."""
    token = exchange(base, app, mint_codes(base, app, wallets[:1], 1))[0]["access_token"]
    raw = out.with_suffix(".collapsed")
    seconds = 12
    sampler = subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(server_pid),
            "--subprocesses",
            "--gil",  # the thread holding the GIL: where the Python CPU time goes
            "--nonblocking",
            "--format",
            "raw",
            "--rate",
            "100",
            "--duration",
            str(seconds),
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.0)  # let py-spy attach
    run = load(
        f"{base}/oauth/introspect",
        method="POST",
        headers=[basic_auth(app)],
        body=urlencode({"token": token, "token_type_hint": "access_token"}),
        content_type=FORM,
        forwarded_for=SPREAD,
        duration=seconds - 2,
        warmup=0.5,
    )
    _, errors = sampler.communicate(timeout=60)
    if sampler.returncode != 0 or not raw.exists():
        return {"error": errors.decode()[-2000:]}
    return {"load": run, "collapsed_stacks": str(raw), **top_functions(raw)}


def top_functions(raw: Path, limit: int = 25) -> dict[str, Any]:
    """Self and inclusive shares of the samples per function, from py-spy's collapsed stacks."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        stack = _PROCESS_FRAME.sub("", stack)  # py-spy's first frame names the process
        frames = [_frame_name(f) for f in stack.split(";") if f]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            if not frame.endswith(_PLUMBING):
                inclusive[frame] += count

    def share(counter: collections.Counter[str]) -> list[list[Any]]:
        return [[name, round(100 * n / total, 1)] for name, n in counter.most_common(limit)]

    return {"samples": total, "self_pct": share(own), "inclusive_pct": share(inclusive)}


# frames every sample passes through (threads, processes, the event loop): not worth listing
_PLUMBING = (
    "(threading.py)",
    "(<string>)",
    "(asyncio/runners.py)",
    "(asyncio/base_events.py)",
    "(uvicorn/server.py)",
    "(uvicorn/_compat.py)",
    "(uvicorn/_subprocess.py)",
    "(uvicorn/supervisors/multiprocess.py)",
    "(multiprocessing/process.py)",
    "(multiprocessing/spawn.py)",
    "(anyio/_backends/_asyncio.py)",
)
_PROCESS_FRAME = re.compile(r'^(?:process \d+:"[^"]*";?)+')


def _frame_name(frame: str) -> str:
    """``handle (authlib/oauth2/rfc6749/authorization_server.py:123)`` without the line and the
    site-packages prefix."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{name} ({path})"


# --- the report ------------------------------------------------------------------------------
def summarize(runs: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    summary: dict[str, dict[str, Any]] = {}
    for name in runs[0]:
        series = [r[name] for r in runs]
        row: dict[str, Any] = {
            k: round(statistics.median(float(r[k]) for r in series), 2)
            for k in ("rps", "ok_rps", "p50_ms", "p90_ms", "p99_ms")
        }
        statuses: collections.Counter[str] = collections.Counter()
        for run in series:
            statuses.update(run["statuses"])
        row["statuses"] = dict(sorted(statuses.items()))
        row["load_1m"] = statistics.median(x for r in series for x in r["load_1m"])
        if "server_cpu_ms" in series[0]:
            for key in ("server_cpu_ms", "postgres_cpu_ms"):
                row[key] = round(statistics.median(float(r[key]) for r in series), 3)
            # what two cores could answer if nothing else ran (load generator not counted)
            cost = row["server_cpu_ms"] + row["postgres_cpu_ms"]
            row["cpu_bound_rps_2_cores"] = round(2000 / cost) if cost else None
        if "bodies" in series[0]:
            row["credentials"] = {
                k: sum(int(r["bodies"][k]) for r in series) for k in ("total", "used", "requeued")
            }
            row["pool_exhausted_in_rounds"] = sum(bool(r["bodies"]["exhausted"]) for r in series)
        summary[name] = row
    base = float(summary["healthz"]["ok_rps"]) or 1.0
    for row in summary.values():
        row["ok_vs_healthz"] = round(float(row["ok_rps"]) / base, 3)
    return summary


TARGETS = {
    "introspect/many_ips": "≥1,500 rps, p99 < 50 ms",
    "refresh/many_ips": "≥400 rps",
    "siwe_sign_in/many_ips": "≥1,000/s (in-process verify below)",
}


def markdown(summary: dict[str, dict[str, Any]], verify: dict[str, Any]) -> str:
    lines = [
        "| scenario | client IPs | ok rps (median) | all rps | p50 ms | p99 ms | vs /healthz "
        "| 429s | CPU ms/req server + PG | credentials used/minted | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in summary.items():
        scenario, _, mode = name.partition("/")
        credentials = row.get("credentials")
        used = f"{credentials['used']}/{credentials['total']}" if credentials else "-"
        cells = [
            scenario,
            {"one_ip": "1", "many_ips": str(SPREAD)}.get(mode, "1"),
            row["ok_rps"],
            row["rps"],
            row["p50_ms"],
            row["p99_ms"],
            row["ok_vs_healthz"],
            row["statuses"].get("429", 0),
            f"{row.get('server_cpu_ms', '-')} + {row.get('postgres_cpu_ms', '-')}",
            used,
            TARGETS.get(name, ""),
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines.append(
        f"| siwe.verify in-process | - | {verify['per_second_per_core']} /s/core | - "
        f"| {verify['microseconds_each'] / 1000} | - | - | - | {verify['microseconds_each'] / 1000}"
        " + 0 | - | ≥1,000/s |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=500, help="wallet users (one grant each)")
    parser.add_argument("--profile", action="store_true", help="sample the workers with py-spy")
    parser.add_argument(
        "--route-limit",
        type=int,
        metavar="N",
        help="set the per-IP limits of the measured OAuth routes to N per minute (settings)",
    )
    parser.add_argument("--py-spy", default=os.environ.get("PY_SPY") or shutil.which("py-spy"))
    args = parser.parse_args()

    database_url = scratch_database(DATABASE)
    env = server_env(database_url)
    overrides = {
        "CHAINLESS_OAUTH__CODE_TTL_SECONDS": str(CODE_TTL_SECONDS),
        # 2 workers x (13 + 13 overflow) connections: enough for 25 requests in flight per
        # worker, and leaves room under max_connections=100 for the other runs on the machine
        "CHAINLESS_DATABASE_POOL_SIZE": "13",
        "CHAINLESS_REDIS_URL": REDIS_URL,
    }
    if args.route_limit:
        overrides.update({setting: str(args.route_limit) for setting in LIMIT_SETTINGS.values()})
        for scenario, (name, _count, _period) in LIMITS.items():
            LIMITS[scenario] = (name, args.route_limit, 60)
    env.update(overrides)
    pools = Pools(args.duration, args.warmup)
    runs = []
    profile: dict[str, Any] | None = None
    started = time.monotonic()
    load_at_start = load_average()
    connections_at_start = postgres_connections()
    log_path = Path(tempfile.gettempdir()) / "chainless-bench-oauth-server.log"
    with serve_process(env, workers=2, log_path=log_path) as server:
        base = server.base
        meter = CpuMeter(server.process.pid, DATABASE)
        app = seed_online_app(base, env, database_url)
        wallets = sign_in_wallets(base, app, args.users)
        for _ in range(args.rounds):  # interleaved rounds: drift hits every scenario alike
            runs.append(run_scenarios(base, app, wallets, args, pools, meter))
        if args.profile:
            if not args.py_spy:
                profile = {"error": "py-spy not found (set PY_SPY or put it on PATH)"}
            else:
                out = Path(tempfile.gettempdir()) / "chainless-bench-oauth-introspect"
                profile = profile_introspection(
                    base, server.process.pid, app, wallets, args.py_spy, out
                )
    verify = verify_rate()
    summary = summarize(runs)
    document = {
        "machine": machine(),
        "load_average_start_end": [load_at_start, load_average()],
        "postgres_connections_at_start": connections_at_start,
        "server_log": str(log_path),
        "seeding_requests": dict(SEEDING),
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "rounds": args.rounds,
        "wallet_users": args.users,
        "server": "chainless serve --workers 2, PostgreSQL + Redis",
        "env_overrides": {
            **overrides,
            "CHAINLESS_RATE_LIMITS__PER_IP_PER_MINUTE": env[
                "CHAINLESS_RATE_LIMITS__PER_IP_PER_MINUTE"
            ],
        },
        "route_limits_per_ip": {k: f"{n}/{p}s ({name})" for k, (name, n, p) in LIMITS.items()},
        "wall_time_s": round(time.monotonic() - started),
        "results": summary,
        "siwe_verify_in_process": verify,
        "profile_introspection": profile,
        "runs": runs,
    }
    print(json.dumps(document, indent=2))
    print()
    print(markdown(summary, verify))
    if profile and "self_pct" in profile:
        print()
        print(f"py-spy --gil, introspection ({profile['samples']} samples of the two workers):")
        for title, key in (("self", "self_pct"), ("inclusive", "inclusive_pct")):
            print(f"- top {title}: " + "; ".join(f"{n} {p}%" for n, p in profile[key][:15]))


if __name__ == "__main__":
    main()
