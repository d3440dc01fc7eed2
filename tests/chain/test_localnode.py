"""LocalChain starts the pinned anvil, serves signed transactions and stops cleanly."""

from __future__ import annotations

import gc
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from hexbytes import HexBytes
from web3 import Web3

from chainless.chain.localnode import (
    DEFAULT_MNEMONIC,
    LocalChain,
    LocalChainError,
    derive_accounts,
    port_open,
    rpc_available,
)

# anvil's first dev account for the public test mnemonic (the whole ecosystem documents it)
FIRST_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
FIRST_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def _transfer(w3: Web3, chain: LocalChain, value: int, nonce: int = 0) -> HexBytes:
    sender, receiver = chain.accounts[0], chain.accounts[1]
    tx = {
        "type": 2,
        "chainId": chain.chain_id,
        "nonce": nonce,
        "to": receiver.address,
        "value": value,
        "gas": 21_000,
        "maxFeePerGas": w3.to_wei(5, "gwei"),
        "maxPriorityFeePerGas": w3.to_wei(1, "gwei"),
    }
    signed = Account.sign_transaction(tx, sender.private_key)
    return w3.eth.send_raw_transaction(signed.raw_transaction)


@pytest.fixture
def chain() -> Iterator[LocalChain]:
    with LocalChain() as running:
        yield running


def test_derived_accounts_are_anvils_defaults() -> None:
    accounts = derive_accounts(DEFAULT_MNEMONIC, 3)
    assert accounts[0].address == FIRST_ADDRESS
    assert accounts[0].private_key == FIRST_KEY
    assert len({a.address for a in accounts}) == 3
    for account in accounts:
        assert Account.from_key(account.private_key).address == account.address


def test_rpc_available_is_none_when_nothing_answers() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert rpc_available(f"http://127.0.0.1:{port}", timeout=0.5) is None
    assert rpc_available("ftp://127.0.0.1/", timeout=0.5) is None


def test_rpc_available_is_none_for_a_server_that_is_not_a_node() -> None:
    class NotANode(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b"<html>hello</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotANode)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert rpc_available(f"http://127.0.0.1:{server.server_port}", timeout=1) is None
    finally:
        server.shutdown()
        server.server_close()


def test_mining_options_exclude_each_other() -> None:
    with pytest.raises(ValueError, match="exclude"):
        LocalChain(block_time=1, no_mining=True)


@pytest.mark.slow
def test_signed_transfer_round_trip_and_clean_stop() -> None:
    chain = LocalChain(port=0)
    chain.start()
    try:
        assert chain.running
        assert chain.port != 0
        assert chain.rpc_url == f"http://127.0.0.1:{chain.port}"
        assert rpc_available(chain.rpc_url) == 31337
        assert chain.accounts[0].address == FIRST_ADDRESS
        assert chain.accounts[0].private_key == FIRST_KEY
        assert len(chain.accounts) == 10

        w3 = Web3(Web3.HTTPProvider(chain.rpc_url))
        receiver = chain.accounts[1].address
        before = w3.eth.get_balance(receiver)
        tx_hash = _transfer(w3, chain, value=Web3.to_wei(1, "ether"))
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=10, poll_latency=0.01)
        assert receipt["status"] == 1
        assert receipt["from"] == FIRST_ADDRESS
        assert receipt["to"] == receiver
        assert receipt["blockNumber"] == 1  # automine: one block per transaction
        assert w3.eth.get_balance(receiver) - before == Web3.to_wei(1, "ether")
        port, pid = chain.port, chain.pid
        assert pid is not None
    finally:
        chain.stop()
    assert not chain.running
    assert not port_open("127.0.0.1", port)
    assert rpc_available(f"http://127.0.0.1:{port}", timeout=0.5) is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    chain.stop()  # idempotent


@pytest.mark.slow
def test_chain_id_is_configurable_and_websocket_answers() -> None:
    with LocalChain(chain_id=424242) as chain:
        assert rpc_available(chain.rpc_url) == 424242
        assert Web3(Web3.HTTPProvider(chain.rpc_url)).eth.chain_id == 424242
        ws_url = chain.rpc_url.replace("http://", "ws://")
        assert rpc_available(ws_url, timeout=2) == 424242


@pytest.mark.slow
def test_no_mining_keeps_transactions_pending_until_evm_mine() -> None:
    with LocalChain(no_mining=True) as chain:
        w3 = Web3(Web3.HTTPProvider(chain.rpc_url))
        tx_hash = _transfer(w3, chain, value=1)
        assert w3.eth.block_number == 0
        with pytest.raises(Exception, match="not found"):
            w3.eth.get_transaction_receipt(tx_hash)
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        assert w3.eth.get_transaction_receipt(tx_hash)["blockNumber"] == 1


@pytest.mark.slow
def test_block_time_mines_on_an_interval() -> None:
    with LocalChain(block_time=0.2) as chain:
        w3 = Web3(Web3.HTTPProvider(chain.rpc_url))
        deadline = time.monotonic() + 5
        while w3.eth.block_number < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert w3.eth.block_number >= 3  # without any transaction


@pytest.mark.slow
def test_context_manager_stops_on_error() -> None:
    chain = LocalChain()
    ports: list[int] = []

    def fail_inside() -> None:
        with chain:
            ports.append(chain.port)
            assert port_open("127.0.0.1", chain.port)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    (port,) = ports
    assert not chain.running
    assert not port_open("127.0.0.1", port)


@pytest.mark.slow
def test_port_in_use_fails_with_anvils_message() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        chain = LocalChain(port=port, startup_timeout=10)
        with pytest.raises(LocalChainError, match="already in use"):
            chain.start()
        assert not chain.running


@pytest.mark.slow
def test_an_abandoned_chain_is_stopped_when_collected() -> None:
    chain = LocalChain().start()
    pid, port = chain.pid, chain.port
    assert pid is not None
    del chain
    gc.collect()
    assert not port_open("127.0.0.1", port)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.slow
def test_bad_arguments_fail_with_the_log_tail() -> None:
    chain = LocalChain(extra_args=("--no-such-flag",))
    with pytest.raises(LocalChainError) as caught:
        chain.start()
    assert "anvil exited with code" in str(caught.value)
    assert "--no-such-flag" in str(caught.value)
    assert not chain.running


@pytest.mark.slow
def test_chain_on_a_fixed_port(chain: LocalChain) -> None:
    """A second chain on a fixed free port next to the fixture's one (`chainless run` style)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with LocalChain(port=port, chain_id=7) as other:
        assert other.rpc_url == f"http://127.0.0.1:{port}"
        assert rpc_available(other.rpc_url) == 7
        assert rpc_available(chain.rpc_url) == 31337


def test_a_chain_dies_with_a_parent_killed_without_cleanup(tmp_path: Path) -> None:
    """``die_with_parent``: SIGKILL of the process that started anvil (a crash: no ``stop``, no
    finalizer) still ends anvil, so the next start finds its port free."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from chainless.chain.localnode import LocalChain\n"
        f"chain = LocalChain(die_with_parent=True, workdir=Path({str(tmp_path / 'anvil')!r}))\n"
        "chain.start()\n"
        "print(chain.port, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        port = int(parent.stdout.readline())
        assert port_open("127.0.0.1", port)
        assert (tmp_path / "anvil" / "anvil.log").exists()  # the chosen folder, not a temp one
    finally:
        parent.kill()
        parent.wait(10)
    deadline = time.monotonic() + 10
    while port_open("127.0.0.1", port):
        assert time.monotonic() < deadline, "anvil outlived its killed parent"
        time.sleep(0.1)


def test_a_chosen_workdir_is_emptied_at_start_and_removed_at_stop(tmp_path: Path) -> None:
    workdir = tmp_path / "anvil"
    workdir.mkdir()
    (workdir / "left-by-a-crash.log").write_text("old")
    with LocalChain(workdir=workdir):
        assert not (workdir / "left-by-a-crash.log").exists()
        assert (workdir / "anvil.log").exists()
    assert not workdir.exists()
