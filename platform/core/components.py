"""What a component hands the assembly: routers, jobs, event handlers, commands, health checks
and a startup hook.

Every component (each platform feature, oauth, chain, deployer, ...) exports one
:class:`Component` from its ``component.py``; ``chainless.platform.assembly`` lists them, and the
api, the worker and the scheduler are all built from that one list (warehouse's ``includeme``,
docs/decisions/0010-component-registration.md). Nothing is registered by importing a module.

Each facet is a method that imports what it names when called, so reading the commands (every
``chainless`` invocation) does not import the routers and the chain libraries behind them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import APIRouter

    from chainless.platform.core.services import Services


class RoutePriority(IntEnum):
    """Where a router goes in the app. FastAPI tries the routes in order, every one of them, so
    the hottest go first: a route near the end cost a token refresh 12% of its CPU in matching
    alone (docs/BENCHMARKS.md). Within one priority, the assembly's component order holds."""

    PROBES = 0  # /healthz, /readyz: answered even when everything else is slow
    HOT = 10  # the OAuth endpoints and the relay's submissions
    API = 20
    COLD = 30  # rarely called API routes
    LAST = 40  # catch-all paths (the CDN origin, the console pages)


@dataclass(frozen=True)
class Routes:
    router: APIRouter
    prefix: str = ""
    priority: RoutePriority = RoutePriority.API


# The facets' types, spelled here so that reading a declaration imports no SQLAlchemy:
JobFunction = Callable[..., None]  # declared with ``core.jobs.job``
Handler = Callable[..., None]  # as ``core.events.Handler``
Command = Callable[..., Any]  # a Typer command function, added under its own name
# A readiness check: a short description of the dependency, or an exception when it is down.
HealthCheck = Callable[["Services"], str]


class Component:
    """One component's declaration; override the facets it has (the others are empty)."""

    name: str = ""

    def routes(self) -> Sequence[Routes]:
        return ()

    def jobs(self) -> Sequence[JobFunction]:
        """Functions declared with ``@job``; those declared with ``every`` are also scheduled."""
        return ()

    def event_handlers(self) -> Sequence[tuple[str, Handler]]:
        """(event name, handler) pairs, subscribed in every process (``core.events``)."""
        return ()

    def commands(self) -> Sequence[Command]:
        return ()

    def health_checks(self) -> Sequence[tuple[str, HealthCheck]]:
        """(name, check) pairs that ``/readyz`` runs: the dependencies this component needs."""
        return ()

    def start(self, services: Services) -> None:
        """Run when the api starts, before it serves (keep it short and idempotent)."""

    def __repr__(self) -> str:
        return f"<component {self.name}>"
