"""The chain behind an interface: Ethereum JSON-RPC over HTTP with failover between URLs.

A transport failure (connection refused, timeout, a 5xx from a proxy) moves on to the chain's next
RPC URL; an answer with a JSON-RPC ``error`` is the node's verdict and is raised as
:class:`RpcError` without trying elsewhere. The URL that answered last is tried first next time.
Only http(s) URLs are used; ws(s) URLs in a chain's list are skipped.

:meth:`HttpChainRpc.batch` sends independent calls as one JSON-RPC 2.0 batch (spec "Batch"): one
HTTP round trip, each call answered (or refused) on its own. The HTTP side is ``rpc_http``:
kept-alive connections of the standard library, a quarter of a general-purpose client's CPU.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Protocol

from chainless.chain.relay.rpc_http import JsonPoster, TransportError
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
        self.data: Any = None  # the revert data of a failed call (``error.data``), if any


class ChainRpc(Protocol):
    def call(self, method: str, params: list[Any], *, timeout: float | None = None) -> Any: ...

    def batch(
        self, calls: list[tuple[str, list[Any]]], *, timeout: float | None = None
    ) -> list[Any]: ...


class HttpChainRpc:
    def __init__(self, urls: list[str], *, timeout: float = 5.0) -> None:
        self.urls = [u for u in urls if u.startswith(("http://", "https://"))]
        if not self.urls:
            raise ValueError("the chain has no http(s) RPC URL")
        self._client = JsonPoster()
        self._timeout = timeout
        self._preferred = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def call(self, method: str, params: list[Any], *, timeout: float | None = None) -> Any:
        """``timeout`` (seconds per URL) overrides the chain's for calls on a request's path."""
        with self._lock:
            request_id = next(self._ids)
        payload = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        body = self._post(payload, timeout, dict)
        if body.get("error") is not None:
            raise _error(body["error"])
        return body.get("result")

    def batch(
        self, calls: list[tuple[str, list[Any]]], *, timeout: float | None = None
    ) -> list[Any]:
        """The answers of ``calls``, in order, sent as one batch; a call the node refused is
        answered by its :class:`RpcError` (returned, not raised: the others still count)."""
        if not calls:
            return []
        with self._lock:
            first = next(self._ids)
            for _ in calls[1:]:
                next(self._ids)
        payload = [
            {"jsonrpc": "2.0", "id": first + i, "method": method, "params": params}
            for i, (method, params) in enumerate(calls)
        ]
        answers = {}
        for item in self._post(payload, timeout, list):
            if isinstance(item, dict) and isinstance(item.get("id"), int):
                answers[item["id"]] = item
        results: list[Any] = []
        for i in range(len(calls)):
            item = answers.get(first + i)
            if item is None:
                results.append(RpcError(-32603, "no answer to this call of the batch"))
            elif item.get("error") is not None:
                results.append(_error(item["error"]))
            else:
                results.append(item.get("result"))
        return results

    def _post(self, payload: Any, timeout: float | None, shape: type) -> Any:
        """POST ``payload`` to the preferred URL, then the others on a transport failure."""
        problems: list[str] = []
        start = self._preferred
        for step in range(len(self.urls)):
            index = (start + step) % len(self.urls)
            url = self.urls[index]
            try:
                wait = self._timeout if timeout is None else timeout
                body = self._client.post(url, payload, wait)
            except TransportError as error:
                problems.append(f"{url}: {type(error).__name__}: {error}"[:200])
                continue
            self._preferred = index
            if not isinstance(body, shape):
                if isinstance(body, dict) and body.get("error") is not None:
                    raise _error(body["error"])  # a node refusing batches answers one error
                problems.append(f"{url}: not a JSON-RPC response")
                continue
            return body
        raise RpcUnavailable("; ".join(problems))

    def close(self) -> None:
        self._client.close()


def _error(failure: Any) -> RpcError:
    if not isinstance(failure, dict):
        return RpcError(0, str(failure))
    error = RpcError(int(failure.get("code", 0)), str(failure.get("message", "")))
    error.data = failure.get("data")
    return error


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
