"""``chainless sandbox PROJECT``: the wallet simulator for a project folder or a URL.

It starts the sandbox's own anvil (ten funded test accounts, the forwarder), serves the host
page on ``--port`` and the project's files on a second port (another origin, as in the wallet),
prints where to open it, and stops everything on Ctrl-C (or SIGTERM).
"""

from __future__ import annotations

import signal
import socket
from contextlib import ExitStack, suppress
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from chainless.sandbox.chain import SandboxChain
    from chainless.sandbox.project import Project
    from chainless.sandbox.rules import Rules
    from chainless.sandbox.server import SandboxState

console = Console()
DEFAULT_PORT = 8700


def sandbox(
    project: Annotated[
        str, typer.Argument(help="a folder of built files (with index.html) or a URL")
    ],
    port: Annotated[int, typer.Option(help="the host page's port (0: a free one)")] = DEFAULT_PORT,
    app_port: Annotated[
        int, typer.Option(help="the port the project folder is served on (0: a free one)")
    ] = 0,
    app_id: Annotated[str, typer.Option(help="the app_id the sandbox says it hosts")] = "sandbox",
    rules: Annotated[
        str,
        typer.Option(
            help="answer dialogs without a person: manual, approve, reject, or e.g. "
            "manual,personal_sign:reject,transfer:approve"
        ),
    ] = "manual",
) -> None:
    """Run the wallet sandbox: the mini-program in a phone-sized wallet frame on its own chain."""
    import uvicorn

    from chainless.chain.localnode import LocalChainError
    from chainless.sandbox.chain import start_chain
    from chainless.sandbox.project import ProjectError, resolve_project
    from chainless.sandbox.rules import RulesError, parse_rules

    try:
        resolved = resolve_project(project)
        initial_rules = parse_rules(rules)
    except (ProjectError, RulesError) as error:
        console.print(f"[red]{error}[/red]", highlight=False)
        raise typer.Exit(2) from None
    for warning in resolved.warnings:
        console.print(f"[yellow]{warning}[/yellow]", highlight=False)
    sockets = [_listen(port, "the sandbox")]
    if resolved.folder is not None:
        sockets.append(_listen(app_port, "the app"))
    _exit_on_termination()
    with ExitStack() as stack:
        for sock in sockets:
            stack.callback(sock.close)
        console.print("starting the sandbox's chain …")
        try:
            chain = start_chain()
        except LocalChainError as error:
            console.print(f"[red]{error}[/red]", highlight=False)
            raise typer.Exit(2) from None
        stack.callback(chain.stop)
        stack.callback(console.print, "sandbox stopped")
        app, state = _assemble(resolved, sockets, chain, app_id, initial_rules)
        _print_table(state, sockets[0].getsockname()[1], chain.rpc_url)
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on")
        with suppress(KeyboardInterrupt):
            uvicorn.Server(config).run(sockets=sockets)


def _listen(port: int, what: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as error:
        sock.close()
        console.print(
            f"[red]port {port} for {what} is taken ({error.strerror}): pass --port with "
            "another one, or 0 for a free one[/red]",
            highlight=False,
        )
        raise typer.Exit(2) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _assemble(
    resolved: Project,
    sockets: list[socket.socket],
    chain: SandboxChain,
    app_id: str,
    rules: Rules,
) -> tuple[ASGIApp, SandboxState]:
    from chainless.sandbox.decode import AbiBook, platform_abis, project_abis
    from chainless.sandbox.server import ByPort, SandboxState, app_files, host_app

    host_port = sockets[0].getsockname()[1]
    app_url = resolved.url or f"http://127.0.0.1:{sockets[1].getsockname()[1]}/"
    book = AbiBook()
    platform_abis(book, chain.contracts, chain.forwarder)
    if resolved.folder is not None:
        for name in project_abis(book, resolved.folder):
            console.print(f"[yellow]abi/{name} is not an ABI (skipped)[/yellow]", highlight=False)
    state = SandboxState(
        project=resolved,
        app_id=app_id,
        app_url=app_url,
        rpc_url=chain.rpc_url,
        chain_id=chain.chain_id,
        accounts=chain.accounts,
        forwarder=chain.forwarder,
        book=book,
        rules=rules,
    )
    apps: dict[int, ASGIApp] = {host_port: host_app(state)}
    if resolved.folder is not None:
        apps[sockets[1].getsockname()[1]] = app_files(state)
    return ByPort(apps), state


def _print_table(state: SandboxState, port: int, rpc_url: str) -> None:
    table = Table(title="The Chainless sandbox is running", show_header=False)
    table.add_row("Open", f"http://127.0.0.1:{port}/")
    table.add_row("App", f"{state.project.label}  ({state.app_url})")
    table.add_row("Chain", f"{rpc_url} (anvil, chain {state.chain_id}, 10 test accounts)")
    table.add_row("Forwarder", state.forwarder or "(none)")
    table.add_row("Rules", f"{_short(state.rules)}  (PUT /api/rules or ?rules= to change)")
    table.add_row("Stop", "Ctrl-C")
    console.print(table)


def _short(rules: Rules) -> str:
    parts = [rules.default.value] + [f"{k}:{v.value}" for k, v in rules.methods.items()]
    return ",".join(parts)


def _exit_on_termination() -> None:
    """SIGTERM and SIGHUP end the sandbox as Ctrl-C does, so anvil is stopped on the way out."""

    def _exit(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGHUP, _exit)


COMMANDS = (sandbox,)  # the sandbox component declares these
