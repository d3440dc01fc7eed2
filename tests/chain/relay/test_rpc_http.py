"""The relay's JSON-RPC transport: kept-alive connections, and every way a node can fail it."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from chainless.chain.relay.rpc import HttpChainRpc, RpcError, RpcUnavailable
from chainless.chain.relay.rpc_http import JsonPoster, TransportError

pytestmark = pytest.mark.portable


@dataclass
class Node:
    """A JSON-RPC node stand-in on HTTP/1.1 keep-alive: answers ``eth_chainId`` with 0x1 (or
    what ``reply`` says), and records each connection and each request's headers."""

    status: int = 200
    reply: bytes | None = None
    delay: float = 0.0
    connections: list[int] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    def start(self) -> http.server.ThreadingHTTPServer:
        node = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                node.connections.append(id(self))

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["content-length"])))
                node.headers.append(dict(self.headers))
                time.sleep(node.delay)
                body = node.reply
                if body is None:
                    body = json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": "0x1"})
                    body = body.encode()
                self.send_response(node.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self.url = f"http://127.0.0.1:{server.server_address[1]}/rpc"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


@pytest.fixture
def node() -> Iterator[Node]:
    stand_in = Node()
    server = stand_in.start()
    yield stand_in
    server.shutdown()
    server.server_close()


def test_calls_reuse_one_kept_alive_connection(node: Node) -> None:
    rpc = HttpChainRpc([node.url])
    answers = [rpc.call("eth_chainId", []) for _ in range(20)]
    assert answers == ["0x1"] * 20
    assert len(node.connections) == 1


def test_a_connection_the_node_closed_while_idle_is_replaced_without_failing_the_call(
    node: Node,
) -> None:
    poster = JsonPoster()
    payload = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    assert poster.post(node.url, payload, 2.0)["result"] == "0x1"
    for connections in poster._idle.values():  # the node's side hangs up meanwhile
        for connection in connections:
            assert connection.sock is not None
            connection.sock.shutdown(2)
    assert poster.post(node.url, payload, 2.0)["result"] == "0x1"
    assert len(node.connections) == 2


def test_an_error_status_moves_on_to_the_next_url(node: Node) -> None:
    backup = Node()
    server = backup.start()
    try:
        node.status = 502
        rpc = HttpChainRpc([node.url, backup.url])
        assert rpc.call("eth_chainId", []) == "0x1"
        assert rpc.call("eth_chainId", []) == "0x1"
        assert len(node.headers) == 1  # the URL that answered is tried first next time
        assert len(backup.headers) == 2
    finally:
        server.shutdown()
        server.server_close()


def test_an_answer_that_is_not_json_is_a_transport_failure(node: Node) -> None:
    node.reply = b"<html>gateway</html>"
    with pytest.raises(RpcUnavailable, match="not JSON"):
        HttpChainRpc([node.url]).call("eth_chainId", [])


def test_a_node_error_object_is_the_nodes_verdict(node: Node) -> None:
    node.reply = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "nonce too low"}}
    ).encode()
    with pytest.raises(RpcError, match="nonce too low") as raised:
        HttpChainRpc([node.url]).call("eth_sendRawTransaction", ["0x00"])
    assert raised.value.code == -32000


def test_a_slow_node_times_out_within_the_calls_timeout(node: Node) -> None:
    node.delay = 1.0
    started = time.monotonic()
    with pytest.raises(RpcUnavailable, match="timed out"):
        HttpChainRpc([node.url]).call("eth_chainId", [], timeout=0.2)
    assert time.monotonic() - started < 0.9


def test_credentials_in_the_url_are_sent_as_basic_authentication(node: Node) -> None:
    url = node.url.replace("http://", "http://relay:s%40cret@")
    assert HttpChainRpc([url]).call("eth_chainId", []) == "0x1"
    expected = "Basic " + base64.b64encode(b"relay:s@cret").decode()
    assert node.headers[0]["Authorization"] == expected


def test_a_refused_connection_is_a_transport_error() -> None:
    with pytest.raises(TransportError, match="Connection refused"):
        JsonPoster().post("http://127.0.0.1:9/", {"id": 1}, 1.0)
