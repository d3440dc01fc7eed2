"""The ``chainless`` command: run the platform, its workers, migrations and checks."""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from chainless.platform.core.http_protocol import PROTOCOL as HTTP_PROTOCOL
from chainless.platform.core.settings import InsecureProductionConfig, Settings, load_settings

app = typer.Typer(help="Chainless open platform", no_args_is_help=True, add_completion=False)


class WorkerPool(StrEnum):
    PREFORK = "prefork"
    THREADS = "threads"


db_app = typer.Typer(help="Database migrations", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()


def _settings() -> Settings:
    try:
        return load_settings()
    except InsecureProductionConfig as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the migrations up to REVISION (default: head)."""
    from chainless.platform.core.migrate import upgrade

    settings = _settings()
    _ensure_sqlite_folder(settings)
    upgrade(settings.database_url, revision)
    console.print(f"[green]database at {revision}[/green]")


@db_app.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    from chainless.platform.core.migrate import current_revision

    console.print(current_revision(_settings().database_url) or "(empty database)")


ADMIN_PASSWORD_ENV = "CHAINLESS_ADMIN_PASSWORD"  # noqa: S105 - the variable's name


@app.command("create-admin")
def create_admin(
    email: Annotated[
        str | None, typer.Option(help="asked for when missing (stdin must be a terminal)")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            envvar=ADMIN_PASSWORD_ENV,
            show_envvar=True,
            help="better from the environment or --password-file: a command line is visible "
            "to every user of the machine; asked for when missing (stdin must be a terminal)",
        ),
    ] = None,
    password_file: Annotated[
        Path | None,
        typer.Option(help="read the password from the first line of this file; - for stdin"),
    ] = None,
    role: Annotated[
        list[str], typer.Option(help="platform_operator, platform_devops or platform_tech")
    ] = [  # noqa: B006
        "platform_operator"
    ],
) -> None:
    """Create the first platform operator (or grant staff roles to an existing account)."""
    from chainless.platform.admin import create_staff
    from chainless.platform.core.errors import AppError
    from chainless.platform.core.permissions import STAFF_ROLES, Role
    from chainless.platform.core.services import build_services

    try:
        roles = tuple(Role(r) for r in role)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    if any(r not in STAFF_ROLES for r in roles):
        raise typer.BadParameter("only platform staff roles can be granted here")
    email = email or _ask("email", "Email", hide_input=False)
    password = _admin_password(password, password_file)
    services = build_services(_settings())
    try:
        with services.transaction() as session:
            account = create_staff(
                session,
                services.settings,
                services.hasher,
                email=email,
                password=password,
                roles=roles,
            )
            account_id = account.id
    except AppError as error:
        console.print(f"[red]{error.code}: {error.detail}[/red]")
        raise typer.Exit(1) from None
    finally:
        services.close()
    console.print(
        f"[green]{email} ({account_id}) holds {', '.join(r.value for r in roles)}[/green]"
    )


def _admin_password(given: str | None, password_file: Path | None) -> str:
    if given is not None and password_file is not None:
        raise typer.BadParameter(
            f"give the password once: --password (or {ADMIN_PASSWORD_ENV}) or --password-file"
        )
    if password_file is None:
        return given if given is not None else _ask("password", "Password", hide_input=True)
    try:
        text = sys.stdin.read() if str(password_file) == "-" else password_file.read_text()
    except OSError as error:
        raise typer.BadParameter(f"cannot read {password_file}: {error.strerror}") from None
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise typer.BadParameter(f"{password_file} holds no password on its first line")
    return lines[0]


def _ask(what: str, prompt: str, *, hide_input: bool) -> str:
    """Prompt on a terminal; with no terminal to ask on (a script, CI, a container), say what
    to give instead of failing on an empty read."""
    if not sys.stdin.isatty():
        hint = (
            f"--password-file FILE (- reads stdin) or {ADMIN_PASSWORD_ENV}"
            if what == "password"
            else "--email"
        )
        console.print(f"[red]no {what} given, and stdin is not a terminal to ask: {hint}[/red]")
        raise typer.Exit(2)
    return str(typer.prompt(prompt, hide_input=hide_input, confirmation_prompt=hide_input))


@app.command()
def doctor() -> None:
    """Check every dependency and print a fix for each one that is missing."""
    from chainless.platform.doctor import render, run_checks

    raise typer.Exit(render(run_checks(_settings()), console))


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    migrate: Annotated[bool, typer.Option(help="apply migrations before starting")] = False,
    access_log: bool = False,
) -> None:
    """Serve the API with uvicorn; worker processes share only the database and Redis."""
    import uvicorn

    settings = served_at(_settings(), host, port)
    # the app factory reads the settings again in every worker process: hand them the URL
    os.environ["CHAINLESS_PUBLIC_URL"] = settings.public_url
    if migrate:
        db_upgrade()
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="chainless-metrics-")
    _configure_logging(settings)
    uvicorn.run(
        "chainless.platform.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_config=None,
        proxy_headers=True,
        http=HTTP_PROTOCOL,
    )


@app.command()
def worker(
    concurrency: int = 2,
    pool: Annotated[
        WorkerPool,
        typer.Option(
            help="prefork: a process per job slot; threads: job slots as threads of one "
            "process, for jobs that mostly wait on the network (relay broadcasts, webhooks)"
        ),
    ] = WorkerPool.PREFORK,
    beat: Annotated[
        bool, typer.Option(help="also run the periodic scheduler (one per deployment)")
    ] = False,
) -> None:
    """Run a Celery worker for the background jobs (production: CHAINLESS_TASK_RUNNER=celery)."""
    from chainless.platform.worker import celery_app

    settings = _settings()
    if not settings.redis_url:
        console.print(
            "[red]the Celery worker needs CHAINLESS_REDIS_URL (the embedded mode runs jobs "
            "in-process with `chainless run`)[/red]"
        )
        raise typer.Exit(2)
    argv = ["worker", f"--concurrency={concurrency}", f"--pool={pool.value}", "--loglevel=INFO"]
    if beat:
        argv.append("--beat")
    celery_app(settings).worker_main(argv)


@app.command()
def run(
    port: int = 8000,
    host: str = "127.0.0.1",
) -> None:
    """The platform on its embedded default: SQLite, in-process jobs, local anvil, local CDN."""
    import uvicorn

    from chainless.platform.app import create_app
    from chainless.platform.core.migrate import upgrade
    from chainless.platform.core.services import build_services

    settings = served_at(_settings(), host, port)
    _ensure_sqlite_folder(settings)
    settings.storage.local_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    _configure_logging(settings)
    _exit_on_termination()
    with ExitStack() as stack:  # unwound on every exit: Ctrl-C, SIGTERM, SIGHUP, an error
        settings, chain_note = _start_local_chain(settings, stack)
        services = build_services(settings)
        stack.callback(services.close)
        _start_scheduler(services, stack)
        base = f"http://{_url_host(host)}:{port}"
        table = Table(title="Chainless is running", show_header=False)
        table.add_row("API docs", f"{base}/docs")
        table.add_row("Console", f"{base}/console")
        table.add_row("Health", f"{base}/healthz  ·  {base}/readyz")
        table.add_row("Metrics", f"{base}/metrics")
        table.add_row("Public URL", settings.public_url)
        table.add_row("Database", settings.database_url)
        table.add_row("Chain", chain_note)
        table.add_row("Forwarder", settings.chain.forwarder_address or "(none: no sponsored gas)")
        table.add_row("CDN folder", str(settings.storage.local_path))
        table.add_row("Mail", "outbox (`chainless outbox` shows it)")
        console.print(table)
        uvicorn.run(
            create_app(settings, services=services),
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            http=HTTP_PROTOCOL,
        )


def served_at(settings: Settings, host: str, port: int) -> Settings:
    """The settings with ``public_url`` (OAuth issuer, SIWE domain, links in mail) naming the
    address the server listens on, unless CHAINLESS_PUBLIC_URL set it."""
    if "public_url" in settings.model_fields_set:
        return settings
    return settings.model_copy(update={"public_url": f"http://{_url_host(host)}:{port}"})


def _url_host(host: str) -> str:
    """How a URL names a listening address: a wildcard is reached as localhost, IPv6 in []."""
    if host in {"", "0.0.0.0", "::"}:  # noqa: S104 - comparing, not binding
        return "localhost"
    return f"[{host}]" if ":" in host else host


def _exit_on_termination() -> None:
    """SIGTERM and SIGHUP end the process by ``SystemExit`` (as Ctrl-C does by
    ``KeyboardInterrupt``), so the ``with`` blocks unwind: anvil, the scheduler and the database
    are closed. uvicorn restores these handlers after its graceful shutdown and then raises the
    signal it caught again; with the default handlers the process died there, before cleanup."""

    def _exit(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGHUP, _exit)


def _start_local_chain(settings: Settings, stack: ExitStack) -> tuple[Settings, str]:
    from chainless.chain.embedded import ChainPortTaken, start_embedded_chain
    from chainless.chain.localnode import LocalChainError, rpc_available

    chain = settings.chain
    url = chain.rpc_urls[0]
    if not settings.start_local_chain:
        state = "answering" if rpc_available(url, 1.0) is not None else "not answering"
        return settings, f"{url} ({state}; CHAINLESS_START_LOCAL_CHAIN is off)"
    try:
        embedded = start_embedded_chain(settings, settings.data_dir / "anvil")
    except (ChainPortTaken, LocalChainError) as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    stack.callback(embedded.node.stop)
    note = f"{embedded.node.rpc_url} (anvil started with the platform, chain {chain.chain_id})"
    return embedded.settings, note


def _start_scheduler(services: object, stack: ExitStack) -> None:
    try:
        from chainless.platform.scheduler import EmbeddedScheduler
    except ImportError:
        return
    scheduler = EmbeddedScheduler(services)  # type: ignore[arg-type]
    scheduler.start()
    stack.callback(scheduler.stop)


@app.command()
def outbox(
    to: Annotated[str | None, typer.Option(help="only mail to this address")] = None,
    limit: int = 10,
) -> None:
    """Show the newest mail in the outbox (the embedded mode's mailbox)."""
    from sqlalchemy import select

    from chainless.platform.core.db import make_engine
    from chainless.platform.models import OutboxEmail

    engine = make_engine(_settings().database_url, pool_size=1)
    statement = select(OutboxEmail).order_by(OutboxEmail.created_at.desc()).limit(limit)
    if to:
        statement = statement.where(OutboxEmail.to_address == to.lower())
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        for message in session.scalars(statement):
            console.rule(
                f"{message.created_at:%Y-%m-%d %H:%M:%S} → {message.to_address} [{message.status}]"
            )
            console.print(message.subject, style="bold", markup=False, highlight=False)
            # as written: links whole on one line (no wrapping at the terminal's width) so they
            # can be clicked and copied, and no rich markup read into the text
            console.print(message.body, soft_wrap=True, markup=False, highlight=False)
    engine.dispose()


def _ensure_sqlite_folder(settings: Settings) -> None:
    if settings.is_sqlite:
        path = settings.database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)


def _configure_logging(settings: Settings) -> None:
    from chainless.platform.core.logging import configure_logging

    configure_logging(settings.log_level, json_output=settings.log_json)


def main() -> None:
    app()


def _add_component_commands() -> None:
    from chainless.platform import assembly

    assembly.add_commands(app)


_add_component_commands()
