"""Benchmark: the developer platform API under load (issue: platform foundation).

Starts ``chainless serve --workers 2`` on PostgreSQL + Redis, seeds a developer, an app and an API
key over HTTP, then drives three endpoints from a separate load-generator process, one after the
other in the same run:

- ``GET /healthz`` — the baseline (same server, same middleware, no database);
- ``GET /api/v1/apps/{app_id}`` with an API key — the authenticated hot path;
- ``POST /api/v1/apps`` with a bearer token — an app creation (argon2 is not on this path).

Prints one JSON document and a Markdown table; ratios to the baseline are what to compare across
machines. Usage: ``.venv/bin/python -m bench.api [--duration 10] [--concurrency 50] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import uuid

import httpx

from bench.common import load, machine, scratch_database, served, server_env, verification_token

PASSWORD = "bench-Strong-password-1"


def seed(base: str, database_url: str) -> dict[str, str]:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=base, timeout=30) as client:
        client.post(
            "/api/v1/accounts", json={"email": email, "password": PASSWORD}
        ).raise_for_status()
        token = verification_token(database_url, email)
        client.post("/api/v1/accounts/verify-email", json={"token": token}).raise_for_status()
        bearer = client.post("/api/v1/auth/tokens", json={"email": email, "password": PASSWORD})
        bearer.raise_for_status()
        auth = {"Authorization": f"Bearer {bearer.json()['access_token']}"}
        app = client.post("/api/v1/apps", headers=auth, json=APP_BODY)
        app.raise_for_status()
        app_id = app.json()["app_id"]
        key = client.post(
            f"/api/v1/apps/{app_id}/api-keys",
            headers=auth,
            json={
                "name": "bench",
                "environment": "dev",
                "scopes": ["data:read"],
                "rate_limit": {"calls": 100000, "per": "minute"},
            },
        )
        key.raise_for_status()
        key_body = key.json()
        api_key = key_body.get("key") or key_body.get("api_key") or key_body["secret"]
        check = client.get(f"/api/v1/apps/{app_id}", headers={"X-API-Key": api_key})
        check.raise_for_status()
    return {"app_id": app_id, "api_key": api_key, "bearer": auth["Authorization"]}


APP_BODY = {
    "name": "Bench app",
    "description": "created by bench/api.py",
    "category": "tools",
    "redirect_uris": ["https://bench.example.com/callback"],
    "requested_scopes": ["basic:address"],
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    database_url = scratch_database("chainless_bench_api")
    env = server_env(database_url)
    results: dict[str, list[dict[str, object]]] = {"healthz": [], "get_app": [], "create_app": []}
    with served(env, workers=2) as base:
        ids = seed(base, database_url)
        scenarios = {
            "healthz": dict(url=f"{base}/healthz"),
            "get_app": dict(
                url=f"{base}/api/v1/apps/{ids['app_id']}", headers=[f"X-API-Key: {ids['api_key']}"]
            ),
            "create_app": dict(
                url=f"{base}/api/v1/apps",
                method="POST",
                headers=[f"Authorization: {ids['bearer']}"],
                body=json.dumps(APP_BODY),
            ),
        }
        for _ in range(args.rounds):  # interleaved rounds: drift hits every scenario alike
            for name, scenario in scenarios.items():
                results[name].append(
                    load(concurrency=args.concurrency, duration=args.duration, **scenario)
                )  # type: ignore[arg-type]

    summary = {name: _median(runs) for name, runs in results.items()}
    base_rps = float(summary["healthz"]["rps"])  # type: ignore[arg-type]
    for name in summary:
        summary[name]["ratio_to_healthz"] = round(float(summary[name]["rps"]) / base_rps, 3)  # type: ignore[arg-type]
    print(
        json.dumps(
            {
                "machine": machine(),
                "concurrency": args.concurrency,
                "duration_s": args.duration,
                "rounds": args.rounds,
                "results": summary,
                "runs": results,
            },
            indent=2,
        )
    )
    print()
    print("| scenario | rps (median) | p50 ms | p99 ms | vs /healthz | statuses |")
    print("|---|---|---|---|---|---|")
    for name, row in summary.items():
        cells = [
            name,
            row["rps"],
            row["p50_ms"],
            row["p99_ms"],
            row["ratio_to_healthz"],
            row["statuses"],
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")


def _median(runs: list[dict[str, object]]) -> dict[str, object]:
    keys = ("rps", "p50_ms", "p90_ms", "p99_ms")
    merged: dict[str, object] = {
        k: round(statistics.median(float(r[k]) for r in runs), 2) for k in keys
    }  # type: ignore[arg-type]
    statuses: dict[str, int] = {}
    for run in runs:
        for status, count in run["statuses"].items():  # type: ignore[attr-defined]
            statuses[status] = statuses.get(status, 0) + count
    merged["statuses"] = statuses
    return merged


if __name__ == "__main__":
    main()
