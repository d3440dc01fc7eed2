"""Benchmark: strict decode + sender recovery of signed EIP-1559 transactions on one core.

Pre-generates ``--count`` signed EIP-1559 transactions (ETH transfers, ERC-20 transfers and larger
calls with an access list), each from its own key unless ``--senders`` says otherwise, so the
decoder's address-checksum cache helps only with the two popular contracts. Then, in the same run
and on the same raw bytes, it times

- ``chainless.chain.txcodec.decode(raw)`` — strict decoding, hash and sender recovery;
- ``Account.recover_transaction(raw)`` — the baseline: eth_account's own decoding and recovery.

Each is timed ``--rounds`` times over all transactions, the two alternating round by round, and
the best round of each is reported (the least disturbed by the rest of the machine). The process is
pinned to one CPU when the OS allows it. Prints one JSON document and a Markdown table; the ratio
is what to compare across machines.

Usage: ``.venv/bin/python -m bench.txcodec_bench [--count 2000] [--rounds 5] [--cpu N]``
(``--help`` lists the rest).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from eth_account import Account
from eth_utils import to_checksum_address

from bench.common import machine
from chainless.chain.txcodec import decode

ERC20_TRANSFER = bytes.fromhex("a9059cbb")
SWAP = bytes.fromhex("38ed1739")
TOKEN = to_checksum_address("0x" + "5e" * 20)
POOL = to_checksum_address("0x" + "7a" * 20)


def pin_to_one_cpu(cpu: int | None) -> int | None:
    if not hasattr(os, "sched_setaffinity"):
        return None
    chosen = cpu if cpu is not None else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {chosen})
    return chosen


def transaction(rng: random.Random, nonce: int) -> dict[str, Any]:
    shape = rng.choice(["eth", "erc20", "swap"])
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": 8453,
        "nonce": nonce,
        "maxPriorityFeePerGas": rng.randint(10**6, 2 * 10**9),
        "maxFeePerGas": rng.randint(2 * 10**9, 10**11),
        "gas": 21_000,
        "to": to_checksum_address(rng.randbytes(20)) if shape == "eth" else TOKEN,
        "value": rng.randint(0, 10**18) if shape == "eth" else 0,
        "data": b"",
    }
    if shape == "erc20":
        tx |= {"gas": 65_000, "data": ERC20_TRANSFER + rng.randbytes(64)}
    elif shape == "swap":
        pool = {"address": POOL, "storageKeys": ["0x" + rng.randbytes(32).hex()]}
        tx |= {"gas": 250_000, "data": SWAP + rng.randbytes(256), "accessList": [pool]}
    return tx


def signed_transactions(count: int, distinct: int, seed: int) -> tuple[list[bytes], list[str]]:
    rng = random.Random(seed)
    keys = [Account.from_key(rng.randbytes(32)) for _ in range(distinct)]
    raws: list[bytes] = []
    senders: list[str] = []
    for nonce in range(count):
        account = keys[nonce % len(keys)]
        raws.append(bytes(account.sign_transaction(transaction(rng, nonce)).raw_transaction))
        senders.append(account.address)
    return raws, senders


def best_rounds(
    contenders: Mapping[str, Callable[[bytes], object]], raws: list[bytes], rounds: int
) -> dict[str, float]:
    """Best wall time per contender; rounds alternate so that load changes hit both alike."""
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, work in contenders.items():
            started = time.perf_counter()
            for raw in raws:
                work(raw)
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cpu", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1559)
    parser.add_argument(
        "--senders", type=int, default=None, help="distinct signing keys (default: one per tx)"
    )
    args = parser.parse_args()

    cpu = pin_to_one_cpu(args.cpu)
    raws, senders = signed_transactions(args.count, args.senders or args.count, args.seed)
    for raw, sender in zip(raws, senders, strict=True):  # both must agree before timing
        assert decode(raw).sender == sender == Account.recover_transaction(raw)

    baseline = "eth_account Account.recover_transaction (baseline)"
    contenders = {
        "txcodec.decode (strict decode + recover)": decode,
        baseline: Account.recover_transaction,
    }
    best = best_rounds(contenders, raws, args.rounds)
    results: list[dict[str, Any]] = [
        {
            "name": name,
            "tx_per_s": len(raws) / seconds,
            "us_per_tx": seconds / len(raws) * 1e6,
            "vs_baseline": best[baseline] / seconds,
        }
        for name, seconds in best.items()
    ]

    print(
        json.dumps(
            {
                "machine": machine(),
                "pinned_cpu": cpu,
                "count": len(raws),
                "senders": len(set(senders)),
                "rounds": args.rounds,
                "avg_raw_bytes": sum(map(len, raws)) / len(raws),
                "results": results,
            },
            indent=2,
        )
    )
    print()
    print("| implementation | tx/s (best round) | µs/tx | vs baseline |")
    print("|---|---|---|---|")
    for result in results:
        print(
            f"| {result['name']} | {result['tx_per_s']:,.0f} | {result['us_per_tx']:.1f} "
            f"| {result['vs_baseline']:.2f}x |"
        )


if __name__ == "__main__":
    main()
