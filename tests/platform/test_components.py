"""Everything declared is registered (DESIGN.md, "Components register explicitly").

The test walks the whole ``chainless`` package, imports every module and collects what is
declared anywhere: every ``@job`` (and whether it is periodic), every ``APIRouter`` and every
component declaration. It then compares them with what the assembled worker (its Celery tasks),
scheduler (beat's schedule and the embedded one) and api (its routes) registered. No list is
kept by hand on either side: a job written and forgotten fails here (issue 12, item 8: the
signing-key rotation was declared and never scheduled).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import types
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute, iter_route_contexts

from chainless.platform import assembly
from chainless.platform.core.components import Component
from chainless.platform.core.jobs import JobSpec, declared_job, job
from chainless.platform.core.services import Services
from chainless.platform.core.settings import Settings
from chainless.platform.scheduler import EmbeddedScheduler, beat_schedule
from chainless.platform.worker import celery_app

pytestmark = pytest.mark.portable


def top_packages() -> list[str]:
    """The ``chainless.*`` packages as the import system knows them: listed by the namespace's
    path when installed, or by setuptools' editable finder (``pip install -e``)."""
    import chainless

    found = {m.name for m in pkgutil.iter_modules(chainless.__path__, "chainless.")}
    for finder in sys.meta_path:
        mapping = getattr(sys.modules.get(getattr(finder, "__module__", "")), "MAPPING", {})
        found.update(name for name in mapping if name.startswith("chainless."))
    return sorted(found)


def every_module() -> list[types.ModuleType]:
    modules = []
    for top in top_packages():
        package = importlib.import_module(top)
        modules.append(package)
        for info in pkgutil.walk_packages(package.__path__, f"{top}."):
            modules.append(importlib.import_module(info.name))
    return modules


@dataclass
class Declared:
    jobs: dict[str, JobSpec]
    routers: list[tuple[str, APIRouter]]
    components: list[tuple[str, Component]]


def declarations(modules: Iterable[types.ModuleType]) -> Declared:
    found = Declared({}, [], [])
    for module in modules:
        for attribute, value in vars(module).items():
            where = f"{module.__name__}.{attribute}"
            spec = declared_job(value)
            if spec is not None:
                found.jobs[spec.name] = spec
            elif isinstance(value, APIRouter):
                found.routers.append((where, value))
            elif isinstance(value, Component):
                found.components.append((where, value))
    return found


@dataclass
class Assembled:
    worker_tasks: set[str]
    scheduled: dict[str, set[str]]  # by scheduler: the job names it sends
    endpoints: set[tuple[Any, str]]  # (endpoint function, method) of every route the api serves
    components: tuple[Component, ...]


def unregistered(declared: Declared, assembled: Assembled) -> list[str]:
    """What is declared and not registered, in words (an empty list is a pass)."""
    problems = []
    for name, spec in sorted(declared.jobs.items()):
        if name not in assembled.worker_tasks:
            problems.append(f"job {name} is declared and the worker has no task for it")
        for scheduler, names in assembled.scheduled.items():
            if spec.every is not None and name not in names:
                problems.append(f"periodic job {name} is not scheduled by {scheduler}")
    for where, component in declared.components:
        if not any(component is member for member in assembled.components):
            problems.append(f"component {where} is declared and not in the assembly")
    for where, router in declared.routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            for method in route.methods or ():
                if (route.endpoint, method) not in assembled.endpoints:
                    problems.append(f"route {method} {route.path} of {where} is not served")
    return problems


def assembled_platform(app: Any, services: Services, settings: Settings) -> Assembled:
    worker = celery_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    endpoints = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            endpoints.update((route.endpoint, method) for method in context.methods or ())
    return Assembled(
        worker_tasks={name for name in worker.tasks if not name.startswith("celery.")},
        scheduled={
            "celery beat": {entry["task"] for entry in worker.conf.beat_schedule.values()},
            "the embedded scheduler": {j.name for j in EmbeddedScheduler(services).jobs},
        },
        endpoints=endpoints,
        components=assembly.COMPONENTS,
    )


def test_everything_declared_in_the_package_is_registered(
    app: Any, services: Services, settings: Settings
) -> None:
    declared = declarations(every_module())
    assert {"chainless.platform", "chainless.oauth", "chainless.chain"} <= set(top_packages())
    assert "oauth.rotate_signing_key" in declared.jobs  # the walk reaches every component
    assert unregistered(declared, assembled_platform(app, services, settings)) == []


def test_a_forgotten_job_or_router_is_reported(
    app: Any, services: Services, settings: Settings
) -> None:
    """The check itself: a module whose job and router no component declares fails it."""
    forgotten = types.ModuleType("chainless.platform.forgotten")

    @job("forgotten.sweep", every=60)
    def sweep(scope: object) -> None:
        """Declared, periodic, and in no component's ``jobs()``."""

    forgotten.sweep = sweep  # type: ignore[attr-defined]
    forgotten.router = APIRouter()  # type: ignore[attr-defined]
    forgotten.router.get("/forgotten")(lambda: None)  # type: ignore[attr-defined]

    class Forgotten(Component):
        name = "forgotten"

    forgotten.component = Forgotten()  # type: ignore[attr-defined]
    problems = unregistered(declarations([forgotten]), assembled_platform(app, services, settings))
    assert problems == [
        "job forgotten.sweep is declared and the worker has no task for it",
        "periodic job forgotten.sweep is not scheduled by celery beat",
        "periodic job forgotten.sweep is not scheduled by the embedded scheduler",
        "component chainless.platform.forgotten.component is declared and not in the assembly",
        "route GET /forgotten of chainless.platform.forgotten.router is not served",
    ]


def test_the_worker_and_the_schedulers_are_built_from_the_same_components(
    settings: Settings, services: Services
) -> None:
    specs = assembly.job_specs()
    periodic = {spec.name: spec.every for spec in specs if spec.every is not None}
    worker = celery_app(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    assert {spec.name for spec in specs} <= set(worker.tasks)
    assert {name: entry["schedule"].total_seconds() for name, entry in beat_schedule().items()} == (
        periodic
    )
    assert {j.name: j.every for j in EmbeddedScheduler(services).jobs} == periodic


def test_the_oauth_and_relay_routes_are_tried_first(app: Any) -> None:
    """FastAPI tries the routes in order; the hottest go first (docs/BENCHMARKS.md)."""
    fastapi_own = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
    paths = [c.path for c in iter_route_contexts(app.routes) if c.path not in fastapi_own]
    first_api = paths.index("/api/v1/apps")
    assert paths[:3] == ["/healthz", "/readyz", "/metrics"]
    assert paths.index("/oauth/token") < first_api
    assert paths.index("/api/v1/relay/transactions") < first_api
    assert paths.index("/api/v1/relay/sponsored") < first_api
    assert paths.index("/console") > paths.index("/api/v1/apps")


def test_a_component_lists_only_declared_jobs() -> None:
    class Careless(Component):
        name = "careless"

        def jobs(self) -> list[Any]:
            return [lambda scope: None]

    with pytest.raises(TypeError, match=r"careless lists .* not a @job"):
        assembly.job_specs([Careless()])


def test_readiness_runs_every_components_health_checks(client: Any) -> None:
    """The core's checks and the relay's chain check, each declared by its component."""
    declared = [name for name, _check in assembly.health_checks()]
    assert declared == ["database", "redis", "chain"]
    assert list(client.get("/readyz").json()["checks"]) == declared
