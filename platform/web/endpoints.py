"""Serve the console: the built single-page app (platform/web/console, built by ``make setup``
into platform/web/console_dist) at /console, and the earlier one-file page at /console/classic
until its deployments view is ported. Both talk to the API with the session cookie and the CSRF
header."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Depends, Response
from fastapi.responses import FileResponse, HTMLResponse

from chainless.platform.core.deps import RateLimit
from chainless.platform.core.errors import NotFound

router = APIRouter(include_in_schema=False)
_limit = [Depends(RateLimit("console.page", "per_ip_per_minute", 60))]
_HERE = Path(__file__).parent
CLASSIC_PAGE = _HERE / "static" / "console.html"
DIST = _HERE / "console_dist"
_ASSET_NAME = re.compile(r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:js|css|svg|png|woff2)$")
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_NOT_BUILT = (
    "<!doctype html><html lang='en'><meta charset='utf-8'><title>Chainless console</title>"
    "<p>The console is not built. Run <code>make setup</code> (it runs <code>npm ci</code> and"
    " the build in platform/web/console).</p></html>"
)


def _page(response: Response, html: str, status: int = 200) -> HTMLResponse:
    # A returned response does not inherit the dependencies' headers (the rate limit's): copy them.
    headers = {**response.headers, **_SECURITY_HEADERS, "Cache-Control": "no-cache"}
    return HTMLResponse(html, status_code=status, headers=headers)


@router.get("/console/classic", response_class=HTMLResponse, dependencies=_limit)
def classic_console(response: Response) -> HTMLResponse:
    return _page(response, CLASSIC_PAGE.read_text(encoding="utf-8"))


@router.get(
    "/console/assets/{name}",
    dependencies=[Depends(RateLimit("console.asset", "per_ip_per_minute", 60))],
)
def console_asset(name: str) -> FileResponse:
    """A built file; its name carries its content hash, so it may be cached for good."""
    path = DIST / "assets" / name
    if not _ASSET_NAME.match(name) or not path.is_file():
        raise NotFound(f"no console asset {name!r}", code="not_found")
    headers = {"Cache-Control": "public, max-age=31536000, immutable", **_SECURITY_HEADERS}
    return FileResponse(path, headers=headers)


@router.get("/console", response_class=HTMLResponse, dependencies=_limit)
@router.get("/console/{page:path}", response_class=HTMLResponse, dependencies=_limit)
def console(response: Response, page: str = "") -> HTMLResponse:
    """Every other console path is a page of the app: its router picks it in the browser."""
    index = DIST / "index.html"
    if not index.is_file():
        return _page(response, _NOT_BUILT, status=503)
    return _page(response, index.read_text(encoding="utf-8"))
