"""``/docs``: Swagger UI renders the API in Chromium with nothing fetched from outside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route

from tests.browser import screenshot


def live_json(url: str) -> Any:
    return httpx.get(url, timeout=10).json()


pytestmark = pytest.mark.portable


def test_api_docs_render_offline(page: Page, live_url: str, tmp_path: Path) -> None:
    outside: list[str] = []

    def only_the_platform(route: Route) -> None:
        if route.request.url.startswith(live_url):
            route.continue_()
        else:  # a CDN the page would need: refused, as on a machine with no internet
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_platform)
    page.goto(f"{live_url}/docs")
    page.wait_for_selector(".opblock", timeout=20_000)
    # Swagger UI renders only the operations near the viewport: ask it what it read instead
    spec_paths = live_json(f"{live_url}/openapi.json")["paths"]
    assert page.evaluate("ui.specSelectors.paths().size") == len(spec_paths) > 50
    assert "/api/v1/relay/sponsored" in page.evaluate("ui.specSelectors.paths().keySeq().toArray()")
    screenshot(page, tmp_path, "api-docs")
    assert outside == []


def test_api_docs_assets_come_from_the_platform(client: Any) -> None:
    html = client.get("/docs").text
    assert "/docs/assets/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr.net" not in html
    assert "fastapi.tiangolo.com" not in html
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert client.get("/redoc").status_code == 404
