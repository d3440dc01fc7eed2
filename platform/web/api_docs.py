"""The API's documentation page (Swagger UI) with its script and styles served by the platform.

FastAPI's default ``/docs`` loads Swagger UI from a public CDN, so on a machine without internet
(the embedded default's promise) the page stayed blank. The assets come from the
``fastapi-swagger`` package instead (Swagger UI 5: the 4.x of ``swagger-ui-bundle`` cannot read
the OpenAPI 3.1 FastAPI writes) and are served under :data:`ASSETS`; the page itself is
FastAPI's ``get_swagger_ui_html`` pointed at them. ReDoc is not served (no packaged copy).
"""

from __future__ import annotations

from importlib import resources

import fastapi_swagger.resources
from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from chainless.platform.core.deps import RateLimit

DOCS = "/docs"
ASSETS = "/docs/assets"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
_limit = [Depends(RateLimit("api_docs.page", "per_ip_per_minute", 60))]


def install_api_docs(app: FastAPI) -> None:
    """Serve ``/docs`` (create the app with ``docs_url=None, redoc_url=None``)."""
    folder = str(resources.files(fastapi_swagger.resources))
    app.mount(ASSETS, StaticFiles(directory=folder), name="api-docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    title = f"{app.title} - API docs"

    @app.get(DOCS, include_in_schema=False, dependencies=_limit)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url=OAUTH2_REDIRECT,
        )

    @app.get(OAUTH2_REDIRECT, include_in_schema=False, dependencies=_limit)
    def api_docs_oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
