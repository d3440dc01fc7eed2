"""A client that goes away while sending ``POST /oauth/token`` is no unhandled error
(issue 12, item 12): the lean path hands the unfinished body to the route, whose form reading
meets the disconnect."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from chainless.platform.core.problem_handlers import CLIENT_CLOSED_REQUEST

pytestmark = pytest.mark.portable


def test_a_client_gone_midway_through_its_token_request_is_not_an_error(
    app: Any, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    messages = [
        {"type": "http.request", "body": b"grant_type=refresh_token&refresh", "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/oauth/token",
        "raw_path": b"/oauth/token",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", b"200"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    with caplog.at_level(logging.INFO):
        asyncio.run(app(scope, receive, send))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert sent[0]["status"] == CLIENT_CLOSED_REQUEST
