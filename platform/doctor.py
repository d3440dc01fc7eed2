"""``chainless doctor``: check every dependency and say how to fix each one that is missing.

A new machine fails in predictable ways (no ``make setup`` yet, no Postgres/Redis, migrations
behind, no chain node); each check names the one command that fixes it instead of a stack trace.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table

from chainless.platform import toolchain as tc
from chainless.platform.core.settings import Mode, Settings

SETUP_FIX = "run `make setup`"
SERVICES_FIX = "run `make services`"
UPGRADE_FIX = "run `chainless db upgrade`"
NODE_FIX = "install Node.js 20 or newer (with npm), then run `make setup`"
MIN_NODE_MAJOR = 20
TIMEOUT = 5.0

# import name -> distribution name (for the version shown)
PYTHON_PACKAGES: dict[str, str] = {
    "fastapi": "fastapi",
    "sqlalchemy": "SQLAlchemy",
    "alembic": "alembic",
    "psycopg": "psycopg",
    "redis": "redis",
    "celery": "celery",
    "authlib": "Authlib",
    "web3": "web3",
    "eth_account": "eth-account",
    "coincurve": "coincurve",
    "github": "PyGithub",
    "slither": "slither-analyzer",
    "solcx": "py-solc-x",
    "boto3": "boto3",
}


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    fix: str | None = None


def _ok(name: str, detail: str) -> CheckResult:
    return CheckResult(name, True, detail, None)


def _fail(name: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(name, False, detail, fix)


def run_checks(settings: Settings) -> list[CheckResult]:
    """Run every check; one failing never stops the others."""
    results: list[CheckResult] = []
    steps: list[tuple[str, Callable[[], list[CheckResult]]]] = [
        ("python packages", check_python_packages),
        ("node", check_node),
        ("node tools", check_node_tools),
        ("slither", check_slither),
        ("database", lambda: check_database(settings)),
        ("redis", lambda: [check_redis(settings)]),
        ("chain", lambda: [check_chain(settings)]),
    ]
    for name, step in steps:
        try:
            results.extend(step())
        except Exception as error:  # a broken check must not hide the remaining ones
            results.append(
                _fail(
                    name, f"check crashed: {error!r}", "report this as a bug in `chainless doctor`"
                )
            )
    return results


# -- Python ------------------------------------------------------------------------------------


def check_python_packages() -> list[CheckResult]:
    results = []
    for module, distribution in PYTHON_PACKAGES.items():
        name = f"python: {distribution}"
        try:
            importlib.import_module(module)
        except Exception as error:
            results.append(_fail(name, f"cannot import {module}: {error}", SETUP_FIX))
            continue
        try:
            version = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            version = "unknown version"
        results.append(_ok(name, version))
    return results


# -- node and the pinned node tools --------------------------------------------------------------


def _run(command: list[str], timeout: float = 60.0) -> tuple[int, str]:
    """Exit code and combined output of a command; 127 if it cannot be started."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed argument lists built here
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return 127, str(error)
    return done.returncode, (done.stdout + done.stderr).strip()


def check_node() -> list[CheckResult]:
    results = []
    node = shutil.which("node")
    if node is None:
        results.append(_fail("node", "not found on PATH", NODE_FIX))
    else:
        code, output = _run([node, "--version"], TIMEOUT)
        match = re.match(r"v(\d+)\.", output)
        if code != 0 or not match:
            results.append(_fail("node", f"`node --version` failed: {output[:200]}", NODE_FIX))
        elif int(match.group(1)) < MIN_NODE_MAJOR:
            results.append(_fail("node", f"{output} is too old", NODE_FIX))
        else:
            results.append(_ok("node", f"{output} ({node})"))
    npm = shutil.which("npm")
    if npm is None:
        results.append(_fail("npm", "not found on PATH", NODE_FIX))
    else:
        code, output = _run([npm, "--version"], 30)
        version = output.splitlines()[-1] if output else ""
        if code != 0:
            results.append(_fail("npm", f"`npm --version` failed: {output[:200]}", NODE_FIX))
        else:
            results.append(_ok("npm", f"{version} ({npm})"))
    return results


def check_node_tools() -> list[CheckResult]:
    try:
        pins = tc.pinned_versions()
    except tc.ToolchainMissing as error:
        return [_fail("toolchain lockfile", str(error), error.fix)]
    return [_check_solc(pins), _check_anvil(pins), _check_package(tc.OPENZEPPELIN_PACKAGE, pins)]


def _check_solc(pins: dict[str, str]) -> CheckResult:
    pinned = pins.get(tc.SOLC_PACKAGE)
    try:
        path = tc.solc_path()
        version = tc.solc_long_version()
    except tc.ToolchainMissing as error:
        return _fail("solc (solc-js)", str(error), error.fix)
    if pinned and version.split("+", 1)[0] != pinned:
        return _fail("solc (solc-js)", f"{version} installed, {pinned} pinned", SETUP_FIX)
    return _ok("solc (solc-js)", f"{version} ({path})")


def _check_anvil(pins: dict[str, str]) -> CheckResult:
    pinned = pins.get(tc.ANVIL_PACKAGE)
    try:
        path = tc.anvil_path()
        version = tc.anvil_version()
    except tc.ToolchainMissing as error:
        return _fail("anvil", str(error), error.fix)
    if pinned and version != pinned:
        return _fail("anvil", f"{version} installed, {pinned} pinned", SETUP_FIX)
    return _ok("anvil", f"{version} ({path})")


def _check_package(package: str, pins: dict[str, str]) -> CheckResult:
    pinned = pins.get(package)
    installed = tc.installed_version(package)
    if installed is None:
        return _fail(package, f"not installed in {tc.node_modules()}", SETUP_FIX)
    if pinned and installed != pinned:
        return _fail(package, f"{installed} installed, {pinned} pinned", SETUP_FIX)
    return _ok(package, installed)


def check_slither() -> list[CheckResult]:
    """The venv's own ``slither`` (next to this interpreter), not whatever is first on PATH."""
    slither = Path(sys.executable).parent / "slither"
    if not slither.is_file():
        return [_fail("slither", f"{slither} does not exist", SETUP_FIX)]
    code, output = _run([str(slither), "--version"])
    if code != 0:
        return [_fail("slither", f"`slither --version` failed: {output[-200:]}", SETUP_FIX)]
    return [_ok("slither", f"{output.splitlines()[-1]} ({slither})")]


# -- database ------------------------------------------------------------------------------------


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def _sqlite_file(url: str) -> Path | None:
    path = url.split("///", 1)[-1] if "///" in url else ""
    if not path or path.startswith(":memory:") or path.startswith("file:"):
        return None
    return Path(path.split("?", 1)[0])


def check_database(settings: Settings) -> list[CheckResult]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = settings.database_url
    shown = _redacted(url)
    db_fix = (
        "check CHAINLESS_DATABASE_URL and that its folder is writable"
        if settings.is_sqlite
        else f"{SERVICES_FIX} (or correct CHAINLESS_DATABASE_URL)"
    )
    if settings.is_sqlite:
        file = _sqlite_file(url)
        if file is not None and not file.exists():
            # Connecting would create an empty file; say what will create it instead.
            if settings.mode is Mode.DEVELOPMENT:
                return [
                    _ok(
                        "database",
                        f"{shown}: not created yet; `chainless run` creates and migrates it",
                    )
                ]
            return [_fail("database", f"{shown}: file does not exist", UPGRADE_FIX)]
    try:
        probe_url = url
        connect_args: dict[str, object] = {}
        if not settings.is_sqlite:
            if probe_url.startswith("postgresql://"):
                probe_url = "postgresql+psycopg://" + probe_url.removeprefix("postgresql://")
            if make_url(probe_url).get_backend_name() == "postgresql":
                connect_args["connect_timeout"] = int(TIMEOUT)
        engine = create_engine(probe_url, poolclass=NullPool, connect_args=connect_args)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            engine.dispose()
    except Exception as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        return [_fail("database", f"{shown}: {message}", db_fix)]
    return [_ok("database", f"{shown}: answers"), _check_migrations(url)]


def _check_migrations(url: str) -> CheckResult:
    from alembic.script import ScriptDirectory

    from chainless.platform.core.migrate import alembic_config, current_revision

    try:
        heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
        current = current_revision(url)
    except Exception as error:
        return _fail("migrations", f"cannot read the revisions: {error}", UPGRADE_FIX)
    head_text = ", ".join(sorted(heads)) or "(none)"
    if current is None:
        return _fail("migrations", f"empty database; head is {head_text}", UPGRADE_FIX)
    if current not in heads:
        return _fail("migrations", f"at {current}, head is {head_text}", UPGRADE_FIX)
    return _ok("migrations", f"at head ({current})")


# -- Redis ---------------------------------------------------------------------------------------


def check_redis(settings: Settings) -> CheckResult:
    if not settings.redis_url:
        return _ok("redis", "embedded: in-process substitutes")
    import redis

    shown = _redacted(settings.redis_url)
    try:
        client = redis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT
        )
        try:
            client.ping()
            version = client.info("server").get("redis_version", "?")
        finally:
            client.close()
    except Exception as error:
        return _fail(
            "redis", f"{shown}: {error}", f"{SERVICES_FIX} (or correct CHAINLESS_REDIS_URL)"
        )
    return _ok("redis", f"{shown}: answers (Redis {version})")


# -- chain ---------------------------------------------------------------------------------------


def _is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in {"127.0.0.1", "localhost", "::1"}


def check_chain(settings: Settings) -> CheckResult:
    from chainless.chain.localnode import rpc_available

    chain = settings.chain
    name = f"chain ({settings.chain_environment.value})"
    answers: dict[str, int | None] = {url: rpc_available(url, TIMEOUT) for url in chain.rpc_urls}
    matching = [url for url, chain_id in answers.items() if chain_id == chain.chain_id]
    wrong = {
        url: chain_id for url, chain_id in answers.items() if chain_id not in (None, chain.chain_id)
    }
    if matching:
        detail = f"chain {chain.chain_id} at {', '.join(matching)}"
        down = [url for url in chain.rpc_urls if url not in matching]
        if down:
            detail += f"; not answering: {', '.join(down)}"
        return _ok(name, detail)
    if wrong:
        found = ", ".join(f"{url} is chain {chain_id}" for url, chain_id in wrong.items())
        return _fail(
            name,
            f"expected chain {chain.chain_id}, but {found}",
            "point the chain settings (CHAINLESS_CHAINS) at a node of the expected chain",
        )
    urls = ", ".join(chain.rpc_urls)
    embedded = (
        settings.mode is Mode.DEVELOPMENT
        and settings.start_local_chain
        and _is_loopback(chain.rpc_urls[0])
    )
    if embedded:
        try:
            tc.anvil_path()
        except tc.ToolchainMissing as error:
            return _fail(
                name, f"nothing at {urls} and no anvil to start: {error.detail}", SETUP_FIX
            )
        return _ok(name, f"{urls}: started by `chainless run`")
    return _fail(
        name,
        f"no JSON-RPC answer at {urls}",
        f"start a node for chain {chain.chain_id} at {urls} (in development `chainless run` "
        "starts anvil) or correct the chain settings (CHAINLESS_CHAINS)",
    )


# -- output --------------------------------------------------------------------------------------


def render(results: list[CheckResult], console: Console) -> int:
    """Print the results as a table; the exit code is 0 when every check passed, else 1."""
    table = Table(title="chainless doctor", show_lines=False)
    table.add_column("", width=1)
    table.add_column("check", style="bold")
    table.add_column("detail", overflow="fold")
    table.add_column("fix", overflow="fold")
    for result in results:
        mark = "[green]✓[/green]" if result.ok else "[red]✗[/red]"
        table.add_row(
            mark, result.name, result.detail, f"[yellow]{result.fix}[/yellow]" if result.fix else ""
        )
    console.print(table)
    failed = [r for r in results if not r.ok]
    if failed:
        console.print(f"[red]{len(failed)} of {len(results)} checks failed[/red]")
        return 1
    console.print(f"[green]all {len(results)} checks passed[/green]")
    return 0
