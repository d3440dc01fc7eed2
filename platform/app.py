"""The HTTP application: every component's routers, the edge middleware and the error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from chainless.platform.core.errors import problem_responses
from chainless.platform.core.middleware import EdgeMiddleware
from chainless.platform.core.problem_handlers import install_problem_handlers
from chainless.platform.core.services import Services, build_services
from chainless.platform.core.settings import Settings, load_settings
from chainless.platform.tasks import load_jobs

API_DESCRIPTION = """
The Chainless open platform: developer accounts, mini-programs, API keys, review and listing,
wallet login (OAuth 2.0 + Sign-In with Ethereum), the transaction relay and the deployer.

Errors are RFC 9457 `application/problem+json` bodies with a stable `code`.
"""


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    settings = settings or (services.settings if services else load_settings())
    owns_services = services is None
    services = services or build_services(settings)
    load_jobs()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_services:
            services.close()

    app = FastAPI(
        title="Chainless open platform",
        version="0.1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        # what the edge and the validation answer on any route: a body that is no JSON it
        # parses (400 malformed_json, json_too_deep), a field out of bounds or a NUL (422)
        responses=problem_responses(400, 422, 429),
    )
    from chainless.oauth.server import allow_http_outside_production

    allow_http_outside_production(settings)
    app.state.services = services
    app.state.settings = settings
    install_problem_handlers(app)
    _include_routers(app)
    from chainless.chain.relay.lean_submit import LeanRelaySubmit
    from chainless.oauth.endpoints.cached_introspection import CachedIntrospection
    from chainless.oauth.endpoints.lean_token import LeanToken
    from chainless.platform.apps.api_key_reads import ApiKeyAppReads

    app.add_middleware(LeanToken)  # these inside the edge middleware: added first
    app.add_middleware(CachedIntrospection)
    app.add_middleware(ApiKeyAppReads)
    app.add_middleware(LeanRelaySubmit)
    app.add_middleware(
        EdgeMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_json_depth=settings.max_json_depth,
    )
    return app


def _include_routers(app: FastAPI) -> None:
    from chainless.chain.relay.config_endpoints import router as relay_config
    from chainless.chain.relay.endpoints import router as relay
    from chainless.chain.relay.sponsored_endpoints import router as relay_sponsored
    from chainless.deployer.deployments.endpoints import router as deployments
    from chainless.deployer.releases.cdn import router as cdn
    from chainless.deployer.releases.endpoints import router as releases
    from chainless.oauth.endpoints import router as oauth
    from chainless.platform.accounts.endpoints import router as accounts
    from chainless.platform.alerts.endpoints import router as alerts
    from chainless.platform.apikeys.endpoints import router as apikeys
    from chainless.platform.apps.endpoints import router as apps
    from chainless.platform.audit.endpoints import router as audit
    from chainless.platform.auth.endpoints import router as auth
    from chainless.platform.health.endpoints import router as health
    from chainless.platform.members.endpoints import router as members
    from chainless.platform.permissions_api.endpoints import router as permissions
    from chainless.platform.qualifications.endpoints import router as qualifications
    from chainless.platform.web.endpoints import router as console

    # FastAPI tries the routes in order, every one of them (~120), so the hottest go first: a
    # route near the end cost a refresh 12% of its CPU in matching alone (docs/BENCHMARKS.md)
    app.include_router(health)
    app.include_router(oauth)
    app.include_router(relay, prefix="/api/v1")
    app.include_router(relay_sponsored, prefix="/api/v1")
    for router in (
        apps,
        apikeys,
        auth,
        accounts,
        qualifications,
        permissions,
        audit,
        alerts,
        deployments,
        releases,
    ):  # hot first
        app.include_router(router, prefix="/api/v1")
    app.include_router(members, prefix="/api/v1")
    app.include_router(relay_config, prefix="/api/v1")
    app.include_router(cdn)
    app.include_router(console)
