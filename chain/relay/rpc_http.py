"""JSON over HTTP/1.1 keep-alive connections, for the relay's JSON-RPC calls.

Every relayed transaction costs several node calls (the nonce check on the request's path, the
preflight batch of a sponsored request, the broadcast, the tracking passes). A general-purpose
client spent about 0.64 ms of CPU on each; the standard library's ``http.client`` on a kept-alive
connection spends about 0.17 ms (``docs/BENCHMARKS.md``). This module is only what those calls
need: POST a JSON body, read a JSON answer, reuse the connection.

Connections are pooled per URL and shared by the threads of a process (a connection serves one
call at a time). A connection the node closed while it sat idle fails on its next use before any
answer is read; the call is then sent once more on a fresh connection. Resending is safe for the
relay: reads are idempotent, and a transaction sent twice is answered "already known".
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
_IDLE_PER_URL = 16  # connections kept open per URL; more may be in use at once


class TransportError(Exception):
    """No JSON answer came back: the connection failed, timed out, or the answer was not 2xx."""


class JsonPoster:
    """``post(url, payload, timeout)`` → the decoded JSON answer, or :class:`TransportError`."""

    def __init__(self) -> None:
        self._idle: dict[str, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()

    def post(self, url: str, payload: Any, timeout: float) -> Any:
        body = json.dumps(payload, separators=(",", ":")).encode()
        connection, reused = self._take(url, timeout)
        try:
            try:
                answer = _exchange(connection, url, body, timeout)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                if not reused:
                    raise
                connection.close()  # closed by the node while idle: once more, on a new one
                connection = _open(url, timeout)
                answer = _exchange(connection, url, body, timeout)
        except TransportError:
            connection.close()
            raise
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise TransportError(f"{type(error).__name__}: {error}") from error
        self._give_back(url, connection)
        return answer

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _take(self, url: str, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            idle = self._idle.get(url)
            if idle:
                return idle.pop(), True
        return _open(url, timeout), False

    def _give_back(self, url: str, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.setdefault(url, [])
            if len(idle) < _IDLE_PER_URL:
                idle.append(connection)
                return
        connection.close()


@dataclass(frozen=True)
class _Endpoint:
    https: bool
    host: str
    port: int | None
    target: str
    headers: dict[str, str]


@lru_cache(maxsize=64)
def _endpoint(url: str) -> _Endpoint:
    """Where to connect and what to send; credentials in the URL (``https://user:key@host``,
    as some node providers issue them) become Basic authentication (RFC 7617)."""
    parts = urlsplit(url)
    if parts.hostname is None:
        raise TransportError(f"no host in {url!r}")
    headers = dict(_HEADERS)
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Endpoint(parts.scheme == "https", parts.hostname, parts.port, target, headers)


def _open(url: str, timeout: float) -> http.client.HTTPConnection:
    endpoint = _endpoint(url)
    kind = http.client.HTTPSConnection if endpoint.https else http.client.HTTPConnection
    return kind(endpoint.host, endpoint.port, timeout=timeout)


def _exchange(connection: http.client.HTTPConnection, url: str, body: bytes, timeout: float) -> Any:
    endpoint = _endpoint(url)
    connection.timeout = timeout
    if connection.sock is not None:
        connection.sock.settimeout(timeout)
    connection.request("POST", endpoint.target, body=body, headers=endpoint.headers)
    response = connection.getresponse()
    data = response.read()
    if response.will_close:
        connection.close()
    if not 200 <= response.status < 300:
        raise TransportError(f"HTTP {response.status} {response.reason}")
    try:
        return json.loads(data)
    except ValueError as error:
        raise TransportError(f"not JSON: {error}") from error
