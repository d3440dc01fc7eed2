"""Benchmark: issue 4 (b) alone — the latency the relay adds to a user-signed transaction.

The same stack and measurement as ``bench.relay``'s (b) (anvil with the platform contracts,
``chainless serve`` on a scratch PostgreSQL database, an app seeded over HTTP, one signed-in
wallet user), without the sponsored load of (c): alternating single requests through
``POST /api/v1/relay/transactions`` (timed to the ``202``) and ``eth_sendRawTransaction``
straight to the same anvil, with the api workers' CPU per pair.

Usage: ``.venv/bin/python -m bench.relay_submit [--rounds 3] [--samples 200] [--workers 2]
[--broadcasts api|worker]``.
Prints one JSON line per round and the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import uuid
from contextlib import ExitStack
from typing import Any

from bench.common import (
    CpuMeter,
    drop_database,
    load_average,
    machine,
    scratch_database,
    serve_process,
    server_env,
)
from bench.relay import (
    DATABASE,
    REDIS_URL,
    Meter,
    Stack,
    chains_json,
    job_worker,
    overhead,
    seed_app,
    start_chain,
    wallets_with_tokens,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--block-time", type=float, default=1.0, help="0: automine")
    parser.add_argument(
        "--broadcasts",
        choices=("api", "worker"),
        default="api",
        help="run broadcast jobs on the api workers' embedded job thread, or on a Celery "
        "worker process (as bench.relay does)",
    )
    parser.add_argument("--worker-pool", choices=("prefork", "threads"), default="prefork")
    options = parser.parse_args()
    with ExitStack() as exits:
        node, w3, contracts = start_chain(exits, options.block_time)
        database_name = f"{DATABASE}_{uuid.uuid4().hex[:8]}"
        database_url = scratch_database(database_name)
        exits.callback(drop_database, database_name)  # last, after the processes using it
        env = server_env(database_url)
        env["CHAINLESS_REDIS_URL"] = REDIS_URL
        env["CHAINLESS_CHAINS"] = chains_json(node.rpc_url, contracts["forwarder"].address)
        worker_pid = None
        if options.broadcasts == "worker":
            env["CHAINLESS_TASK_RUNNER"] = "celery"
            worker_pid = exits.enter_context(job_worker(env, 2, options.worker_pool)).pid
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
        user = wallets_with_tokens(stack, 1)[0]
        assert node.pid is not None
        meter = Meter(
            CpuMeter(server.process.pid, database_url.rsplit("/", 1)[1]), node.pid, worker_pid
        )
        rounds: list[dict[str, Any]] = []
        for number in range(options.rounds):
            before = load_average()
            measured = overhead(stack, user, options.samples, meter)
            rounds.append({"round": number, **measured, "load": [before, load_average()]})
            print(json.dumps(rounds[-1]), flush=True)
        print(json.dumps({"machine": machine(), "median": _medians(rounds)}, indent=2))


def _medians(rounds: list[dict[str, Any]]) -> dict[str, float]:
    def med(values: list[float]) -> float:
        return round(statistics.median(values), 2)

    return {
        "relay_p50_ms": med([r["relay_ms"]["p50"] for r in rounds]),
        "raw_p50_ms": med([r["raw_ms"]["p50"] for r in rounds]),
        "added_p50_ms": med([r["added_p50_ms"] for r in rounds]),
        "added_p99_ms": med([r["added_p99_ms"] for r in rounds]),
        "server_cpu_ms_per_pair": med([r["cpu_per_pair_ms"]["server_cpu_ms"] for r in rounds]),
        "postgres_cpu_ms_per_pair": med([r["cpu_per_pair_ms"]["postgres_cpu_ms"] for r in rounds]),
    }


if __name__ == "__main__":
    main()
