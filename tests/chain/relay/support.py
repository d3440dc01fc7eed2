"""Helpers for the relay tests: an app set up for relaying over HTTP, signed transactions, a
JSON-RPC proxy that can be down, and a webhook receiver."""

from __future__ import annotations

import http.server
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chainless.platform.core.jobs import RetryJob, get_job
from chainless.platform.core.services import Services, run_job
from chainless.platform.core.settings import ChainEnvironment
from tests.contracts.conftest import Platform
from tests.factories import Factory, OnlineApp, online_app
from tests.oauth.wallet import TestWallet, tokens_for

RELAY_SCOPE = "basic:address basic:user_id transaction:broadcast"
GWEI = 10**9
TX_URL = "/api/v1/relay/transactions"


@dataclass
class RelayApp:
    app: OnlineApp
    api_key: str
    access_token: str
    user: LocalAccount
    environment: str

    @property
    def app_id(self) -> str:
        return self.app.app_id

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.api_key, "Authorization": f"Bearer {self.access_token}"}

    @property
    def developer_headers(self) -> dict[str, str]:
        return self.app.developer.headers


def api_key(
    client: Any, app: OnlineApp, environment: str, scopes: tuple[str, ...] = ("transaction:write",)
) -> str:
    response = client.post(
        f"/api/v1/apps/{app.app_id}/api-keys",
        headers=app.developer.headers,
        json={"name": "backend", "environment": environment, "scopes": list(scopes)},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def register_contract(
    client: Any, app: OnlineApp, environment: str, contract: Any, allowlist: list[str] | None = None
) -> None:
    response = client.put(
        f"/api/v1/apps/{app.app_id}/contracts/{environment}/{contract.address}",
        headers=app.developer.headers,
        json={"name": "Token", "abi": contract.abi, "method_allowlist": allowlist or []},
    )
    assert response.status_code in (200, 201), response.text


def relay_app(
    factory: Factory,
    platform: Platform,
    *,
    environment: str = "dev",
    user: LocalAccount | None = None,
    scope: str = RELAY_SCOPE,
    allowlist: list[str] | None = None,
) -> RelayApp:
    """An online app with the CRC20 token registered in ``environment``, a transaction:write API
    key there, and a funded wallet user who granted it ``scope``."""
    client = factory.client
    app = online_app(factory)
    register_contract(client, app, environment, platform.token, allowlist)
    user = user or Account.from_key(platform.holder.private_key)
    tokens = tokens_for(client, app, TestWallet(client, account=user), scope=scope)
    key = api_key(client, app, environment)
    factory.services.job_runner.sent.clear()  # type: ignore[union-attr]  # set-up mail etc.
    return RelayApp(app, key, tokens["access_token"], user, environment)


def signed(
    w3: Web3,
    user: LocalAccount,
    *,
    to: str | None,
    data: bytes | str = b"",
    nonce: int | None = None,
    **fields: Any,
) -> str:
    """An EIP-1559 transaction signed by ``user`` (fields override the defaults), as 0x-hex."""
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": 31337,
        "nonce": w3.eth.get_transaction_count(user.address) if nonce is None else nonce,
        "value": 0,
        "gas": 100_000,
        "maxFeePerGas": 20 * GWEI,
        "maxPriorityFeePerGas": 1 * GWEI,
        "data": data,
    }
    if to is not None:
        tx["to"] = to
    tx.update(fields)
    raw = user.sign_transaction(tx).raw_transaction.hex()
    return raw if raw.startswith("0x") else "0x" + raw


def approve_data(platform: Platform, amount: int = 1) -> str:
    return str(platform.token.encode_abi("approve", args=[platform.owner.address, amount]))


def submit(client: Any, relay: RelayApp, raw: str, **headers: str) -> Any:
    return client.post(TX_URL, json={"raw_transaction": raw}, headers={**relay.headers, **headers})


def run(services: Services, name: str, **kwargs: Any) -> None:
    run_job(services, get_job(name), kwargs)


def mined_what_was_sent(services: Services, timeout: float = 10.0) -> None:
    """With automine on, anvil answers ``eth_sendRawTransaction`` before it mines the block: wait
    until its pool is empty, so a tracking pass sees what a block time later would show."""
    url = services.settings.chains[ChainEnvironment.DEV].rpc_urls[0]

    def rpc(method: str) -> Any:
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": []}
        return httpx.post(url, json=body, timeout=5).json()["result"]

    if not rpc("anvil_getAutomine"):
        return  # the test mines by hand
    deadline = time.monotonic() + timeout
    while int(rpc("txpool_status")["pending"], 16) and time.monotonic() < deadline:
        time.sleep(0.01)


def track_now(services: Services) -> None:
    """A tracking pass that finds every transaction due (as if its next look had come)."""
    from sqlalchemy import update

    from chainless.chain.models import RelayedTransaction

    mined_what_was_sent(services)
    with services.transaction() as session:
        session.execute(update(RelayedTransaction).values(next_check_at=None))
    run(services, "relay.track")


def drain_with_retries(services: Services, jobs: Any) -> list[RetryJob]:
    """Run queued jobs; a job asking for a retry is recorded and not run again."""
    retried = []
    while jobs.sent:
        name, kwargs = jobs.sent.pop(0)
        try:
            run(services, name, **kwargs)
        except RetryJob as error:
            retried.append(error)
    return retried


class RpcProxy:
    """A JSON-RPC node stand-in in front of anvil: forwards while ``up``; while down it answers
    503 (a load balancer with no backend). Records the methods of each HTTP request and every
    ``eth_sendRawTransaction``; with ``refuse_batches`` it refuses JSON-RPC batches. With
    ``head_lag`` blocks it answers ``eth_blockNumber`` that far behind (a node lagging its peers
    behind a load balancer, or a block mined between two calls)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.up = True
        self.head_lag = 0
        self.refuse_batches = False  # as some node providers do
        self.requests: list[list[str]] = []  # the methods of each HTTP request
        self.sent_raw: list[str] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if not proxy.up:
                    self.send_response(503)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                request = json.loads(body)
                calls = request if isinstance(request, list) else [request]  # a batch, or one
                proxy.requests.append([call["method"] for call in calls])
                if proxy.refuse_batches and isinstance(request, list):
                    refusal = {"code": -32600, "message": "batch requests are not supported"}
                    content = json.dumps({"jsonrpc": "2.0", "id": None, "error": refusal})
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content.encode())
                    return
                proxy.sent_raw += [
                    call["params"][0]
                    for call in calls
                    if call["method"] == "eth_sendRawTransaction"
                ]
                answer = httpx.post(
                    proxy.upstream, content=body, headers={"content-type": "application/json"}
                )
                content = answer.content
                if proxy.head_lag and any(call["method"] == "eth_blockNumber" for call in calls):
                    content = json.dumps(proxy.lagging(calls, answer.json())).encode()
                self.send_response(answer.status_code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *args: Any) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def lagging(self, calls: list[dict[str, Any]], reply: Any) -> Any:
        """``reply`` with every ``eth_blockNumber`` answer ``head_lag`` blocks behind."""
        replies = reply if isinstance(reply, list) else [reply]
        asked = {call["id"] for call in calls if call["method"] == "eth_blockNumber"}
        for item in replies:
            if item.get("id") in asked and "result" in item:
                item["result"] = hex(max(int(item["result"], 16) - self.head_lag, 0))
        return reply

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class WebhookReceiver:
    """An app backend's webhook endpoint: records each request; answers ``statuses`` in turn."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/chainless"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
