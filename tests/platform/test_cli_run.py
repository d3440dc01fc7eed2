"""``chainless run`` as a person starts it: a subprocess on SQLite in a data folder of its own,
with its own anvil port. One process serves the tests of this module in order; the last one
stops it with SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from web3 import Web3

from chainless.chain.contracts import compile_contracts, contract_at, deploy
from chainless.chain.contracts.forwarder import sign_forward_request
from chainless.chain.localnode import derive_accounts, port_open
from chainless.platform.core.services import Services, build_services
from chainless.platform.core.settings import Settings
from tests.browser import free_port
from tests.chain.relay.support import RELAY_SCOPE, api_key, register_contract
from tests.factories import Factory, online_app
from tests.oauth.wallet import TestWallet, tokens_for
from tests.platform.test_cli import CHAINLESS, _env

pytestmark = [pytest.mark.portable, pytest.mark.slow]
ETHER = 10**18


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    url: str
    chain_url: str
    chain_port: int
    data: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("run")
    port, chain_port = free_port(), free_port()
    chains = f'{{"dev": {{"chain_id": 31337, "rpc_urls": ["http://127.0.0.1:{chain_port}"]}}}}'
    log = root / "run.log"
    env = _env(root, CHAINLESS_CHAINS=chains, CHAINLESS_RELAY__TRACK_EVERY_SECONDS="0.5")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [CHAINLESS, "run", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    run = Running(
        process, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{chain_port}", chain_port,
        root / "data", log,
    )  # fmt: skip
    try:
        _wait_until_served(run)
        yield run
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _wait_until_served(run: Running) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert run.process.poll() is None, f"chainless run exited:\n{run.output()}"
        try:
            if httpx.get(f"{run.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"chainless run did not serve within 90 s:\n{run.output()}")


@pytest.fixture(scope="module")
def run_services(running: Running) -> Iterator[Services]:
    """The test's own view of the run's database, for what a person reads in the outbox."""
    built = build_services(
        Settings(
            mode="development",
            database_url=f"sqlite:///{running.data / 'c.db'}",
            data_dir=running.data,
            start_local_chain=False,
        )
    )
    yield built
    built.close()


@pytest.fixture
def http(running: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=running.url, timeout=30) as client:
        yield client


def test_the_public_url_names_the_port_it_serves_on(running: Running, http: httpx.Client) -> None:
    metadata = http.get("/.well-known/oauth-authorization-server").json()
    assert metadata["issuer"] == running.url
    assert metadata["jwks_uri"].startswith(running.url + "/")
    message = http.post(
        "/oauth/siwe/prepare", json={"address": Account.create().address, "chain_id": 31337}
    ).json()["message"]
    assert message.startswith(f"{running.url} wants you to sign in")


def test_a_sponsored_transaction_is_confirmed_on_the_run_chain(
    running: Running, http: httpx.Client, run_services: Services
) -> None:
    forwarder = re.search(r"Forwarder\s*│\s*(0x[0-9a-fA-F]{40})", running.output())
    assert forwarder, running.output()
    w3 = Web3(Web3.HTTPProvider(running.chain_url))
    compiled = compile_contracts()
    publisher = derive_accounts(count=2)[1]
    recipient = contract_at(
        w3,
        "SampleRecipient",
        deploy(
            w3,
            "SampleRecipient",
            forwarder.group(1),
            private_key=publisher.private_key,
            contracts=compiled,
        ),
        compiled,
    )
    factory = Factory(http, run_services)
    app = online_app(factory)
    register_contract(http, app, "dev", recipient)
    paid = http.put(
        f"/api/v1/apps/{app.app_id}/payment",
        headers=app.developer.headers,
        json={"enabled": True, "gas_budget_wei": str(ETHER)},
    )
    assert paid.status_code == 200, paid.text
    key = api_key(http, app, "dev")
    user = Account.create()
    tokens = tokens_for(http, app, TestWallet(http, account=user), scope=RELAY_SCOPE)
    request: dict[str, Any] = {
        "from": user.address,
        "to": recipient.address,
        "value": 0,
        "gas": 200_000,
        "nonce": 0,
        "deadline": int(time.time()) + 600,
        "data": recipient.encode_abi("sign", args=["gm from make run"]),
    }
    signature = sign_forward_request(user.key, forwarder.group(1), 31337, request)
    headers = {"X-API-Key": key, "Authorization": f"Bearer {tokens['access_token']}"}
    submitted = http.post(
        "/api/v1/relay/sponsored",
        headers=headers,
        json={
            "request": {k: str(v) if isinstance(v, int) else v for k, v in request.items()},
            "signature": "0x" + signature.hex(),
        },
    )
    assert submitted.status_code == 202, submitted.text
    record = submitted.json()
    assert record["kind"] == "sponsored"
    deadline = time.monotonic() + 60
    while record["state"] != "confirmed":
        assert record["state"] in {"received", "submitted", "mined"}, record
        assert time.monotonic() < deadline, f"not confirmed within 60 s: {record}"
        time.sleep(0.5)
        found = http.get(f"/api/v1/relay/transactions/{record['hash']}", headers=headers)
        assert found.status_code == 200, found.text
        record = found.json()
    assert tuple(recipient.functions.entry(0).call()) == (user.address, "gm from make run")


def test_sigterm_stops_the_chain_with_the_platform(running: Running) -> None:
    """Last: it ends the module's process."""
    assert port_open("127.0.0.1", running.chain_port)
    os.killpg(running.process.pid, signal.SIGTERM)
    running.process.wait(30)
    assert not port_open("127.0.0.1", running.chain_port), "anvil outlived the platform"
    assert not (running.data / "anvil").exists(), "anvil's folder was left behind"
