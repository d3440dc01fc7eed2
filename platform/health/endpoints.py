"""``/healthz`` (the process is up), ``/readyz`` (its dependencies answer) and ``/metrics``."""

from __future__ import annotations

import os
import time
from typing import Any

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text

from chainless.platform.core.db import READ_ONLY
from chainless.platform.core.deps import ServicesDep
from chainless.platform.core.services import Services

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: database, Redis and the chain answer",
    responses={503: {"description": "A dependency is down"}},
)
def readyz(services: ServicesDep) -> Response:
    checks = {
        "database": _check_database(services),
        "redis": _check_redis(services),
        "chain": _check_chain(services),
    }
    ready = all(c["ok"] for c in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
    )


def _timed(check: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = check()
        ok = True
    except Exception as error:
        detail, ok = f"{type(error).__name__}: {error}"[:300], False
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _check_database(services: Services) -> dict[str, Any]:
    def check() -> str:
        with services.database.engine.connect() as connection:
            connection.execution_options(**{READ_ONLY: True}).execute(text("SELECT 1"))
        return services.database.dialect

    return _timed(check)


def _check_redis(services: Services) -> dict[str, Any]:
    redis = services.redis

    def check() -> str:
        if redis is None:
            return "embedded (in-process substitutes)"
        redis.ping()
        return "pong"

    return _timed(check)


def _check_chain(services: Services) -> dict[str, Any]:
    chain = services.settings.chain

    def check() -> str:
        errors = []
        for url in chain.rpc_urls:
            try:
                reply = httpx.post(
                    url,
                    json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
                    timeout=2.0,
                ).json()
                chain_id = int(reply["result"], 16)
            except (httpx.HTTPError, KeyError, ValueError) as error:
                errors.append(f"{url}: {error}")
                continue
            if chain_id != chain.chain_id:
                raise RuntimeError(f"{url} is chain {chain_id}, expected {chain.chain_id}")
            return f"chain {chain_id} at {url}"
        raise RuntimeError("; ".join(errors))

    return _timed(check)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics() -> Response:
    registry: CollectorRegistry | None = None
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    body = generate_latest(registry) if registry is not None else generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
