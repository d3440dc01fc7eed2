"""The consent page's Content-Security-Policy: every source valid CSP3 (Chromium drops invalid
ones with a console error), and the form may lead to the app's registered redirect URI."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser

from chainless.platform.core.settings import Settings
from tests.browser import screenshot
from tests.factories import Factory, online_app
from tests.oauth.wallet import TestWallet, authorize_params, pkce_pair

pytestmark = pytest.mark.portable

# CSP3 §2.3.1 source expressions (the kinds this page uses)
SOURCE = re.compile(
    r"'self'|'none'|'nonce-[\w+/=-]+'|[a-z][a-z0-9+.-]*:"
    r"|(?:[a-z][a-z0-9+.-]*://)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d+|\*))?"
)


@pytest.fixture
def settings(settings: Settings, live_port: int) -> Settings:
    return settings.model_copy(update={"public_url": f"http://127.0.0.1:{live_port}"})


def form_action(response: Any) -> list[str]:
    policy = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    for sources in directives.values():
        for source in sources.split():
            assert SOURCE.fullmatch(source), f"not a CSP3 source expression: {source}"
    return directives["form-action"].split()


def consent_page(http: httpx.Client, redirect_uri: str, factory: Factory) -> httpx.Response:
    app = online_app(factory, redirect_uri=redirect_uri)
    _verifier, challenge = pkce_pair()
    page = http.get("/oauth/authorize", params=authorize_params(app, challenge))
    assert page.status_code == 200, page.text
    assert "would like to" in page.text
    return page


def test_the_consent_policy_holds_only_valid_sources(live_url: str, factory: Factory) -> None:
    with httpx.Client(base_url=live_url) as http:
        TestWallet(http).sign_in()
        ordinary = form_action(consent_page(http, "https://app.example.com/cb", factory))
        ipv6 = form_action(consent_page(http, "http://[::1]:8710/cb", factory))
    assert ordinary == ["'self'", "https:", "http://localhost:*", "http://127.0.0.1:*"]
    assert "http:" in ipv6  # the one way CSP can let the form lead to http://[::1]


def test_chromium_accepts_the_consent_pages_policy(
    browser: Browser, live_url: str, factory: Factory, tmp_path: Path
) -> None:
    with httpx.Client(base_url=live_url) as http:
        TestWallet(http).sign_in()
        cookies = [{"name": k, "value": v, "url": live_url} for k, v in http.cookies.items()]
        app = online_app(factory, redirect_uri="http://127.0.0.1:8710/cb")
    context = browser.new_context(viewport={"width": 375, "height": 812})
    context.add_cookies(cookies)  # type: ignore[arg-type]
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    _verifier, challenge = pkce_pair()
    query = httpx.QueryParams(authorize_params(app, challenge))
    page.goto(f"{live_url}/oauth/authorize?{query}")
    assert page.get_by_role("button", name="Allow").is_visible()
    screenshot(page, tmp_path, "consent")
    context.close()
    assert [m for m in console if "Content Security Policy" in m] == []
