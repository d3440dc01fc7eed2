"""The chain behind an interface: Ethereum JSON-RPC over HTTP with failover between URLs.

A transport failure (connection refused, timeout, a 5xx from a proxy) moves on to the chain's next
RPC URL; an answer with a JSON-RPC ``error`` is the node's verdict and is raised as
:class:`RpcError` without trying elsewhere. The URL that answered last is tried first next time.
Only http(s) URLs are used; ws(s) URLs in a chain's list are skipped.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Protocol

import httpx

from chainless.platform.core.services import Services
from chainless.platform.core.settings import ChainConfig, ChainEnvironment

_CLIENTS = "relay.rpc"


class RpcUnavailable(Exception):
    """No RPC URL of the chain answered."""


class RpcError(Exception):
    """The node answered with a JSON-RPC error object."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ChainRpc(Protocol):
    def call(self, method: str, params: list[Any], *, timeout: float | None = None) -> Any: ...


class HttpChainRpc:
    def __init__(self, urls: list[str], *, timeout: float = 5.0) -> None:
        self.urls = [u for u in urls if u.startswith(("http://", "https://"))]
        if not self.urls:
            raise ValueError("the chain has no http(s) RPC URL")
        self._client = httpx.Client(timeout=timeout)
        self._timeout = timeout
        self._preferred = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def call(self, method: str, params: list[Any], *, timeout: float | None = None) -> Any:
        """``timeout`` (seconds per URL) overrides the chain's for calls on a request's path."""
        problems: list[str] = []
        start = self._preferred
        for step in range(len(self.urls)):
            index = (start + step) % len(self.urls)
            url = self.urls[index]
            with self._lock:
                request_id = next(self._ids)
            payload = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
            try:
                response = self._client.post(
                    url, json=payload, timeout=self._timeout if timeout is None else timeout
                )
                response.raise_for_status()
                body = response.json()
            except (httpx.HTTPError, ValueError) as error:
                problems.append(f"{url}: {type(error).__name__}: {error}"[:200])
                continue
            self._preferred = index
            if not isinstance(body, dict):
                problems.append(f"{url}: not a JSON-RPC response")
                continue
            if body.get("error") is not None:
                failure = body["error"]
                raise RpcError(int(failure.get("code", 0)), str(failure.get("message", "")))
            return body.get("result")
        raise RpcUnavailable("; ".join(problems))

    def close(self) -> None:
        self._client.close()


def rpc_for(services: Services, environment: str) -> ChainRpc:
    """The RPC client of an environment's chain, one per process and environment."""
    clients: dict[str, ChainRpc] = services.extras.setdefault(_CLIENTS, {})
    client = clients.get(environment)
    if client is None:
        config = chain_config(services, environment)
        client = clients.setdefault(
            environment, HttpChainRpc(config.rpc_urls, timeout=config.rpc_timeout_seconds)
        )
    return client


def chain_config(services: Services, environment: str) -> ChainConfig:
    return services.settings.chains[ChainEnvironment(environment)]


def quantity(value: Any) -> int | None:
    """A JSON-RPC hex quantity as an int (None stays None)."""
    return None if value is None else int(str(value), 16)
