"""Benchmark: the transaction relay (issue 4 (a), (b) and (c), in one run).

First (a), the verify path on one core (``bench.relay_policy_bench`` in a pinned process of
its own, before anything else starts). Then it starts anvil (the platform contracts deployed:
forwarder, CRC20, SampleRecipient) and ``chainless serve`` on a scratch PostgreSQL database
with four relayer keys, makes an app online over HTTP (API key, contracts, payment service,
generous limits) and signs wallet users in (SIWE, consent, code exchange) for access tokens with
``transaction:broadcast``. Then:

- ``overhead`` (b): one request at a time, alternating, a user-signed EIP-1559 ``approve``
  submitted through ``POST /api/v1/relay/transactions`` (the time to its ``202``: accepted and
  stored; its broadcast job is published once the answer is out) against the same kind of
  transaction sent with ``eth_sendRawTransaction`` straight to the same anvil
  (which admits it to its pool). Reports p50/p99 of each and the p50/p99 added by the relay.
  From the second round on, (b) starts once the previous round's sponsored transactions are
  tracked (at most 30 s; how many were not is reported as ``unsettled_before``).
- ``sponsored`` (c): ``--concurrency`` raw-asyncio keep-alive connections post EIP-712 forward
  requests (``POST /api/v1/relay/sponsored``) for ``--duration`` seconds, spread over
  ``--users`` wallets. A wallet has one sponsored request in flight at a time (the relay answers
  ``409 sponsored_request_pending`` until it is mined), so a wallet is reused only after its last
  request was tracked; this process plays the scheduler (a tracking pass in a loop, as beat
  would run ``relay.track``). Reports accepted tx/s, errors by code, and how many of the
  accepted transactions the chain mined by the end.

anvil mines a block every ``--block-time`` seconds (1 by default), as a chain does; with 0 it
mines one block per transaction (automine), which no chain does and which makes anvil's CPU per
transaction grow with the chain, on the same two cores as everything measured.

Usage: ``.venv/bin/python -m bench.relay [--rounds 3] [--samples 200] [--duration 20]
[--users 2000] [--concurrency 16] [--verify-rounds 5]``. Prints one JSON document and a
Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from eth_account import Account
from web3 import Web3

from bench import oauth
from bench.common import (
    VENV_BIN,
    CpuMeter,
    OnlineApp,
    cpu_seconds,
    descendants,
    drop_database,
    load_average,
    machine,
    scratch_database,
    seed_online_app,
    serve_process,
    server_env,
)
from bench.loadgen import build_request, read_response
from chainless.chain.contracts import compile_contracts, contract_at, deploy
from chainless.chain.contracts.forwarder import sign_forward_request
from chainless.chain.localnode import LocalChain
from chainless.platform import assembly
from chainless.platform.core.jobs import get_job
from chainless.platform.core.services import build_services, run_job
from chainless.platform.core.settings import Settings

CHAIN_ID = 31337
RELAY_SCOPE = "basic:address basic:user_id transaction:broadcast"
DATABASE = "chainless_bench_relay"
REDIS_URL = os.environ.get("CHAINLESS_BENCH_RELAY_REDIS", "redis://127.0.0.1:6379/12")
RELAYER_ACCOUNTS = (4, 5, 6, 7)  # anvil's; 0 deploys, 1-3 are direct senders
GWEI = 10**9
ETHER = 10**18
# Seconds before a wallet's next sponsored request: the relay refuses it (409) until the last one
# is tracked as mined, which takes a block and a tracking pass (every 3 s, as beat schedules it);
# an app backend learns that from the webhook. Retrying sooner only adds refused requests.
REUSE_AFTER = 4.0
SETTLE_SECONDS = 30.0  # at most, before (b): the previous round's transactions tracked


@dataclass
class Meter:
    """CPU seconds per request of the api workers, their PostgreSQL backends, anvil and the job
    worker (when broadcasts run there): a cost that depends far less on how busy the shared
    machine is than latency or throughput."""

    server: CpuMeter
    anvil_pid: int
    worker_pid: int | None = None

    def _others(self) -> tuple[float, float]:
        anvil = cpu_seconds([self.anvil_pid]).get(self.anvil_pid, 0.0)
        if self.worker_pid is None:
            return anvil, 0.0
        tree = [self.worker_pid, *descendants(self.worker_pid)]
        return anvil, sum(cpu_seconds(tree).values())

    def start(self) -> tuple[Any, tuple[float, float]]:
        return self.server.snapshot(), self._others()

    def per_request_ms(
        self, before: tuple[Any, tuple[float, float]], requests: int
    ) -> dict[str, float]:
        used = self.server.per_request_ms(before[0], requests)
        anvil, worker = (now - then for now, then in zip(self._others(), before[1], strict=True))
        used["anvil_cpu_ms"] = round(1000 * anvil / max(1, requests), 3)
        used["worker_cpu_ms"] = round(1000 * worker / max(1, requests), 3)
        return used


@contextmanager
def job_worker(
    env: dict[str, str], concurrency: int, pool: str = "prefork"
) -> Iterator[subprocess.Popen[bytes]]:
    """``chainless worker`` (Celery on the benchmark's Redis): the broadcasts run there, and the
    api workers only accept (``CHAINLESS_TASK_RUNNER=celery``, the production topology)."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [
                str(VENV_BIN / "chainless"),
                "worker",
                "--concurrency",
                str(concurrency),
                "--pool",
                pool,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


@dataclass
class Stack:
    base: str
    rpc_url: str
    w3: Web3
    api_key: str
    token: Any  # CRC20
    recipient: Any  # SampleRecipient
    forwarder: Any
    database_url: str
    env: dict[str, str]
    app: OnlineApp | None = None


def chains_json(rpc_url: str, forwarder: str) -> str:
    chain = {
        "chain_id": CHAIN_ID,
        "rpc_urls": [rpc_url],
        "confirmations": 1,
        "forwarder_address": forwarder,
    }
    return json.dumps({"dev": chain, "test": chain, "prod": chain})


def seed_app(base: str, env: dict[str, str], database_url: str, stack: Stack) -> None:
    app = seed_online_app(base, env, database_url, scopes=tuple(RELAY_SCOPE.split()))
    headers = {"Authorization": f"Bearer {app.developer_token}"}
    with httpx.Client(base_url=base, timeout=30, headers=headers) as client:

        def ok(response: httpx.Response) -> dict[str, Any]:
            assert response.is_success, f"{response.request.url}: {response.text}"
            return dict(response.json())

        key = ok(
            client.post(
                f"/api/v1/apps/{app.app_id}/api-keys",
                json={
                    "name": "bench",
                    "environment": "dev",
                    "scopes": ["transaction:write"],
                    "rate_limit": {"calls": 100_000, "per": "minute"},
                },
            )
        )
        for name, contract in (("Token", stack.token), ("Recipient", stack.recipient)):
            ok(
                client.put(
                    f"/api/v1/apps/{app.app_id}/contracts/dev/{contract.address}",
                    json={"name": name, "abi": contract.abi, "method_allowlist": []},
                )
            )
        ok(
            client.put(
                f"/api/v1/apps/{app.app_id}/payment",
                json={"enabled": True, "gas_budget_wei": str(10_000 * ETHER)},
            )
        )
        ok(
            client.put(
                f"/api/v1/apps/{app.app_id}/relay/policy",
                json={
                    "max_value_wei": str(ETHER),
                    "max_gas_limit": 3_000_000,
                    "max_fee_per_gas_wei": str(500 * GWEI),
                    "user_daily_tx_limit": 1_000_000,
                    "user_daily_value_wei": str(10**24),
                    "app_daily_tx_limit": 100_000_000,
                    "app_daily_value_wei": str(10**27),
                    "user_burst_per_minute": 1_000_000,
                    "app_burst_per_minute": 10_000_000,
                },
            )
        )
    stack.api_key = str(key["key"])
    stack.app = app


def wallets_with_tokens(stack: Stack, count: int) -> list[tuple[oauth.Wallet, str]]:
    """Wallet users who approved the app, each with an access token for it."""
    oauth.SCOPE = RELAY_SCOPE  # the consent and the codes ask for the relay's scope
    app = stack.app
    assert app is not None
    wallets = oauth.sign_in_wallets(stack.base, app, count)
    paired = []
    for wallet in wallets:  # one code each, in order, so every token is the wallet's own
        tokens = oauth.exchange(stack.base, app, oauth.mint_codes(stack.base, app, [wallet], 1))
        if tokens:
            paired.append((wallet, str(tokens[0]["access_token"])))
    return paired


# --- (b) relay overhead ----------------------------------------------------------------------


def signed_approve(stack: Stack, key: bytes, nonce: int) -> str:
    data = stack.token.encode_abi("approve", args=[stack.forwarder.address, nonce + 1])
    raw = Account.sign_transaction(
        {
            "type": 2,
            "chainId": CHAIN_ID,
            "nonce": nonce,
            "to": stack.token.address,
            "value": 0,
            "gas": 100_000,
            "maxFeePerGas": 50 * GWEI,
            "maxPriorityFeePerGas": 1 * GWEI,
            "data": data,
        },
        key,
    ).raw_transaction
    return "0x" + bytes(raw).hex()


def overhead(
    stack: Stack, relay_user: tuple[oauth.Wallet, str], samples: int, meter: Meter
) -> dict[str, Any]:
    """Alternating single requests: through the relay, and straight to anvil."""
    wallet, token = relay_user
    direct = Account.create()
    for address in (wallet.address, direct.address):
        stack.w3.provider.make_request("anvil_setBalance", [address, hex(100 * ETHER)])  # type: ignore[arg-type]
    relay_key = wallet.key.secret
    # pending: the previous round's last transactions may wait for the next block
    relay_nonce = stack.w3.eth.get_transaction_count(wallet.address, "pending")  # type: ignore[arg-type]
    direct_nonce = stack.w3.eth.get_transaction_count(direct.address)
    relayed, raw_sent, failures = [], [], Counter[str]()
    headers = {"X-API-Key": stack.api_key, "Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=stack.base, headers=headers, timeout=30) as api,
        httpx.Client(timeout=30) as node,
    ):
        before = meter.start()
        for number in range(samples + 10):  # the first 10 warm up
            body = {"raw_transaction": signed_approve(stack, relay_key, relay_nonce)}
            started = time.perf_counter()
            answer = api.post("/api/v1/relay/transactions", json=body)
            took = time.perf_counter() - started
            if answer.status_code == 202:
                relay_nonce += 1
                if number >= 10:
                    relayed.append(took * 1000)
            elif answer.status_code == 200:  # submitted before: its nonce is taken
                failures["relay 200 submitted before"] += 1
                relay_nonce += 1
            else:
                failures[f"relay {answer.status_code} {answer.json().get('code')}"] += 1
                relay_nonce = stack.w3.eth.get_transaction_count(wallet.address, "pending")  # type: ignore[arg-type]
            raw = signed_approve(stack, direct.key, direct_nonce)
            payload = {"jsonrpc": "2.0", "id": number, "method": "eth_sendRawTransaction"}
            started = time.perf_counter()
            sent = node.post(stack.rpc_url, json={**payload, "params": [raw]}).json()
            took = time.perf_counter() - started
            if "result" in sent:
                direct_nonce += 1
                if number >= 10:
                    raw_sent.append(took * 1000)
            else:
                failures[f"node {sent.get('error')}"] += 1
    cpu = meter.per_request_ms(before, samples + 10)  # per pair: one relayed, one raw
    return {
        "cpu_per_pair_ms": cpu,
        "relay_ms": percentiles(relayed),
        "raw_ms": percentiles(raw_sent),
        "added_p50_ms": round(pct(relayed, 50) - pct(raw_sent, 50), 2),
        "added_p99_ms": round(pct(relayed, 99) - pct(raw_sent, 99), 2),
        "failures": dict(failures),
    }


def pct(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def percentiles(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": round(pct(values, 50), 2), "p99": round(pct(values, 99), 2)}


# --- (c) sustained sponsored throughput ------------------------------------------------------


@dataclass
class Sponsor:
    wallet: oauth.Wallet
    token: str
    nonce: int = 0
    ready_at: float = 0.0
    bodies: dict[int, bytes] = field(default_factory=dict)


def forward_body(stack: Stack, sponsor: Sponsor, nonce: int) -> bytes:
    data = stack.recipient.encode_abi("sign", args=[f"bench {sponsor.wallet.address} {nonce}"])
    request = {
        "from": sponsor.wallet.address,
        "to": stack.recipient.address,
        "value": 0,
        "gas": 200_000,
        "nonce": nonce,
        "deadline": int(time.time()) + 3600,
        "data": data,
    }
    signature = sign_forward_request(
        sponsor.wallet.key.secret, stack.forwarder.address, CHAIN_ID, request
    )
    wire = {k: (str(v) if isinstance(v, int) else v) for k, v in request.items()}
    return json.dumps({"request": wire, "signature": "0x" + signature.hex()}).encode()


async def sponsored_load(
    stack: Stack, sponsors: list[Sponsor], duration: float, concurrency: int, meter: Meter
) -> dict[str, Any]:
    parts = httpx.URL(stack.base)
    queue = deque(sponsors)
    accepted: list[str] = []
    errors: Counter[str] = Counter()
    busy = Counter[str]()
    busy_at = Counter[int]()
    started_at = time.monotonic()
    latencies: list[float] = []
    end = time.monotonic() + duration

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(parts.host, parts.port)
        try:
            while time.monotonic() < end:
                if not queue or queue[0].ready_at > time.monotonic():
                    await asyncio.sleep(0.01)
                    continue
                sponsor = queue.popleft()
                body = sponsor.bodies.pop(sponsor.nonce, None) or forward_body(
                    stack, sponsor, sponsor.nonce
                )
                headers = [
                    "Content-Type: application/json",
                    f"X-API-Key: {stack.api_key}",
                    f"Authorization: Bearer {sponsor.token}",
                ]
                request = build_request(
                    "POST", f"{stack.base}/api/v1/relay/sponsored", headers, body
                )
                started = time.monotonic()
                try:
                    writer.write(request)
                    await writer.drain()
                    answer = await read_response(reader)
                except (ConnectionError, asyncio.IncompleteReadError):
                    # the server closed an idle keep-alive connection: the same request again
                    # on a new one (if it was accepted, the relay answers 409 for it)
                    errors["reconnected"] += 1
                    sponsor.bodies[sponsor.nonce] = body
                    queue.append(sponsor)
                    writer.close()
                    reader, writer = await asyncio.open_connection(parts.host, parts.port)
                    continue
                latencies.append((time.monotonic() - started) * 1000)
                if answer.status == 202:
                    accepted.append(json.loads(answer.body)["hash"])
                    sponsor.nonce += 1
                    sponsor.ready_at = time.monotonic() + REUSE_AFTER
                else:
                    problem = json.loads(answer.body) if answer.body else {}
                    code = problem.get("code")
                    if code == "stale_nonce":
                        sponsor.nonce = int(problem["expected_nonce"])
                    else:
                        sponsor.bodies[sponsor.nonce] = body  # the same request, later
                    if code in ("sponsored_request_pending", "stale_nonce"):
                        busy[str(code)] += 1  # its last one is not tracked yet
                        busy_at[int(time.monotonic() - started_at)] += 1
                    else:
                        errors[f"{answer.status} {code}"] += 1
                    sponsor.ready_at = time.monotonic() + REUSE_AFTER / 2
                queue.append(sponsor)
        finally:
            writer.close()

    started = time.monotonic()
    before = meter.start()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    elapsed = time.monotonic() - started
    return {
        "cpu_per_accepted_ms": meter.per_request_ms(before, len(accepted)),
        "accepted": len(accepted),
        "seconds": round(elapsed, 2),
        "tx_per_s": round(len(accepted) / elapsed, 1),
        "errors": dict(errors),
        "busy_409": dict(busy),
        "busy_409_by_second": dict(sorted(busy_at.items())),
        "latency_ms": percentiles(latencies),
        "hashes": accepted,
    }


def presign(stack: Stack, sponsors: list[Sponsor], expected: float) -> None:
    """The next requests of every wallet, signed before the clock starts (EIP-712 signing is
    the app backend's and its users' cost, not the relay's)."""
    ahead = int(expected // max(len(sponsors), 1)) + 2
    for sponsor in sponsors:
        for nonce in range(sponsor.nonce, sponsor.nonce + ahead):
            if nonce not in sponsor.bodies:
                sponsor.bodies[nonce] = forward_body(stack, sponsor, nonce)


class Tracker:
    """The scheduler's part: tracking passes in a loop on the server's database."""

    def __init__(self, env: dict[str, str]) -> None:
        assembly.install()
        settings = Settings(
            mode="test",
            database_url=env["CHAINLESS_DATABASE_URL"],
            chains=json.loads(env["CHAINLESS_CHAINS"]),
            start_local_chain=False,
        )
        self.services = build_services(settings)
        self.stop = threading.Event()
        self.passes = 0
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        track = get_job("relay.track")
        while not self.stop.is_set():
            try:
                run_job(self.services, track, {})
                self.passes += 1
            except Exception as error:  # a pass failing is reported, the next one tries again
                print(f"tracking pass failed: {error!r}")
            self.stop.wait(0.3)

    def __enter__(self) -> Tracker:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


def settle(database_url: str, hashes: list[str]) -> int:
    """Wait (up to ``SETTLE_SECONDS``) until the earlier rounds' sponsored transactions are
    tracked, so that (b) measures a relay at rest against a node at rest, as it would with no
    (c) before it; answers how many were still in flight when (b) started."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        states = mined_count(database_url, hashes) if hashes else Counter[str]()
        waiting = sum(n for state, n in states.items() if state in ("received", "submitted"))
        if not waiting or time.monotonic() > deadline:
            return waiting
        time.sleep(0.5)


def outcome(database_url: str, hashes: list[str]) -> dict[str, Any]:
    """After the last round: every accepted sponsored transaction's final state (none lost), and
    that no hash and no relayer nonce was used twice (none duplicated)."""
    import psycopg

    unsettled = settle(database_url, hashes)
    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as connection:
        rows, distinct_nonces, relayers = connection.execute(
            "SELECT count(*), count(DISTINCT (relayer, nonce)), count(DISTINCT relayer) "
            "FROM relayed_transactions WHERE kind = 'sponsored'"
        ).fetchone() or (0, 0, 0)
    return {
        "accepted": len(hashes),
        "distinct_hashes": len(set(hashes)),
        "sponsored_rows": rows,
        "distinct_relayer_nonces": distinct_nonces,
        "relayers_used": relayers,
        "states": dict(mined_count(database_url, hashes)),
        "still_in_flight_after_settling": unsettled,
    }


def mined_count(database_url: str, hashes: list[str]) -> Counter[str]:
    import psycopg

    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as connection:
        rows = connection.execute(
            "SELECT state, count(*) FROM relayed_transactions WHERE hash = ANY(%s) GROUP BY 1",
            (hashes,),
        ).fetchall()
    return Counter({str(state): int(n) for state, n in rows})


# --- the run ---------------------------------------------------------------------------------


def start_chain(
    stack_exit: ExitStack, block_time: float = 0.0
) -> tuple[LocalChain, Web3, dict[str, Any]]:
    """anvil with the platform contracts; ``block_time`` seconds between blocks (0: automine,
    a block per transaction)."""
    node = stack_exit.enter_context(LocalChain(accounts=10, block_time=block_time or None))
    w3 = Web3(Web3.HTTPProvider(node.rpc_url))
    owner = node.accounts[0]
    compiled = compile_contracts()

    def put(name: str, *args: object) -> Any:
        address = deploy(w3, name, *args, private_key=owner.private_key, contracts=compiled)
        return contract_at(w3, name, address, compiled)

    forwarder = put("ChainlessForwarder")
    contracts = {
        "forwarder": forwarder,
        "token": put("CRC20", "Bench Coin", "BNC", 10**27, owner.address, forwarder.address),
        "recipient": put("SampleRecipient", forwarder.address),
    }
    return node, w3, contracts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=200, help="(b) requests per path a round")
    parser.add_argument("--duration", type=float, default=20.0, help="(c) seconds a round")
    parser.add_argument(
        "--users",
        type=int,
        default=2000,
        help="(c) sponsored wallets: enough that none comes back within the tracking cadence",
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--broadcasts",
        choices=("worker", "api"),
        default="worker",
        help="run broadcast jobs on a Celery worker process (production), or on the api "
        "workers' embedded job thread",
    )
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--worker-pool", choices=("prefork", "threads"), default="prefork")
    parser.add_argument("--verify-rounds", type=int, default=5, help="(a) alternating rounds")
    parser.add_argument(
        "--block-time",
        type=float,
        default=1.0,
        help="seconds between anvil's blocks, as on a chain (0: automine, a block per "
        "transaction, which no chain does and which makes anvil's CPU per transaction grow)",
    )
    options = parser.parse_args()

    verified = verify_path(options.verify_rounds)
    print(json.dumps({"verify_path": verified}), flush=True)
    with ExitStack() as exits:
        node, w3, contracts = start_chain(exits, options.block_time)
        relayer_keys = [node.accounts[i].private_key for i in RELAYER_ACCOUNTS]
        database_name = f"{DATABASE}_{uuid.uuid4().hex[:8]}"
        database_url = scratch_database(database_name)
        exits.callback(drop_database, database_name)  # last, after the processes using it
        env = server_env(database_url)
        env.update(
            {
                "CHAINLESS_REDIS_URL": REDIS_URL,
                "CHAINLESS_CHAINS": chains_json(node.rpc_url, contracts["forwarder"].address),
                "CHAINLESS_RELAY__RELAYER_KEYS": json.dumps({"dev": relayer_keys}),
                "CHAINLESS_RATE_LIMITS__SIWE_SIGN_IN_PER_IP_PER_MINUTE": "1000000",
                "CHAINLESS_RATE_LIMITS__SIWE_NONCE_PER_IP_PER_MINUTE": "1000000",
                "CHAINLESS_RATE_LIMITS__OAUTH_TOKEN_PER_IP_PER_MINUTE": "1000000",
                "CHAINLESS_RATE_LIMITS__OAUTH_AUTHORIZE_PER_IP_PER_MINUTE": "1000000",
            }
        )
        worker_pid = None
        if options.broadcasts == "worker":
            env["CHAINLESS_TASK_RUNNER"] = "celery"
            worker = exits.enter_context(
                job_worker(env, options.worker_concurrency, options.worker_pool)
            )
            worker_pid = worker.pid
        server = exits.enter_context(serve_process(env, workers=options.workers))
        stack = Stack(
            base=server.base,
            rpc_url=node.rpc_url,
            w3=w3,
            api_key="",
            token=contracts["token"],
            recipient=contracts["recipient"],
            forwarder=contracts["forwarder"],
            database_url=database_url,
            env=env,
        )
        seed_app(server.base, env, database_url, stack)
        users = wallets_with_tokens(stack, options.users + 1)
        sponsors = [Sponsor(wallet, token) for wallet, token in users[1:]]
        tracker = exits.enter_context(Tracker(env))
        assert node.pid is not None
        meter = Meter(
            CpuMeter(server.process.pid, database_url.rsplit("/", 1)[1]), node.pid, worker_pid
        )

        rounds: list[dict[str, Any]] = []
        accepted: list[str] = []
        for number in range(options.rounds):
            unsettled = settle(database_url, accepted)
            loads = [load_average()]
            measured = overhead(stack, users[0], options.samples, meter)
            measured["unsettled_before"] = unsettled
            presign(stack, sponsors, 150 * options.duration)
            sustained = asyncio.run(
                sponsored_load(stack, sponsors, options.duration, options.concurrency, meter)
            )
            time.sleep(3)  # the last ones tracked
            hashes = sustained.pop("hashes")
            accepted += hashes
            sustained["states_after"] = dict(mined_count(database_url, hashes))
            loads.append(load_average())
            rounds.append(
                {"round": number, "overhead": measured, "sponsored": sustained, "load": loads}
            )
            print(json.dumps(rounds[-1]), flush=True)
        report = summarize(rounds)
        report["verify_path"] = verified
        report["at_the_end"] = outcome(database_url, accepted)
        report["machine"] = machine()
        report["tracking_passes"] = tracker.passes
        report["broadcasts"] = options.broadcasts
        report["block_time_s"] = options.block_time
        print(json.dumps(report, indent=2))
        print(markdown(report))
        print(f"at the end: {json.dumps(report['at_the_end'])}")


def verify_path(rounds: int) -> dict[str, Any]:
    """(a): ``bench.relay_policy_bench`` in a process of its own pinned to one core (decode +
    recover + policy against decode + recover alone), run first, on a machine at rest."""
    done = subprocess.run(
        [str(VENV_BIN / "python"), "-m", "bench.relay_policy_bench", "--rounds", str(rounds)],
        check=True,
        capture_output=True,
        text=True,
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def summarize(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    def med(path: tuple[str, ...]) -> float:
        values = []
        for r in rounds:
            value: Any = r
            for key in path:
                value = value[key]
            values.append(float(value))
        return round(statistics.median(values), 2)

    return {
        "rounds": rounds,
        "median": {
            "relay_p50_ms": med(("overhead", "relay_ms", "p50")),
            "relay_p99_ms": med(("overhead", "relay_ms", "p99")),
            "raw_p50_ms": med(("overhead", "raw_ms", "p50")),
            "raw_p99_ms": med(("overhead", "raw_ms", "p99")),
            "added_p50_ms": med(("overhead", "added_p50_ms")),
            "added_p99_ms": med(("overhead", "added_p99_ms")),
            "sponsored_tx_per_s": med(("sponsored", "tx_per_s")),
            "sponsored_p50_ms": med(("sponsored", "latency_ms", "p50")),
            "sponsored_p99_ms": med(("sponsored", "latency_ms", "p99")),
            "sponsored_server_cpu_ms": med(("sponsored", "cpu_per_accepted_ms", "server_cpu_ms")),
            "sponsored_postgres_cpu_ms": med(
                ("sponsored", "cpu_per_accepted_ms", "postgres_cpu_ms")
            ),
            "sponsored_anvil_cpu_ms": med(("sponsored", "cpu_per_accepted_ms", "anvil_cpu_ms")),
            "sponsored_worker_cpu_ms": med(("sponsored", "cpu_per_accepted_ms", "worker_cpu_ms")),
            "pair_server_cpu_ms": med(("overhead", "cpu_per_pair_ms", "server_cpu_ms")),
            "pair_anvil_cpu_ms": med(("overhead", "cpu_per_pair_ms", "anvil_cpu_ms")),
        },
    }


def markdown(report: dict[str, Any]) -> str:
    m = report["median"]
    verify = report["verify_path"]["tx_per_second"]
    rows = [
        (
            "(a) verify path, tx/s on one core: decode + recover + policy (decode + recover)",
            f"{verify['decode+policy']} ({verify['decode']})",
            "≥ 3,000",
        ),
        ("relay submit (202) p50 / p99 ms", f"{m['relay_p50_ms']} / {m['relay_p99_ms']}", ""),
        ("raw eth_sendRawTransaction p50 / p99 ms", f"{m['raw_p50_ms']} / {m['raw_p99_ms']}", ""),
        (
            "added by the relay p50 / p99 ms",
            f"{m['added_p50_ms']} / {m['added_p99_ms']}",
            "≤ 5 ms p50",
        ),
        ("sponsored tx/s (4 relayer keys)", str(m["sponsored_tx_per_s"]), "≥ 100"),
        (
            "sponsored CPU ms per tx: api / job worker / PostgreSQL / anvil",
            f"{m['sponsored_server_cpu_ms']} / {m['sponsored_worker_cpu_ms']} / "
            f"{m['sponsored_postgres_cpu_ms']} / {m['sponsored_anvil_cpu_ms']}",
            "",
        ),
        (
            "sponsored request p50 / p99 ms",
            f"{m['sponsored_p50_ms']} / {m['sponsored_p99_ms']}",
            "",
        ),
    ]
    lines = ["| measure | median of rounds | target |", "|---|---|---|"]
    return "\n".join(lines + [f"| {a} | {b} | {c} |" for a, b, c in rows])


if __name__ == "__main__":
    main()
