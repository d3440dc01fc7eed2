"""``/healthz`` (the process is up), ``/readyz`` (its dependencies answer) and ``/metrics``.

The platform core's own checks (database, Redis) are declared by the health component; the
other components declare theirs (the relay: its chain RPC).
"""

from __future__ import annotations

import os
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text

from chainless.platform.core.components import HealthCheck
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
def readyz(request: Request, services: ServicesDep) -> Response:
    """Every component's checks (``Component.health_checks``, gathered by the assembly)."""
    checks = {name: _timed(check, services) for name, check in request.app.state.health_checks}
    ready = all(c["ok"] for c in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
    )


def _timed(check: HealthCheck, services: Services) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = check(services)
        ok = True
    except Exception as error:
        detail, ok = f"{type(error).__name__}: {error}"[:300], False
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_database(services: Services) -> str:
    with services.database.engine.connect() as connection:
        connection.execution_options(**{READ_ONLY: True}).execute(text("SELECT 1"))
    return services.database.dialect


def check_redis(services: Services) -> str:
    if services.redis is None:
        return "embedded (in-process substitutes)"
    services.redis.ping()
    return "pong"


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics() -> Response:
    registry: CollectorRegistry | None = None
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    body = generate_latest(registry) if registry is not None else generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
