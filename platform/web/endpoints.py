"""Serve the console page; it talks to the API with the session cookie and the CSRF header."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
_PAGE = Path(__file__).with_name("static") / "console.html"
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@router.get("/console", response_class=HTMLResponse)
@router.get("/console/{page:path}", response_class=HTMLResponse)
def console(page: str = "") -> HTMLResponse:
    return HTMLResponse(_PAGE.read_text(encoding="utf-8"), headers=_SECURITY_HEADERS)
