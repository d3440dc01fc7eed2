"""Benchmark: the console's cold page loads in Chromium, and the JavaScript each page ships
(issue 14: first load ≤ 200 kB gzip of JavaScript, interactive ≤ 1 s on localhost).

Starts the real platform (the api's app, one uvicorn worker, on a scratch PostgreSQL database and
Redis, migrated by ``chainless db upgrade``), registers a developer with a confirmed email and one
app, signs them in (console session cookie), then loads in Debian's Chromium (Playwright,
``executable_path=/usr/bin/chromium``), each time in a new browser context (empty cache):

- ``/console/sign-in`` — the console's first page;
- ``/console/apps/<id>/deployments`` — signed in (until the deployments page is merged it is the
  console's not-found page; whichever renders is measured, and its heading is reported);
- the baseline: one static HTML page of the same size as the sign-in page with everything it
  loads (index.html + its script and stylesheet), with its heading in the markup, served by the
  same server process (one extra route on the same app, same middleware).

Per load: Navigation Timing's ``domInteractive`` and ``loadEventEnd`` and the time until the
page's ``h1`` is visible (a MutationObserver installed before the page's own scripts), all from
the navigation's start. Runs are interleaved (baseline, sign-in, deployments, rotating the
order), after one warm-up round that is not counted; medians and p90. The JavaScript shipped
is the gzip size (level 9, like Vite's report) of each ``/console/assets/*.js`` the page
requested, read from the build output.

Prints one JSON document and a Markdown table and writes the JSON to
``bench/results/console-<UTC time>.json``. Usage::

    .venv/bin/python bench/console.py [--runs 15]

``CHAINLESS_BENCH_REDIS`` chooses the Redis database (default ``redis://127.0.0.1:6379/13``),
``CHAINLESS_BENCH_PG`` the PostgreSQL server, ``CHAINLESS_TEST_CHROMIUM`` the browser.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: `.venv/bin/python bench/console.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.common import (
    VENV_BIN,
    drop_database,
    free_port,
    load_average,
    machine,
    scratch_database,
    server_env,
    verification_token,
)

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "platform" / "web" / "console_dist"
RESULTS = ROOT / "bench" / "results"
CHROMIUM = os.environ.get("CHAINLESS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BASELINE_PATH = "/bench/baseline"
PASSWORD = "bench-Strong-password-1"
JS_BUDGET_GZIP = 200_000
INTERACTIVE_TARGET_MS = 1000.0

# Installed before any of the page's scripts: the moment an h1 is in the page and has a box.
H1_WATCH = """
(() => {
  const seen = () => {
    const h = document.querySelector("h1");
    if (!h || h.getBoundingClientRect().height === 0) return false;
    window.__h1 = { at: performance.now(), text: h.textContent.trim() };
    return true;
  };
  const watch = new MutationObserver(() => { if (seen()) watch.disconnect(); });
  watch.observe(document, { childList: true, subtree: true, characterData: true });
})();
"""
TIMING = """
() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return {
    dom_interactive_ms: nav.domInteractive,
    load_event_end_ms: nav.loadEventEnd,
    h1_visible_ms: window.__h1.at,
    h1: window.__h1.text,
    transfer_bytes: nav.transferSize,
  };
}
"""
READY = (
    "() => window.__h1 !== undefined && "
    "performance.getEntriesByType('navigation')[0].loadEventEnd > 0"
)


# -- the server: the platform's app with one extra route, the baseline page --------------------


def serve(port: int, baseline: Path) -> None:
    """The server process: the api's app (settings from the environment) plus the baseline."""
    import uvicorn
    from fastapi.responses import HTMLResponse
    from starlette.routing import Route

    from chainless.platform.app import create_app
    from chainless.platform.core.http_protocol import PROTOCOL
    from chainless.platform.web.endpoints import _SECURITY_HEADERS

    app = create_app()
    html = baseline.read_text(encoding="utf-8")

    async def baseline_page(request: Any) -> HTMLResponse:
        headers = {**_SECURITY_HEADERS, "Cache-Control": "no-cache"}
        return HTMLResponse(html, headers=headers)

    # first, so that no catch-all of the app answers it
    app.router.routes.insert(0, Route(BASELINE_PATH, baseline_page, methods=["GET"]))
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, http=PROTOCOL)


@contextmanager
def platform(env: dict[str, str], baseline: Path) -> Iterator[str]:
    subprocess.run(
        [str(VENV_BIN / "chainless"), "db", "upgrade"], env=env, check=True, capture_output=True
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "CHAINLESS_PUBLIC_URL": base}
    command = [sys.executable, __file__, "--serve", str(port), "--baseline", str(baseline)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 60
            while not _healthy(base):
                if time.monotonic() > deadline or process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError("the server did not start:\n" + log.read().decode()[-3000:])
                time.sleep(0.3)
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


# -- what the pages load -----------------------------------------------------------------------


def first_page_files() -> list[Path]:
    """index.html and the files it names (its entry script and stylesheet)."""
    index = DIST / "index.html"
    if not index.is_file():
        raise SystemExit("the console is not built: run `make setup` (or npm run build)")
    text = index.read_text(encoding="utf-8")
    names = [part.split('"')[0] for part in text.split("/console/assets/")[1:]]
    return [index, *(DIST / "assets" / name for name in names)]


def write_baseline(folder: Path) -> tuple[Path, int]:
    """A static page with its h1 in the markup, padded to the first page's total size."""
    size = sum(path.stat().st_size for path in first_page_files())
    head = (
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Baseline</title></head>\n<body><main><h1>Baseline</h1>"
        "<p>A static page of the size of the console's first load.</p><p hidden>"
    )
    tail = "</p></main></body>\n</html>\n"
    filler = ("static baseline text " * (size // 21 + 1))[: max(0, size - len(head) - len(tail))]
    path = folder / "baseline.html"
    path.write_text(head + filler + tail, encoding="utf-8")
    return path, path.stat().st_size


def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


# -- seeding and measuring ---------------------------------------------------------------------


def seed(base: str, database_url: str) -> tuple[str, list[dict[str, Any]]]:
    """A confirmed developer with one app, signed in: the app id and the session's cookies."""
    email = f"bench-console-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=base, timeout=30) as client:
        client.post(
            "/api/v1/accounts", json={"email": email, "password": PASSWORD}
        ).raise_for_status()
        token = verification_token(database_url, email)
        client.post("/api/v1/accounts/verify-email", json={"token": token}).raise_for_status()
        login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        login.raise_for_status()
        csrf = login.json()["csrf_token"]
        app = client.post(
            "/api/v1/apps",
            headers={"X-CSRF-Token": csrf},
            json={"name": "Bench console", "redirect_uris": ["https://bench.example/callback"]},
        )
        app.raise_for_status()
        cookies = [
            {"name": name, "value": value, "url": base} for name, value in client.cookies.items()
        ]
    return str(app.json()["app_id"]), cookies


def cold_load(browser: Any, url: str, cookies: list[dict[str, Any]]) -> dict[str, Any]:
    """One load in a new context (empty cache): its timings and the scripts it requested."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        if cookies:
            context.add_cookies(cookies)
        context.add_init_script(H1_WATCH)
        page = context.new_page()
        scripts: list[str] = []
        page.on(
            "request",
            lambda request: (
                scripts.append(request.url) if request.resource_type == "script" else None
            ),
        )
        page.goto(url, wait_until="load", timeout=30_000)
        page.wait_for_function(READY, timeout=30_000)
        timing: dict[str, Any] = page.evaluate(TIMING)
        timing["scripts"] = sorted({s.split("/console/assets/")[-1] for s in scripts})
        return timing
    finally:
        context.close()


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least ``share`` of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, int(-(-share * len(ordered) // 1)))
    return ordered[rank - 1]


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": len(runs), "h1": sorted({r["h1"] for r in runs})}
    for name in ("dom_interactive_ms", "load_event_end_ms", "h1_visible_ms"):
        values = [float(r[name]) for r in runs]
        out[name] = {
            "median": round(statistics.median(values), 1),
            "p90": round(percentile(values, 0.9), 1),
        }
    scripts = sorted({s for r in runs for s in r["scripts"]})
    sizes = {s: gzip_size(DIST / "assets" / s) for s in scripts if (DIST / "assets" / s).is_file()}
    out["js_files_gzip"] = sizes
    out["js_gzip_bytes"] = sum(sizes.values())
    return out


def measure(base: str, app_id: str, cookies: list[dict[str, Any]], runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    pages = {
        "baseline": (f"{base}{BASELINE_PATH}", []),
        "sign_in": (f"{base}/console/sign-in", []),
        "deployments": (f"{base}/console/apps/{app_id}/deployments", cookies),
    }
    names = list(pages)
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name in names:  # warm-up: the server's first requests, Chromium's first context
                cold_load(browser, *pages[name])
            for round_ in range(runs):
                order = names[round_ % len(names) :] + names[: round_ % len(names)]
                for name in order:
                    samples[name].append(cold_load(browser, *pages[name]))
        finally:
            browser.close()
    return {name: summary(samples[name]) for name in names} | {"samples": samples}


def table(results: dict[str, Any]) -> str:
    lines = [
        "| page | h1 | domInteractive ms (median / p90) | loadEventEnd ms | h1 visible ms "
        "| JS gzip kB |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("baseline", "sign_in", "deployments"):
        r = results[name]

        def cell(metric: str, r: dict[str, Any] = r) -> str:
            return f"{r[metric]['median']} / {r[metric]['p90']}"

        lines.append(
            f"| {name} | {', '.join(r['h1'])} | {cell('dom_interactive_ms')} "
            f"| {cell('load_event_end_ms')} | {cell('h1_visible_ms')} "
            f"| {r['js_gzip_bytes'] / 1000:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15, help="cold loads of each page")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.baseline)
        return

    database = f"chainless_bench_console_{uuid.uuid4().hex[:6]}"
    database_url = scratch_database(database)
    env = server_env(database_url)
    started = datetime.now(UTC)
    load_before = load_average()
    try:
        with tempfile.TemporaryDirectory() as folder:
            baseline, baseline_bytes = write_baseline(Path(folder))
            with platform(env, baseline) as base:
                app_id, cookies = seed(base, database_url)
                results = measure(base, app_id, cookies, args.runs)
    finally:
        drop_database(database)
    first_js = results["sign_in"]["js_gzip_bytes"]
    interactive = results["sign_in"]["dom_interactive_ms"]["median"]
    h1 = results["sign_in"]["h1_visible_ms"]["median"]
    report = {
        "benchmark": "console",
        "when": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average": {"before": load_before, "after": load_average()},
        "runs": args.runs,
        "baseline_bytes": baseline_bytes,
        "first_page_bytes": sum(p.stat().st_size for p in first_page_files()),
        "targets": {
            "first_load_js_gzip_bytes": {"value": first_js, "budget": JS_BUDGET_GZIP},
            "sign_in_interactive_ms": {
                "dom_interactive_median": interactive,
                "h1_visible_median": h1,
                "target": INTERACTIVE_TARGET_MS,
            },
            "met": first_js <= JS_BUDGET_GZIP and h1 <= INTERACTIVE_TARGET_MS,
        },
        "results": {k: v for k, v in results.items() if k != "samples"},
        "samples": results["samples"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"console-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "samples"}, indent=2))
    print()
    print(table(results))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
