"""The sandbox's server parts without a browser or a chain: what a project may be, the rules
(both forms, and what is refused), the host API, the app's origin, and the transaction preview
with a stand-in node function."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from chainless.sandbox.decode import AbiBook
from chainless.sandbox.project import Project, ProjectError, resolve_project
from chainless.sandbox.rules import Decision, RulesError, parse_rules, rules_from_json
from chainless.sandbox.server import SandboxState, app_files, host_app, transaction_preview
from tests.live_server import free_port

ERC20_TRANSFER = {
    "type": "function",
    "name": "transfer",
    "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
    "outputs": [{"name": "", "type": "bool"}],
    "stateMutability": "nonpayable",
}
TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
TO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
TRANSFER_DATA = (
    "0xa9059cbb"
    + "0" * 24 + TO[2:].lower()
    + hex(5 * 10**18)[2:].rjust(64, "0")
)  # fmt: skip


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<h1>app</h1>")
    (tmp_path / "abi").mkdir()
    return tmp_path


def state(folder: Path, **changes: Any) -> SandboxState:
    book = AbiBook()
    book.add("Token", [ERC20_TRANSFER], TOKEN)
    values: dict[str, Any] = {
        "project": Project(folder=folder),
        "app_id": "sandbox",
        "app_url": "http://127.0.0.1:9/",
        "rpc_url": f"http://127.0.0.1:{free_port()}",  # nothing answers there
        "chain_id": 31337,
        "accounts": [TO],
        "forwarder": None,
        "book": book,
    }
    return SandboxState(**(values | changes))


def test_a_folder_with_an_entry_page_is_a_project(folder: Path) -> None:
    assert resolve_project(str(folder)) == Project(folder=folder.resolve())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing", "no such folder"),
        (lambda p: (p / "f.txt").write_text("x") and p / "f.txt", "is a file"),
        (lambda p: p, "has no entry page index.html: build the app first"),
    ],
)
def test_what_is_not_a_project_folder(tmp_path: Path, make: Any, message: str) -> None:
    with pytest.raises(ProjectError, match=message):
        resolve_project(str(make(tmp_path)))


def test_a_build_folder_is_offered(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "index.html").write_text("x")
    with pytest.raises(ProjectError, match=r"did you mean .*build\?"):
        resolve_project(str(tmp_path))


def test_urls_that_cannot_be_framed() -> None:
    with pytest.raises(ProjectError, match="nothing answers at"):
        resolve_project(f"http://127.0.0.1:{free_port()}/", timeout=1)
    with pytest.raises(ProjectError, match="only http:// and https://"):
        resolve_project("ftp://example.com/")


def test_a_url_that_answers_and_what_keeps_it_out_of_a_frame() -> None:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from tests.live_server import served_in_thread

    async def open_page(_request: Any) -> PlainTextResponse:
        return PlainTextResponse("app")

    async def closed_page(_request: Any) -> PlainTextResponse:
        headers = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"}
        return PlainTextResponse("app", headers=headers)

    dev_server = Starlette(routes=[Route("/", open_page), Route("/closed", closed_page)])
    with served_in_thread(dev_server) as base:
        assert resolve_project(f"{base}/") == Project(url=f"{base}/")
        warnings = resolve_project(f"{base}/closed").warnings
    assert "X-Frame-Options: DENY" in warnings[0]
    assert "frame-ancestors" in warnings[1]


def test_rules_in_the_short_form_and_as_json() -> None:
    rules = parse_rules("approve, personal_sign:reject ,transfer:manual")
    assert rules.default is Decision.APPROVE
    assert rules.decide("personal_sign") is Decision.REJECT
    assert rules.decide("eth_sendTransaction", "transfer") is Decision.MANUAL
    assert rules.decide("eth_sendTransaction", "approve") is Decision.APPROVE
    assert rules_from_json(rules.to_json()) == rules
    assert rules_from_json("reject").default is Decision.REJECT


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "empty rules"),
        ("sometimes", "is not one of manual, approve, reject"),
        ("transfer:maybe", "'maybe' is not one of"),
        ("bad name:approve", "is not a method name"),
        ({"default": "approve", "extra": 1}, "unknown field 'extra'"),
        ({"methods": ["transfer"]}, "methods: expected an object"),
        (42, "expected"),
    ],
)
def test_rules_that_are_refused(body: Any, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        rules_from_json(body)


def test_the_rules_api(folder: Path) -> None:
    with TestClient(host_app(state(folder))) as client:
        assert client.get("/api/rules").json() == {"default": "manual", "methods": {}}
        saved = client.put(
            "/api/rules", json={"default": "reject", "methods": {"transfer": "approve"}}
        )
        assert saved.json() == {"default": "reject", "methods": {"transfer": "approve"}}
        refused = client.put("/api/rules", json="transfer:perhaps")
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "invalid_rules"
        not_json = client.put("/api/rules", content=b"{")
        assert (not_json.status_code, not_json.json()["code"]) == (400, "invalid_json")
        assert client.get("/api/rules").json()["default"] == "reject"  # unchanged by the refusals


def test_the_config_names_the_app_and_its_own_origin(folder: Path) -> None:
    with TestClient(host_app(state(folder, app_url="http://127.0.0.1:4321/"))) as client:
        config = client.get("/api/config").json()
    assert config["appOrigin"] == "http://127.0.0.1:4321"
    assert config["chainId"] == "0x7a69"
    assert config["protocol"] == "1.0"


def test_the_node_is_asked_only_for_the_bridge_methods(folder: Path) -> None:
    with TestClient(host_app(state(folder))) as client:
        refused = client.post(
            "/rpc", json={"jsonrpc": "2.0", "id": 1, "method": "anvil_setBalance", "params": []}
        )
        assert refused.json()["error"] == {
            "code": -32601,
            "message": "anvil_setBalance is not offered",
        }
        assert client.post("/rpc", json=[1]).json()["error"]["code"] == -32600
        down = client.post(
            "/rpc", json={"jsonrpc": "2.0", "id": 2, "method": "eth_blockNumber", "params": []}
        )
        assert down.json()["error"]["code"] == 4900  # the chain is not there: disconnected


def test_an_unbuilt_page_says_so(folder: Path, tmp_path: Path) -> None:
    with TestClient(host_app(state(folder, web_dist=tmp_path / "none"))) as client:
        answer = client.get("/")
    assert answer.status_code == 503
    assert "make setup" in answer.text


def test_the_app_origin_serves_the_project_and_the_sdk(folder: Path, tmp_path: Path) -> None:
    sdk = tmp_path / "chainless.iife.js"
    sdk.write_text("var Chainless={};")
    client = TestClient(app_files(state(folder, sdk_iife=sdk)))
    page = client.get("/")
    assert page.text == "<h1>app</h1>"
    assert page.headers["cache-control"] == "no-store"
    assert client.get("/_chainless/sdk.js").text == "var Chainless={};"
    assert client.get("/missing.js").status_code == 404
    assert client.get("/../../etc/passwd").status_code == 404


def test_calldata_is_decoded_with_a_known_abi() -> None:
    book = AbiBook()
    book.add("Token", [ERC20_TRANSFER], TOKEN)
    decoded = book.decode(TRANSFER_DATA)
    assert decoded == {
        "contract": "Token",
        "name": "transfer",
        "signature": "transfer(address,uint256)",
        "args": [
            {"name": "to", "type": "address", "value": TO},
            {"name": "amount", "type": "uint256", "value": str(5 * 10**18)},
        ],
    }
    assert book.decode("0xdeadbeef") is None
    assert book.decode(TRANSFER_DATA[:20]) is None  # cut short: shown raw, not guessed


def test_the_preview_multiplies_the_gas_estimate_by_the_fee(folder: Path) -> None:
    asked: list[str] = []

    async def node(method: str, params: list[Any]) -> Any:
        asked.append(method)
        return {"eth_estimateGas": hex(51_000), "eth_gasPrice": hex(2 * 10**9)}[method]

    tx = {"from": TO, "to": TOKEN, "data": TRANSFER_DATA, "value": "0x0"}
    preview = asyncio.run(transaction_preview(state(folder), tx, node))
    assert preview["toName"] == "Token"
    assert preview["method"]["name"] == "transfer"
    assert (preview["gas"], preview["feePerGas"], preview["fee"]) == (
        "51000",
        str(2 * 10**9),
        str(51_000 * 2 * 10**9),
    )
    assert asked == ["eth_estimateGas", "eth_gasPrice"]
