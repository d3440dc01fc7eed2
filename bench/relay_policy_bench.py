"""Benchmark: what the relay does on one core before touching the database — strict decode,
sender recovery and the policy rules (``chainless.chain.relay.policy``, the protocol's validity
checks included: intrinsic gas, block gas limit, fees) — against decoding alone.

Uses the transactions of ``bench.txcodec_bench`` (EIP-1559 ether transfers, ERC-20 transfers,
swaps with an access list), with rules that register both contracts and allow every value, so
each transaction goes through every static check and the daily-limit check. Alternating rounds,
best round of each reported.

Usage: ``.venv/bin/python -m bench.relay_policy_bench [--count 2000] [--rounds 7] [--cpu N]``
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from bench.common import machine
from bench.txcodec_bench import POOL, TOKEN, pin_to_one_cpu, signed_transactions
from chainless.chain.relay.policy import (
    Caps,
    ContractRule,
    DailyLimits,
    RelayRules,
    Usage,
    check_transaction,
    check_usage,
)
from chainless.chain.txcodec import decode

RULES = RelayRules(
    chain_id=8453,
    contracts={
        TOKEN: ContractRule(frozenset({"0xa9059cbb"}), plain_calls=True),
        POOL: ContractRule(None, plain_calls=True),
    },
    caps=Caps(max_value_wei=10**19, max_gas_limit=3_000_000, max_fee_per_gas_wei=10**12),
    limits=DailyLimits(user_tx=10**6, user_value_wei=10**24, app_tx=10**9, app_value_wei=10**27),
)
BLOCK_GAS_LIMIT = 30_000_000  # as ``block_gas`` holds it: no RPC per transaction
USAGE = Usage(user_tx=3, user_value_wei=10**17, app_tx=1000, app_value_wei=10**20)


def decode_only(raws: list[bytes], senders: list[str]) -> int:
    for raw in raws:
        decode(raw)
    return len(raws)


def decode_and_policy(raws: list[bytes], senders: list[str]) -> int:
    refused = 0
    for raw, sender in zip(raws, senders, strict=True):
        tx = decode(raw)
        rejection = check_transaction(tx, RULES, sender, BLOCK_GAS_LIMIT)
        if rejection or check_usage(tx, RULES.limits, USAGE):
            refused += 1  # ether transfers to random addresses: contract_not_registered
    return len(raws)


def best(
    run: Callable[[list[bytes], list[str]], int], raws: list[bytes], senders: list[str], rounds: int
) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run(raws, senders)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cpu", type=int, default=None)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    cpu = pin_to_one_cpu(args.cpu)
    raws, senders = signed_transactions(args.count, args.count, args.seed)
    results: dict[str, float] = {"decode": float("inf"), "decode+policy": float("inf")}
    for _ in range(args.rounds):  # alternate, so both see the same machine
        results["decode"] = min(results["decode"], best(decode_only, raws, senders, 1))
        results["decode+policy"] = min(
            results["decode+policy"], best(decode_and_policy, raws, senders, 1)
        )
    report = {
        "machine": machine(),
        "cpu": cpu,
        "count": args.count,
        "tx_per_second": {k: round(args.count / v) for k, v in results.items()},
        "policy_overhead_us": round(
            (results["decode+policy"] - results["decode"]) / args.count * 1e6, 2
        ),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
