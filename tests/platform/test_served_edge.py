"""The edge of the platform as ``chainless serve`` runs it (issue 12, items 1 and 12): over-deep
JSON and oversized request heads are refused with a 4xx, and the process keeps serving."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from redis import Redis

from chainless.platform.core.http_protocol import MAX_HEAD_BYTES
from chainless.platform.core.settings import Settings
from tests.committed import committed_database
from tests.conftest import BACKEND
from tests.served import chainless_serve

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BACKEND == "sqlite", reason="serves the PostgreSQL deployment"),
]


@pytest.fixture
def base(tmp_path: Path, settings: Settings, redis_client: Redis | None) -> Iterator[str]:
    assert redis_client is not None
    with (
        committed_database(tmp_path, "chainless_edge") as url,
        chainless_serve(url, settings, redis_client, tmp_path) as served,
    ):
        yield served


def test_deep_json_never_ends_the_server(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        for depth in (65, 1_000, 70_000, 400_000):
            for opening, closing in ((b"[", b"]"), (b'{"a":', b"}")):
                body = opening * depth + b"1" * (opening == b'{"a":') + closing * depth
                for path, headers in (
                    ("/api/v1/accounts", {}),
                    ("/api/v1/auth/tokens", {}),
                    ("/api/v1/relay/transactions", {"X-API-Key": "ck_x"}),  # ahead of routing
                ):
                    response = client.post(
                        path, content=body, headers={"Content-Type": "application/json", **headers}
                    )
                    assert response.status_code in (400, 413), (depth, path, response.text)
                    assert response.headers["content-type"] == "application/problem+json"
                    assert client.get("/healthz").status_code == 200


def _head_answer(base: str, header_bytes: int) -> bytes:
    """The status line answered to a GET carrying one header of ``header_bytes``."""
    where = urlsplit(base)
    with socket.create_connection((where.hostname, where.port), timeout=30) as conn:
        request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * header_bytes
        try:
            for start in range(0, len(request), 65536):
                conn.sendall(request[start : start + 65536])
            conn.sendall(b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the client finished sending
        answer = b""
        while b"\r\n" not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n", 1)[0]


def test_request_heads_are_limited(base: str) -> None:
    for size, status in (
        (8_000, b"200"),
        (MAX_HEAD_BYTES - 200, b"200"),
        (MAX_HEAD_BYTES + 1, b"431"),
        (16 * 1024 * 1024, b"431"),
    ):
        assert _head_answer(base, size).split(b" ")[1] == status, size
        assert httpx.get(f"{base}/healthz").status_code == 200
