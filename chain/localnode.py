"""A local anvil chain as a child process, for ``chainless run``, the sandbox and the tests.

anvil comes from the pinned npm toolchain (``make setup``) and runs offline. It is started in its
own process group with ``--silent`` and its output in a log file (a pipe nobody reads would block
it); ``start()`` returns only once ``eth_chainId`` answers, and failures quote the log's tail.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from eth_typing import ChecksumAddress

from chainless.platform.toolchain import anvil_path

DEFAULT_CHAIN_ID = 31337
DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"
DEFAULT_DERIVATION_PATH = "m/44'/60'/0'/0/"
_START_ATTEMPTS = 3  # a port picked as free can be taken before anvil binds it


class LocalChainError(RuntimeError):
    """anvil did not start (or is not running); the message carries anvil's last log lines."""


@dataclass(frozen=True)
class DevAccount:
    """A funded development account: anvil derives it from the (public) test mnemonic."""

    address: ChecksumAddress
    private_key: str


def rpc_available(url: str, timeout: float = 1.0) -> int | None:
    """The chain id a JSON-RPC endpoint answers ``eth_chainId`` with, or None if it does not."""
    scheme = urlsplit(url).scheme
    try:
        if scheme in {"http", "https"}:
            return _http_chain_id(url, timeout)
        if scheme in {"ws", "wss"}:
            return _ws_chain_id(url, timeout)
    except (OSError, ValueError, KeyError, TypeError, urllib.error.URLError):
        return None
    return None


_CHAIN_ID_REQUEST = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})


def _parse_chain_id(body: str | bytes) -> int | None:
    result = json.loads(body).get("result")
    return int(result, 16) if isinstance(result, str) else None


def _http_chain_id(url: str, timeout: float) -> int | None:
    request = urllib.request.Request(  # noqa: S310 - scheme checked by the caller (http/https)
        url,
        data=_CHAIN_ID_REQUEST.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return _parse_chain_id(response.read())


def _ws_chain_id(url: str, timeout: float) -> int | None:
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    try:
        with connect(url, open_timeout=timeout, close_timeout=timeout) as websocket:
            websocket.send(_CHAIN_ID_REQUEST)
            return _parse_chain_id(websocket.recv(timeout=timeout))
    except (WebSocketException, TimeoutError):
        return None


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now on ``host`` (the OS picks it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class LocalChain:
    """anvil on ``host:port`` (port 0: a free one) with a configurable chain id and mining mode.

    ``block_time`` mines a block every so many seconds; ``no_mining`` mines only on ``evm_mine``;
    neither: a block per transaction (anvil's default). Use as a context manager or call
    :meth:`start` / :meth:`stop`.

    ``workdir``: where anvil's log and config go (emptied at start, removed by :meth:`stop`);
    by default a fresh temporary folder. ``die_with_parent``: anvil is sent SIGTERM by the kernel
    when the thread that started it dies, even by SIGKILL (Linux ``PR_SET_PDEATHSIG``), so a
    crashed ``chainless run`` leaves no chain behind.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        chain_id: int = DEFAULT_CHAIN_ID,
        block_time: float | None = None,
        no_mining: bool = False,
        accounts: int = 10,
        balance_ether: int = 10_000,
        mnemonic: str = DEFAULT_MNEMONIC,
        extra_args: tuple[str, ...] = (),
        startup_timeout: float = 20.0,
        anvil: Path | None = None,
        workdir: Path | None = None,
        die_with_parent: bool = False,
    ) -> None:
        if block_time is not None and no_mining:
            raise ValueError("block_time and no_mining exclude each other")
        if block_time is not None and block_time <= 0:
            raise ValueError("block_time must be positive")
        self.host = host
        self.requested_port = port
        self.port = port
        self.chain_id = chain_id
        self.block_time = block_time
        self.no_mining = no_mining
        self.account_count = accounts
        self.balance_ether = balance_ether
        self.mnemonic = mnemonic
        self.extra_args = extra_args
        self.startup_timeout = startup_timeout
        self._anvil = anvil
        self._chosen_workdir = workdir
        self.die_with_parent = die_with_parent
        self._process: subprocess.Popen[bytes] | None = None
        self._workdir: Path | None = None
        self._log: BinaryIO | None = None
        self._accounts: list[DevAccount] | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> LocalChain:
        """Start anvil and wait until it answers ``eth_chainId`` with our chain id."""
        if self.running:
            return self
        binary = self._anvil or anvil_path()
        self._workdir = self._fresh_workdir()
        last_error: LocalChainError | None = None
        attempts = _START_ATTEMPTS if self.requested_port == 0 else 1
        for _ in range(attempts):
            self.port = self.requested_port or free_port(self._bind_host)
            if port_open(self._connect_host, self.port):
                last_error = LocalChainError(
                    f"{self.host}:{self.port} is already in use by another process"
                )
                continue
            try:
                self._launch(binary)
                self._wait_ready()
                return self
            except LocalChainError as error:
                last_error = error
                self._terminate()
                if port_open(self._connect_host, self.port):
                    continue  # somebody else took the port: try another one
                break
        self._cleanup()
        assert last_error is not None
        raise last_error

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate anvil and everything in its process group; remove its temporary files."""
        self._terminate(timeout)
        self._cleanup()

    def __enter__(self) -> LocalChain:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- properties --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def rpc_url(self) -> str:
        host = self._connect_host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def accounts(self) -> list[DevAccount]:
        """The funded dev accounts with their private keys (from anvil's ``--config-out``)."""
        if self._accounts is None:
            self._accounts = self._read_accounts() or derive_accounts(
                self.mnemonic, self.account_count
            )
        return list(self._accounts)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines anvil wrote (errors only, since it runs ``--silent``)."""
        if self._workdir is None:
            return ""
        try:
            text = (self._workdir / "anvil.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    # -- internals ---------------------------------------------------------------------------

    @property
    def _bind_host(self) -> str:
        return self.host

    @property
    def _connect_host(self) -> str:
        """Where clients connect: a wildcard bind address is reached over loopback."""
        if self.host in {"0.0.0.0", ""}:  # noqa: S104 - comparing, not binding
            return "127.0.0.1"
        if self.host == "::":
            return "::1"
        return self.host

    def command(self, binary: Path) -> list[str]:
        """The anvil command line (public so ``chainless run`` can show what it starts)."""
        assert self._workdir is not None
        args = [
            str(binary),
            "--host", self.host,
            "--port", str(self.port),
            "--chain-id", str(self.chain_id),
            "--accounts", str(self.account_count),
            "--balance", str(self.balance_ether),
            "--mnemonic", self.mnemonic,
            "--config-out", str(self._workdir / "anvil.json"),
            "--silent",
        ]  # fmt: skip
        if self.block_time is not None:
            args += ["--block-time", f"{self.block_time:g}"]
        if self.no_mining:
            args.append("--no-mining")
        return args + list(self.extra_args)

    def _fresh_workdir(self) -> Path:
        if self._chosen_workdir is None:
            return Path(tempfile.mkdtemp(prefix="chainless-anvil-"))
        shutil.rmtree(self._chosen_workdir, ignore_errors=True)  # a crashed run's leftovers
        self._chosen_workdir.mkdir(parents=True)
        return self._chosen_workdir

    def _launch(self, binary: Path) -> None:
        assert self._workdir is not None
        self._accounts = None
        (self._workdir / "anvil.json").unlink(missing_ok=True)
        self._log = (self._workdir / "anvil.log").open("wb")
        self._process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
            self.command(binary),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() can end all of it
            cwd=self._workdir,
            preexec_fn=partial(_die_with_parent, os.getpid()) if self.die_with_parent else None,
        )
        # Ends anvil when this object is collected or the interpreter exits without stop().
        self._finalizer = weakref.finalize(self, _end_process_group, self._process, 2.0)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise LocalChainError(
                    f"anvil exited with code {self._process.returncode} while starting on "
                    f"{self.host}:{self.port}:\n{self.log_tail() or '(no output)'}"
                )
            answered = rpc_available(self.rpc_url, timeout=0.5)
            if answered == self.chain_id:
                return
            if answered is not None:
                raise LocalChainError(
                    f"{self.rpc_url} answers chain id {answered}, expected {self.chain_id}: "
                    "another node holds the port"
                )
            time.sleep(0.05)
        raise LocalChainError(
            f"anvil did not answer eth_chainId on {self.rpc_url} within {self.startup_timeout:g} s:"
            f"\n{self.log_tail() or '(no output)'}"
        )

    def _terminate(self, timeout: float = 5.0) -> None:
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if self._process is not None:
            _end_process_group(self._process, timeout)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _cleanup(self) -> None:
        if self._workdir is not None and not self.running:
            self._accounts = self._accounts or self._read_accounts()
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def _read_accounts(self) -> list[DevAccount] | None:
        if self._workdir is None:
            return None
        try:
            config = json.loads((self._workdir / "anvil.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        addresses, keys = config.get("available_accounts"), config.get("private_keys")
        if not addresses or not keys or len(addresses) != len(keys):
            return None
        return [
            DevAccount(address=_checksum(a), private_key=k)
            for a, k in zip(addresses, keys, strict=True)
        ]


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int) -> None:
    """In the child, before exec: ask the kernel for SIGTERM when the parent thread dies
    (prctl(2) ``PR_SET_PDEATHSIG``); no-op where that does not exist."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _end_process_group(process: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM anvil's process group, SIGKILL after ``timeout``.

    The group is signalled only while anvil (its leader, pgid == pid) is alive and unreaped, so the
    group id cannot have been reused by an unrelated process.
    """
    if process.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            continue


def _checksum(address: str) -> ChecksumAddress:
    from eth_utils import to_checksum_address

    return to_checksum_address(address)


def derive_accounts(mnemonic: str = DEFAULT_MNEMONIC, count: int = 10) -> list[DevAccount]:
    """Derive the accounts anvil funds from ``mnemonic`` (BIP-44 ``m/44'/60'/0'/0/i``)."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    accounts = []
    for index in range(count):
        account = Account.from_mnemonic(mnemonic, account_path=f"{DEFAULT_DERIVATION_PATH}{index}")
        accounts.append(DevAccount(address=account.address, private_key="0x" + account.key.hex()))
    return accounts
