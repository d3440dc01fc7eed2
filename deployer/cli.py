"""``chainless deploy``, ``cancel``, ``releases`` and ``rollback``: the deployer over HTTP.

These commands talk to a running platform's API (``--api-url``, ``CHAINLESS_API_URL``) with an
app's API key (``CHAINLESS_API_KEY``, scopes ``deploy:write`` and ``data:read``), the way a CI job
or a developer's terminal does; they need no database or settings of their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()
DEFAULT_API_URL = "http://127.0.0.1:8000"
sleep: Callable[[float], None] = time.sleep  # the wait between polls (tests drive their jobs here)

ApiUrl = Annotated[
    str, typer.Option("--api-url", envvar="CHAINLESS_API_URL", help="The platform's base URL")
]
ApiKey = Annotated[
    str,
    typer.Option(
        "--api-key",
        envvar="CHAINLESS_API_KEY",
        help="An API key of the app (deploy:write, data:read)",
        show_default=False,
    ),
]
Env = Annotated[str, typer.Option("--env", help="dev, test or prod")]


class ApiFailed(Exception):
    def __init__(self, response: httpx.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            body = {}
        self.code = str(body.get("code") or response.status_code)
        self.detail = str(body.get("detail") or response.text[:500])
        super().__init__(f"{self.code}: {self.detail}")


def _client(api_url: str, api_key: str) -> httpx.Client:
    if not api_key:
        console.print("[red]set CHAINLESS_API_KEY (or --api-key) to an API key of the app[/red]")
        raise typer.Exit(2)
    return httpx.Client(
        base_url=api_url.rstrip("/") + "/api/v1", headers={"X-API-Key": api_key}, timeout=30
    )


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    try:
        response = client.request(method, path, **kwargs)
    except httpx.HTTPError as error:
        console.print(f"[red]cannot reach the platform: {error}[/red]")
        raise typer.Exit(2) from None
    if response.is_error:
        failure = ApiFailed(response)
        console.print(f"[red]{failure.code}[/red]: {failure.detail}")
        raise typer.Exit(1)
    return response.json()


FINISHED = frozenset({"succeeded", "failed", "cancelled"})


def deploy(
    app_id: str,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = "",
    env: Env = "dev",
    ref: Annotated[str | None, typer.Option(help="Branch, tag or commit")] = None,
    staged: Annotated[
        bool, typer.Option(help="Publish without going live (then canary or promote)")
    ] = False,
    follow: Annotated[bool, typer.Option(help="Show the progress until it ends")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between polls")] = 1.0,
    timeout: Annotated[float, typer.Option(help="Give up following after this")] = 1800.0,
) -> None:
    """Deploy a branch, tag or commit of the app's repository to an environment."""
    body: dict[str, Any] = {"environment": env, "rollout": "staged" if staged else "immediate"}
    if ref:
        body["ref"] = ref
    with _client(api_url, api_key) as client:
        queued = _call(client, "POST", f"/apps/{app_id}/deployments", json=body)
        console.print(f"deployment [bold]{queued['id']}[/bold]: {queued['ref']} to {env}, queued")
        if not follow:
            return
        detail = _follow(client, app_id, queued["id"], interval, timeout)
    if detail["status"] != "succeeded":
        code, why = detail.get("error_code"), detail.get("error_detail")
        console.print(f"[red]deployment {detail['status']}[/red] ({code}): {why}")
        raise typer.Exit(1)
    console.print(f"[green]deployment {detail['id']} succeeded[/green] at {detail['commit_sha']}")


def _follow(
    client: httpx.Client, app_id: str, deployment_id: str, interval: float, timeout: float
) -> dict[str, Any]:
    """Poll the deployment's events (``?after=``) and show each; a bar counts finished stages."""
    after = 0
    deadline = time.monotonic() + timeout
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("queued", total=None)
        while True:
            detail: dict[str, Any] = _call(
                client,
                "GET",
                f"/apps/{app_id}/deployments/{deployment_id}",
                params={"after": after},
            )
            stages = detail.get("stages") or []
            progress.update(task, total=len(stages) or None)
            for event in detail["events"]:
                after = max(after, int(event["id"]))
                line = f"{event['stage']:>10} {event['status']:<9} {event['message']}"
                progress.console.print(line.rstrip())
                progress.update(task, description=f"{event['stage']}: {event['status']}")
                if event["status"] == "succeeded" and event["stage"] in stages:
                    progress.advance(task)
            if detail["status"] in FINISHED:
                return detail
            if time.monotonic() > deadline:
                console.print(f"[red]still {detail['status']} after {timeout:.0f} s[/red]")
                raise typer.Exit(1)
            sleep(interval)


def releases(
    app_id: str, api_url: ApiUrl = DEFAULT_API_URL, api_key: ApiKey = "", env: Env = "dev"
) -> None:
    """List the environment's releases, the current one and the canary."""
    with _client(api_url, api_key) as client:
        channel = _call(client, "GET", f"/apps/{app_id}/environments/{env}/releases")
    canary = channel["canary"]
    table = Table(title=f"{app_id} in {env}")
    for column in ("version", "status", "commit", "by", "created"):
        table.add_column(column)
    for release in channel["releases"]:
        status = release["status"]
        if status == "canary":
            status = f"canary {channel['canary_percent']}%"
        table.add_row(
            release["version"],
            status,
            release["commit_sha"][:12],
            release["created_by"],
            release["created_at"][:19].replace("T", " "),
        )
    console.print(table)
    console.print(f"current: {channel['current'] or '-'}  canary: {canary or '-'}")


def rollback(
    app_id: str,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = "",
    env: Env = "dev",
    version: Annotated[
        str | None, typer.Option(help="A recent release; by default the one before the current")
    ] = None,
) -> None:
    """Switch the environment back at once to an earlier release (clears any canary)."""
    with _client(api_url, api_key) as client:
        channel = _call(
            client, "POST", f"/apps/{app_id}/environments/{env}/rollback", json={"version": version}
        )
    console.print(f"[green]{app_id} {env} now serves {channel['current']}[/green]")


def cancel(
    app_id: str,
    deployment_id: str,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = "",
) -> None:
    """Cancel a deployment: at once while it waits, else when its running stage ends."""
    with _client(api_url, api_key) as client:
        done = _call(client, "POST", f"/apps/{app_id}/deployments/{deployment_id}/cancel")
    if done["cancel_requested"]:
        console.print(f"deployment {done['id']} ends after its {done['stage']} stage")
    else:
        console.print(f"[green]deployment {done['id']} cancelled[/green]")


COMMANDS = (deploy, cancel, releases, rollback)  # the deployer component declares these
