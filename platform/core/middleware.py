"""The HTTP edge as one pure-ASGI middleware: request id, body limits, metrics, access log.

Pure ASGI (not ``BaseHTTPMiddleware``) keeps the per-request overhead to a few microseconds.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from prometheus_client import Histogram
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chainless.platform.core.body_guard import REQUESTS_REJECTED, BodyGuard
from chainless.platform.core.context import (
    RequestContext,
    bind_request,
    collect_response_headers,
    reset_request,
    reset_response_headers,
)
from chainless.platform.core.errors import PROBLEM_CONTENT_TYPE, problem_type
from chainless.platform.core.nul_refusal import nul_in_target
from chainless.platform.core.problem_handlers import app_error_response

log = logging.getLogger("chainless.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

REQUEST_LATENCY = Histogram(
    "chainless_http_request_duration_seconds",
    "HTTP request latency by route template",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _client_ip(scope: Scope, trust_forwarded: bool) -> str | None:
    if trust_forwarded:
        forwarded = _header(scope, b"x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
    client = scope.get("client")
    return client[0] if client else None


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_json_depth: int = 64,
        trust_forwarded: bool = False,
        access_log: bool = True,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth
        self.trust_forwarded = trust_forwarded
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = bind_request(
            RequestContext(
                request_id, _client_ip(scope, self.trust_forwarded), _header(scope, b"user-agent")
            )
        )
        scope.setdefault("state", {})["request_id"] = request_id
        status_holder = [500, 0]  # status, whether the response started
        collected, headers_token = collect_response_headers()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                status_holder[1] = 1
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                if collected:
                    present = {name.lower() for name, _ in headers}
                    headers.extend(
                        (name.lower().encode(), value.encode())
                        for name, value in collected.items()
                        if name.lower().encode() not in present
                    )
                message["headers"] = headers
            await send(message)

        try:
            declared = _header(scope, b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
                REQUESTS_REJECTED.labels("body_too_large").inc()
                await _too_large(self.max_body_bytes, request_id, send_with_id)
                return
            refused = nul_in_target(scope)
            if refused is not None:
                REQUESTS_REJECTED.labels("nul").inc()
                await app_error_response(Request(scope), refused)(scope, receive, send_with_id)
                return
            guard = BodyGuard(
                scope, receive, max_bytes=self.max_body_bytes, max_depth=self.max_json_depth
            )
            try:
                await self.app(scope, guard.receive, send_with_id)
            except Exception:
                # a reader that let the refusal through (one answering ahead of the router)
                if guard.refusal is None or status_holder[1]:
                    raise
                await app_error_response(Request(scope), guard.refusal)(
                    scope, guard.receive, send_with_id
                )
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            REQUEST_LATENCY.labels(scope["method"], route, str(status_holder[0])).observe(elapsed)
            if self.access_log:
                log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "route": route,
                        "status": status_holder[0],
                        "ms": round(elapsed * 1000, 2),
                    },
                )
            reset_response_headers(headers_token)
            reset_request(token)


def _route_template(scope: Scope) -> str:
    """The matched route's template with its router prefix (``/api/v1/apps/{app_id}``)."""
    route: Any = scope.get("route")
    template = getattr(route, "path_format", None)
    if not template:
        return "unmatched"
    path: str = scope["path"]
    try:
        rendered = template.format(**scope.get("path_params", {}))
    except (KeyError, IndexError, ValueError):
        return str(template)
    return (
        path[: len(path) - len(rendered)] + template if path.endswith(rendered) else str(template)
    )


async def _too_large(limit: int, request_id: str, send: Send) -> None:
    body = json.dumps(
        {
            "type": problem_type("payload_too_large"),
            "title": "Payload too large",
            "status": 413,
            "detail": f"request body exceeds {limit} bytes",
            "code": "payload_too_large",
            "request_id": request_id,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
