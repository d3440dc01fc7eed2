"""The platform's components, in one ordered list that the api, the worker and the scheduler
all read (docs/decisions/0010-component-registration.md).

This is the only list: a component is part of the platform because it is named here, the way
warehouse's ``config.include`` calls name its parts. What a component brings (routers, jobs and
their schedules, event handlers, commands, startup) is its own declaration (``component.py``).
The order is the order of the routers within one priority (``RoutePriority``).

Every ``chainless`` command reads this module for the components' commands, so it imports
nothing heavy at the top (the declarations import their routers and jobs when asked).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from chainless.chain.component import component as chain
from chainless.deployer.component import component as deployer
from chainless.oauth.component import component as oauth
from chainless.platform.accounts.component import component as accounts
from chainless.platform.alerts.component import component as alerts
from chainless.platform.apikeys.component import component as apikeys
from chainless.platform.apps.component import component as apps
from chainless.platform.audit.component import component as audit
from chainless.platform.auth.component import component as auth
from chainless.platform.catalog.component import component as catalog
from chainless.platform.core.components import Component, HealthCheck, Routes
from chainless.platform.health.component import component as health
from chainless.platform.mail.component import component as mail
from chainless.platform.members.component import component as members
from chainless.platform.overview.component import component as overview
from chainless.platform.permissions_api.component import component as permissions_api
from chainless.platform.qualifications.component import component as qualifications
from chainless.platform.web.component import component as web
from chainless.sandbox.component import component as sandbox

if TYPE_CHECKING:
    import typer
    from fastapi import FastAPI

    from chainless.platform.core.jobs import JobSpec
    from chainless.platform.core.services import Services

COMPONENTS: tuple[Component, ...] = (
    health,
    oauth,
    chain,
    apps,
    apikeys,
    auth,
    accounts,
    qualifications,
    permissions_api,
    audit,
    alerts,
    overview,
    deployer,
    catalog,
    members,
    mail,
    web,
    sandbox,
)


def job_specs(components: Iterable[Component] = COMPONENTS) -> list[JobSpec]:
    """Every job the components declare; a function in ``jobs()`` without ``@job`` is a bug."""
    from chainless.platform.core.jobs import declared_job  # not for the CLI's commands: see below

    specs = []
    for component in components:
        for function in component.jobs():
            spec = declared_job(function)
            if spec is None:
                raise TypeError(f"{component.name} lists {function!r}, which is not a @job")
            specs.append(spec)
    return specs


def install(components: Iterable[Component] = COMPONENTS) -> None:
    """Register the components' jobs and event handlers in this process (idempotent): the api,
    a worker and the scheduler each call it before they run or send anything."""
    from chainless.platform.core import events, jobs

    components = tuple(components)
    for spec in job_specs(components):
        jobs.register(spec)
    for component in components:
        for event, handler in component.event_handlers():
            events.subscribe(event)(handler)


def routes(components: Iterable[Component] = COMPONENTS) -> list[Routes]:
    """Every router, by priority, then in the components' order (a stable sort)."""
    declared = [mount for component in components for mount in component.routes()]
    return sorted(declared, key=lambda mount: mount.priority)


def include_routers(app: FastAPI, components: Iterable[Component] = COMPONENTS) -> None:
    for mount in routes(components):
        app.include_router(mount.router, prefix=mount.prefix)


def add_commands(cli: typer.Typer, components: Iterable[Component] = COMPONENTS) -> None:
    for component in components:
        for command in component.commands():
            cli.command()(command)


def health_checks(components: Iterable[Component] = COMPONENTS) -> list[tuple[str, HealthCheck]]:
    """What ``/readyz`` checks, in the components' order."""
    return [check for component in components for check in component.health_checks()]


def start(services: Services, components: Iterable[Component] = COMPONENTS) -> None:
    for component in components:
        component.start(services)
