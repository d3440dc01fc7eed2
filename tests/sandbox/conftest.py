"""The sandbox as a person starts it: ``chainless sandbox PROJECT --port N`` in a subprocess
(its own anvil, its two origins), stopped with SIGINT as Ctrl-C does."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chainless.chain.localnode import rpc_available
from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "sandbox" / "examples" / "wallet-basics"
CHAINLESS = Path(sys.executable).with_name("chainless")


def run_sandbox(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """``chainless sandbox ARGS`` to its end (for the inputs it refuses)."""
    return subprocess.run(
        [str(CHAINLESS), "sandbox", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )


@pytest.fixture(scope="module")
def sandbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("sandbox") / "sandbox.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(CHAINLESS), "sandbox", str(EXAMPLE), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "200"},
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # anvil, the compile cache, the forwarder
    while True:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{url}/api/config", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"the sandbox did not start:\n{log.read_text()}"
        time.sleep(0.2)
    try:
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        output = log.read_text()
        assert "sandbox stopped" in output, output
        chain = re.search(r"(http://127\.0\.0\.1:\d+) \(anvil", output)
        assert chain, output
        assert rpc_available(chain.group(1), timeout=1) is None  # its anvil went with it
