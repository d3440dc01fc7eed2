"""The HTTP application: every component's routers, the edge middleware and the error handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from chainless.platform import assembly
from chainless.platform.core.errors import problem_responses
from chainless.platform.core.middleware import EdgeMiddleware
from chainless.platform.core.problem_handlers import install_problem_handlers
from chainless.platform.core.services import Services, build_services
from chainless.platform.core.settings import Settings, load_settings
from chainless.platform.web.api_docs import install_api_docs

API_DESCRIPTION = """
The Chainless open platform: developer accounts, mini-programs, API keys, review and listing,
wallet login (OAuth 2.0 + Sign-In with Ethereum), the transaction relay and the deployer.

Errors are RFC 9457 `application/problem+json` bodies with a stable `code`.
"""


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    settings = settings or (services.settings if services else load_settings())
    owns_services = services is None
    services = services or build_services(settings)
    assembly.install()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        assembly.start(services)
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
        docs_url=None,  # served with local assets by install_api_docs
        redoc_url=None,
    )
    from chainless.oauth.server import allow_http_outside_production

    allow_http_outside_production(settings)
    app.state.services = services
    app.state.settings = settings
    install_problem_handlers(app)
    assembly.include_routers(app)  # by priority: the OAuth and relay routes first
    install_api_docs(app)  # after them: never tried ahead of an API route
    app.state.health_checks = assembly.health_checks()  # what /readyz runs
    from chainless.chain.relay.lean_submit import LeanRelaySubmit
    from chainless.oauth.cors import PublicClientCors
    from chainless.oauth.endpoints.cached_introspection import CachedIntrospection
    from chainless.oauth.endpoints.lean_token import LeanToken
    from chainless.platform.apps.api_key_reads import ApiKeyAppReads

    app.add_middleware(LeanToken)  # these inside the edge middleware: added first
    app.add_middleware(CachedIntrospection)
    app.add_middleware(ApiKeyAppReads)
    app.add_middleware(LeanRelaySubmit)
    app.add_middleware(PublicClientCors)  # around LeanToken: its answers get the headers too
    app.add_middleware(
        EdgeMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_json_depth=settings.max_json_depth,
    )
    return app
