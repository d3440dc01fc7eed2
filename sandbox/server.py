"""The sandbox's HTTP side: the host page and its small API on one origin, the project's files
on another (a second port), so the mini-program is cross-origin to its host as it is in the
wallet and the bridge's origin checks are the real ones.

Host origin (``--port``):

- ``/`` the host page (``sandbox/web``, built by ``make setup``), ``/static/*`` its assets;
- ``GET /api/config``: the app, chain, accounts and forwarder the page hosts;
- ``GET|PUT /api/rules``: the rules that answer dialogs in automated runs (``rules.py``);
- ``POST /api/preview``: a transaction decoded for the signing dialog, with its gas and fee;
- ``POST /rpc``: JSON-RPC to the sandbox's anvil, for the methods the bridge answers.

App origin (a free port): the project folder, and the SDK's script-tag build at
``/_chainless/sdk.js`` for apps without a bundler.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from chainless.sandbox.decode import AbiBook
from chainless.sandbox.project import Project
from chainless.sandbox.rules import Rules, RulesError, rules_from_json

HOST_NAME = "chainless-sandbox"
HOST_VERSION = "0.1.0"
PROTOCOL_VERSION = "1.0"
SOURCE_ROOT = Path(__file__).resolve().parent.parent
WEB_DIST = Path(__file__).resolve().parent / "web" / "dist"
SDK_IIFE = SOURCE_ROOT / "sdk-js" / "dist" / "chainless.iife.js"
MAX_BODY = 1024 * 1024  # as the bridge's own message limit

# what the host page may ask the node for: the bridge's read methods (docs/wallet-bridge.md)
# and the signing methods, which anvil answers for its unlocked test accounts
READ_METHODS = frozenset(
    {
        "eth_call", "eth_estimateGas", "eth_getBalance", "eth_getCode", "eth_getStorageAt",
        "eth_getTransactionCount", "eth_getTransactionByHash", "eth_getTransactionReceipt",
        "eth_getBlockByNumber", "eth_getBlockByHash", "eth_getLogs", "eth_blockNumber",
        "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory", "net_version",
        "eth_chainId",
    }
)  # fmt: skip
SIGNING_METHODS = frozenset({"eth_sendTransaction", "personal_sign", "eth_signTypedData_v4"})
PROXIED_METHODS = READ_METHODS | SIGNING_METHODS


@dataclass
class SandboxState:
    project: Project
    app_id: str
    app_url: str  # what the iframe loads
    rpc_url: str
    chain_id: int
    accounts: list[str]
    forwarder: str | None
    book: AbiBook = field(default_factory=AbiBook)
    rules: Rules = field(default_factory=Rules)
    web_dist: Path = WEB_DIST
    sdk_iife: Path = SDK_IIFE

    @property
    def app_origin(self) -> str:
        scheme, _, rest = self.app_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"

    def config(self) -> dict[str, Any]:
        return {
            "host": {"name": HOST_NAME, "version": HOST_VERSION},
            "protocol": PROTOCOL_VERSION,
            "appId": self.app_id,
            "appUrl": self.app_url,
            "appOrigin": self.app_origin,
            "project": self.project.label,
            "chainId": hex(self.chain_id),
            "accounts": self.accounts,
            "forwarder": self.forwarder,
            "rules": self.rules.to_json(),
        }


def problem(status: int, code: str, detail: str) -> JSONResponse:
    """RFC 9457 problem+json, with the platform's stable ``code``."""
    return JSONResponse(
        {"type": "about:blank", "title": code.replace("_", " "), "status": status, "code": code,
         "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )  # fmt: skip


async def _json_body(request: Request) -> Any:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise _BadBody("request_too_large", "the body is larger than 1 MiB")
    try:
        return json.loads(body)
    except ValueError:
        raise _BadBody("invalid_json", "the body is not JSON") from None


class _BadBody(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def host_app(state: SandboxState) -> Starlette:
    """The host page and its API (the sandbox's own origin)."""
    client: dict[str, httpx.AsyncClient] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        client["rpc"] = httpx.AsyncClient(timeout=30)
        yield
        await client.pop("rpc").aclose()

    def rpc_client() -> httpx.AsyncClient:
        return client.setdefault("rpc", httpx.AsyncClient(timeout=30))

    async def node(method: str, params: list[Any]) -> Any:
        """One call to anvil; its JSON-RPC error, if any, as :class:`NodeError`."""
        payload = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        answer = (await rpc_client().post(state.rpc_url, json=payload)).json()
        if "error" in answer:
            raise NodeError(answer["error"])
        return answer.get("result")

    async def page(_request: Request) -> Response:
        index = state.web_dist / "index.html"
        if not index.is_file():
            return HTMLResponse(
                "<h1>The sandbox page is not built</h1><p>Run <code>make setup</code>.</p>", 503
            )
        return FileResponse(index, headers={"Cache-Control": "no-store"})

    async def config(_request: Request) -> Response:
        return JSONResponse(state.config())

    async def rules(request: Request) -> Response:
        if request.method == "PUT":
            try:
                state.rules = rules_from_json(await _json_body(request))
            except _BadBody as error:
                return problem(400, error.code, error.detail)
            except RulesError as error:
                return problem(422, "invalid_rules", str(error))
        return JSONResponse(state.rules.to_json())

    async def preview(request: Request) -> Response:
        try:
            body = await _json_body(request)
        except _BadBody as error:
            return problem(400, error.code, error.detail)
        if not isinstance(body, dict):
            return problem(422, "invalid_transaction", "expected a transaction object")
        try:
            return JSONResponse(await transaction_preview(state, body, node))
        except httpx.HTTPError as error:
            return problem(502, "chain_unreachable", f"the sandbox's chain did not answer: {error}")

    async def rpc(request: Request) -> Response:
        try:
            body = await _json_body(request)
        except _BadBody as error:
            return JSONResponse(_rpc_error(None, -32700, error.detail))
        if not isinstance(body, dict) or not isinstance(body.get("method"), str):
            return JSONResponse(_rpc_error(None, -32600, "expected one JSON-RPC request"))
        if body["method"] not in PROXIED_METHODS:
            return JSONResponse(
                _rpc_error(body.get("id"), -32601, f"{body['method']} is not offered")
            )
        try:
            answer = await rpc_client().post(state.rpc_url, json=body)
        except httpx.HTTPError as error:
            return JSONResponse(
                _rpc_error(body.get("id"), 4900, f"the sandbox's chain did not answer: {error}")
            )
        return Response(answer.content, media_type="application/json")

    routes: list[BaseRoute] = [
        Route("/", page),
        Route("/api/config", config),
        Route("/api/rules", rules, methods=["GET", "PUT"]),
        Route("/api/preview", preview, methods=["POST"]),
        Route("/rpc", rpc, methods=["POST"]),
    ]
    if state.web_dist.is_dir():
        routes.append(Mount("/static", StaticFiles(directory=state.web_dist), name="static"))
    return Starlette(routes=routes, lifespan=lifespan)


class NodeError(Exception):
    def __init__(self, error: Mapping[str, Any]) -> None:
        super().__init__(str(error.get("message", "the node refused")))
        self.error = dict(error)


def _rpc_error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


async def transaction_preview(
    state: SandboxState,
    tx: Mapping[str, Any],
    node: Callable[[str, list[Any]], Awaitable[Any]],
) -> dict[str, Any]:
    """The dialog's facts: target and its name, value, decoded method, gas times fee."""
    to = str(tx.get("to") or "")
    data = str(tx.get("data") or tx.get("input") or "0x")
    call = {k: tx[k] for k in ("from", "to", "value", "data") if tx.get(k) is not None}
    result: dict[str, Any] = {
        "to": to or None,
        "toName": state.book.names.get(to.lower()) if to else None,
        "value": str(int(str(tx.get("value") or "0x0"), 16)),
        "data": data,
        "method": state.book.decode(data),
        "gas": None,
        "gasError": None,
    }
    try:
        gas = (
            int(str(tx["gas"]), 16)
            if tx.get("gas")
            else int(await node("eth_estimateGas", [call]), 16)
        )
        result["gas"] = str(gas)
    except NodeError as error:
        result["gasError"] = str(error)
        gas = 0
    fee = (
        int(str(tx["maxFeePerGas"]), 16)
        if tx.get("maxFeePerGas")
        else int(await node("eth_gasPrice", []), 16)
    )
    result["feePerGas"] = str(fee)
    result["fee"] = str(gas * fee)
    return result


def app_files(state: SandboxState) -> ASGIApp:
    """The project's folder on the app's own origin, never cached (a rebuild shows at once)."""
    assert state.project.folder is not None

    async def sdk(_request: Request) -> Response:
        if not state.sdk_iife.is_file():
            return Response(
                "// the SDK is not built: run make setup\n", 503, media_type="text/javascript"
            )
        return FileResponse(state.sdk_iife, media_type="text/javascript")

    files = Starlette(
        routes=[
            Route("/_chainless/sdk.js", sdk),
            Mount("/", StaticFiles(directory=state.project.folder, html=True)),
        ]
    )
    return NoStore(files)


class NoStore:
    """``Cache-Control: no-store`` on every answer of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, sending)


class ByPort:
    """One ASGI app per listening port (one uvicorn, two origins); lifespan goes to every app."""

    def __init__(self, apps: Mapping[int, ASGIApp]) -> None:
        self.apps = dict(apps)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            first = next(iter(self.apps.values()))
            await first(scope, receive, send)  # the host app holds the only lifespan
            return
        server = scope.get("server") or ("", 0)
        app = self.apps.get(int(server[1] or 0)) or next(iter(self.apps.values()))
        await app(scope, receive, send)
