"""A mini-program on `@chainless/sdk` in real Chromium, framed by a test wallet host, against the
real platform and anvil: it logs in (the wallet runs the platform's authorize, SIWE and consent
pages; the app backend exchanges the code with ``sdk-py``), pays a transaction with its own gas
through viem's ``createWalletClient({ transport: custom(sdk.provider) })`` and sees it mined,
has a sponsored call relayed by the platform (``sendSponsored`` → the backend's
``RelayClient.submit_sponsored``), and gets a user's rejection as code 4001. Outside any wallet
the same page learns so within a second and its calls reject."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from playwright.sync_api import Browser, BrowserContext, FrameLocator, Page, expect

from chainless.platform.core.services import Services
from chainless_sdk import AccessTokenVerifier, OAuthClient, RelayClient
from tests.chain.relay.support import api_key, register_contract, track_now
from tests.conftest import RecordingJobRunner
from tests.contracts.conftest import Platform
from tests.factories import Factory, OnlineApp, online_app

pytestmark = pytest.mark.slow

SCOPE = "basic:address basic:user_id transaction:broadcast"
OAUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "prompt",
)
# What a wallet webview injects for the platform's sign-in page (it asks `window.ethereum`).
WALLET_PROVIDER = """
window.ethereum = { request: async ({ method, params }) => {
  if (method === "eth_requestAccounts" || method === "eth_accounts") return [%(address)s];
  if (method === "eth_chainId") return "0x7a69";
  if (method === "personal_sign") return window.walletSign(params[0]);
  throw Object.assign(new Error(method + " is not offered"), { code: 4200 });
} };
"""


def sponsoring_app(
    factory: Factory, platform: Platform, redirect_uri: str
) -> tuple[OnlineApp, str]:
    """An online app with the sample recipient registered on dev, the payment service on, and a
    transaction:write API key for its backend."""
    app = online_app(factory, redirect_uri=redirect_uri)
    register_contract(factory.client, app, "dev", platform.recipient)
    paid = factory.client.put(
        f"/api/v1/apps/{app.app_id}/payment",
        headers=app.developer.headers,
        json={"enabled": True, "gas_budget_wei": str(10**18)},
    )
    assert paid.status_code == 200, paid.text
    return app, api_key(factory.client, app, "dev")


def open_host(
    context: BrowserContext,
    host_origin: str,
    app_url: str,
    app: OnlineApp,
    user: LocalAccount,
    platform: Platform,
    issuer: str,
) -> tuple[Page, FrameLocator]:
    config = {
        "app": app_url,
        "app_id": app.app_id,
        "rpc": platform.w3.provider.endpoint_uri,  # type: ignore[attr-defined]
        "key": "0x" + user.key.hex().removeprefix("0x"),
        "chain_id": "0x7a69",
        "forwarder": platform.forwarder.address,
        "issuer": issuer,
    }
    host = context.new_page()
    host.goto(f"{host_origin}/host.html?{urlencode(config)}")
    return host, host.frame_locator("iframe")


def run_authorization(context: BrowserContext, host: Page, user: LocalAccount, live: str) -> Page:
    """The wallet's native side: the platform's authorize request from ``chainless_authorize``,
    signed in (SIWE) and approved on the real pages, its redirect handed back to the host."""
    host.wait_for_function("() => window.pendingAuthorize !== undefined")
    asked: dict[str, Any] = host.evaluate("() => window.pendingAuthorize")
    assert asked["extended_scopes"] == []
    query = {name: asked[name] for name in OAUTH_PARAMS if name in asked}
    auth = context.new_page()
    auth.expose_function(
        "walletSign",
        lambda data: (
            "0x" + user.sign_message(encode_defunct(hexstr=data)).signature.hex().removeprefix("0x")
        ),
    )
    auth.add_init_script(WALLET_PROVIDER % {"address": json.dumps(user.address)})
    auth.goto(f"{live}/oauth/authorize?{urlencode(query)}")
    auth.get_by_role("button", name="Sign in").click()
    auth.get_by_role("button", name="Allow").click()
    auth.wait_for_url(f"{query['redirect_uri']}?**")
    redirect = {k: v[0] for k, v in parse_qs(urlsplit(auth.url).query).items()}
    host.evaluate("(query) => window.completeAuthorize(query)", redirect)
    return auth


def shown(frame: FrameLocator, output: str, until: str) -> dict[str, Any]:
    """The JSON a panel of the mini-program shows once it contains ``until``."""
    panel = frame.locator(f"#{output}")
    expect(panel).to_contain_text(until, timeout=20_000)
    return dict(json.loads(panel.inner_text()))


def approve(host: Page, title: str, screenshots: Path, name: str) -> None:
    dialog = host.get_by_role("dialog", name=title)
    expect(dialog).to_be_visible()
    host.screenshot(path=str(screenshots / f"{name}.png"))
    dialog.get_by_role("button", name="Approve").click()


def test_a_mini_program_logs_in_pays_and_is_sponsored_through_the_wallet_bridge(
    browser: Browser,
    live_server: str,
    live_factory: Factory,
    live_platform: tuple[Services, RecordingJobRunner],
    platform: Platform,
    host_origin: str,
    app_origin: str,
    screenshots: Path,
) -> None:
    services, jobs = live_platform
    user = Account.from_key(platform.holder.private_key)  # funded, and reverted after the test
    redirect_uri = f"{app_origin}/callback.html"
    app, key = sponsoring_app(live_factory, platform, redirect_uri)
    app_query = {"app_id": app.app_id, "recipient": platform.recipient.address}
    app_url = f"{app_origin}/app.html?{urlencode(app_query | {'redirect_uri': redirect_uri})}"
    context = browser.new_context(viewport={"width": 375, "height": 812})
    host, frame = open_host(context, host_origin, app_url, app, user, platform, live_server)
    expect(frame.locator("#wallet")).to_have_text("In the Chainless wallet")
    host.screenshot(path=str(screenshots / "host.png"))

    # login: the wallet runs the platform's pages, the backend exchanges the code with sdk-py
    frame.get_by_role("button", name="Log in").click()
    auth = run_authorization(context, host, user, live_server)
    login = shown(frame, "out-login", "codeVerifier")
    assert login["scopes"] == SCOPE.split()
    oauth = OAuthClient(live_server, app.app_id, app.client_secret)
    tokens = oauth.exchange_code(
        {"code": login["code"], "state": login["state"]},
        expected_state=login["state"],
        redirect_uri=login["redirectUri"],
        code_verifier=login["codeVerifier"],
    )
    assert set(tokens.scope) == set(SCOPE.split())
    auth.close()

    # a transaction with the user's own gas, through viem on sdk.provider, mined
    entries = platform.recipient.functions.entryCount().call()
    frame.get_by_role("button", name="Pay with my gas").click()
    approve(host, "Send a transaction", screenshots, "send-transaction")
    paid = shown(frame, "out-pay", '"mined"')
    assert paid["status"] == "success"
    assert paid["from"].lower() == user.address.lower()
    assert platform.recipient.functions.entry(entries).call() == [
        user.address,
        "paid with my own gas",
    ]

    # a sponsored call: the user signs the ForwardRequest, the backend has the platform pay
    balance = platform.w3.eth.get_balance(user.address)
    frame.get_by_role("button", name="Sponsored call").click()
    approve(host, "Sign typed data", screenshots, "sign-forward-request")
    body = shown(frame, "out-sponsor", "signature")
    relay = RelayClient(live_server, key)
    accepted = relay.submit_sponsored(body["request"], body["signature"], tokens.access_token)
    assert accepted["kind"] == "sponsored"
    assert accepted["sender"] == user.address
    jobs.wait_for("relay.broadcast")
    jobs.drain()
    track_now(services)
    jobs.drain()
    assert relay.transaction(accepted["hash"])["state"] == "confirmed"
    assert platform.recipient.functions.entry(entries + 1).call() == [
        user.address,
        "sponsored hello",
    ]
    assert platform.w3.eth.get_balance(user.address) == balance  # the platform paid the gas

    # the user says no: the app gets EIP-1193's 4001 through viem
    frame.get_by_role("button", name="Pay with my gas").click()
    dialog = host.get_by_role("dialog", name="Send a transaction")
    dialog.get_by_role("button", name="Reject").click()
    rejected = shown(frame, "out-pay", "4001")
    assert rejected["error"] == 4001
    assert rejected["chainless"] == 4001  # the SDK's ChainlessError, under viem's
    host.screenshot(path=str(screenshots / "rejected.png"))
    assert host.evaluate("() => window.hostDropped") == {
        "origin": 0,
        "malformed": 0,
        "oversized": 0,
        "unknownId": 0,
    }
    context.close()


def test_a_public_client_exchanges_its_code_from_the_mini_programs_own_origin(
    browser: Browser,
    live_server: str,
    live_factory: Factory,
    platform: Platform,
    host_origin: str,
    app_origin: str,
    screenshots: Path,
) -> None:
    """No backend: the SDK posts to /oauth/token itself, across origins (CORS for public
    clients' redirect-URI origins, oauth/cors.py)."""
    user = Account.from_key(platform.holder.private_key)
    redirect_uri = f"{app_origin}/callback.html"
    app = online_app(live_factory, redirect_uri=redirect_uri, public=True)
    query = {"app_id": app.app_id, "mode": "public", "redirect_uri": redirect_uri}
    context = browser.new_context(viewport={"width": 375, "height": 812})
    host, frame = open_host(
        context,
        host_origin,
        f"{app_origin}/app.html?{urlencode(query)}",
        app,
        user,
        platform,
        live_server,
    )
    expect(frame.locator("#wallet")).to_have_text("In the Chainless wallet")
    frame.get_by_role("button", name="Log in").click()
    run_authorization(context, host, user, live_server).close()
    tokens = shown(frame, "out-login", "accessToken")["tokens"]
    assert tokens["refreshToken"].startswith("clr_")
    claims = AccessTokenVerifier(live_server, app.app_id).verify(
        tokens["accessToken"], required_scope="transaction:broadcast"
    )
    assert claims.wallet_address == user.address
    host.screenshot(path=str(screenshots / "public-login.png"))
    context.close()


def test_outside_a_wallet_the_page_knows_within_a_second_and_calls_reject(
    browser: Browser, app_origin: str, screenshots: Path
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    started = time.monotonic()
    page.goto(f"{app_origin}/app.html?app_id=app_outside")
    expect(page.locator("#wallet")).to_have_text("Not in a Chainless wallet", timeout=1_000)
    assert time.monotonic() - started < 3  # the page load included
    assert int(page.locator("#wallet").get_attribute("data-ms") or "9999") < 1_000
    expect(page.locator("#probe")).to_have_text("eth_chainId rejected with 4802")
    page.screenshot(path=str(screenshots / "outside.png"))
    context.close()
