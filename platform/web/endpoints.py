"""Serve the console page; it talks to the API with the session cookie and the CSRF header."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Response
from fastapi.responses import HTMLResponse

from chainless.platform.core.deps import RateLimit

router = APIRouter(include_in_schema=False)
_limit = [Depends(RateLimit("console.page", "per_ip_per_minute", 60))]
_PAGE = Path(__file__).with_name("static") / "console.html"
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@router.get("/console", response_class=HTMLResponse, dependencies=_limit)
@router.get("/console/{page:path}", response_class=HTMLResponse, dependencies=_limit)
def console(response: Response, page: str = "") -> HTMLResponse:
    # A returned response does not inherit the dependencies' headers (the rate limit's): copy them.
    headers = {**response.headers, **_SECURITY_HEADERS}
    return HTMLResponse(_PAGE.read_text(encoding="utf-8"), headers=headers)
