"""Benchmark: the wallet bridge of ``@chainless/sdk`` in Chromium (issue 15).

The browser tests' test wallet host (``tests/sdk_js/pages``, bundled with the built SDK) frames
the test mini-program from another origin; in bench mode the mini-program times, in the same
iframe, ``--calls`` ``sdk.provider.request({method: "eth_chainId"})`` calls (handshake done,
answered by the host at once) against as many bare ``postMessage`` round trips to the same host
(it echoes ``{type: "echo"}``), in alternating blocks of 100 after a warm-up of 50 each. The
pages are served cross-origin isolated (COOP/COEP), so ``performance.now()`` has 5 µs steps
instead of 100 µs. Each round is a fresh page; the figures are pooled over the rounds, and the
overhead is the bridge's p50 minus the echo's (target ≤ 1 ms).

Also the bundle size: the ESM build with everything imported, minified, gzip
(``sdk-js/scripts/size.mjs``; target ≤ 12 kB).

Usage: ``.venv/bin/python -m bench.sdk_bridge [--calls 1000] [--rounds 3]`` (after ``make
setup``). Prints one JSON document and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from playwright.sync_api import sync_playwright

from bench.common import ROOT, load_average, machine
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.sdk_js.served_pages import build_pages, serve_folder

ISOLATED_HOST = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "cross-origin",
}
ISOLATED_APP = {
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "cross-origin",
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 4),
        "p99_ms": round(percentile(values, 0.99), 4),
        "mean_ms": round(statistics.fmean(values), 4),
    }


def bundle_size() -> dict[str, Any]:
    out = subprocess.run(
        ["node", "scripts/size.mjs"],
        cwd=ROOT / "sdk-js",
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = re.search(r"(\d+) bytes minified, (\d+) bytes gzip \(budget (\d+)\)", out)
    assert found, out
    minified, gzip, budget = (int(g) for g in found.groups())
    return {"minified_bytes": minified, "gzip_bytes": gzip, "budget_bytes": budget}


def run_round(browser: Any, host_origin: str, app_origin: str, calls: int) -> dict[str, Any]:
    app = f"{app_origin}/app.html?{urlencode({'app_id': 'app_bench', 'bench': calls})}"
    page = browser.new_page()
    page.goto(f"{host_origin}/host.html?{urlencode({'app': app, 'app_id': 'app_bench'})}")
    frame = page.wait_for_selector("iframe").content_frame()
    assert frame is not None
    frame.wait_for_function("() => window.benchResult !== undefined", timeout=120_000)
    result: dict[str, Any] = frame.evaluate("() => window.benchResult")
    page.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="chainless-sdk-bench-"))
    bridge: list[float] = []
    echo: list[float] = []
    rounds = []
    try:
        pages = build_pages(scratch)
        with (
            serve_folder(pages, ISOLATED_HOST) as host_origin,
            serve_folder(pages, ISOLATED_APP) as app_origin,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(args.rounds):
                got = run_round(browser, host_origin, app_origin, args.calls)
                bridge += got["bridge"]
                echo += got["echo"]
                rounds.append(
                    {
                        "bridge_p50_ms": round(statistics.median(got["bridge"]), 4),
                        "echo_p50_ms": round(statistics.median(got["echo"]), 4),
                        "isolated": got["isolated"],
                    }
                )
            version = browser.version
            browser.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    report = {
        "machine": machine(),
        "load_average": load_average(),
        "chromium": version,
        "calls_per_round": args.calls,
        "rounds": rounds,
        "bridge_eth_chainId": summary(bridge),
        "postMessage_echo": summary(echo),
        "overhead_p50_ms": round(statistics.median(bridge) - statistics.median(echo), 4),
        "overhead_p99_ms": round(percentile(bridge, 0.99) - percentile(echo, 0.99), 4),
        "bundle": bundle_size(),
    }
    print(json.dumps(report, indent=2))
    b, e, size = report["bridge_eth_chainId"], report["postMessage_echo"], report["bundle"]
    print("\n| path | p50 | p99 | mean |\n|---|---|---|---|")
    print(f"| bridge `eth_chainId` | {b['p50_ms']} ms | {b['p99_ms']} ms | {b['mean_ms']} ms |")
    print(f"| bare postMessage echo | {e['p50_ms']} ms | {e['p99_ms']} ms | {e['mean_ms']} ms |")
    print(
        f"\noverhead p50 {report['overhead_p50_ms']} ms (target ≤ 1 ms); bundle "
        f"{size['gzip_bytes']} B gzip (budget {size['budget_bytes']})"
    )


if __name__ == "__main__":
    main()
