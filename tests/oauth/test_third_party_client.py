"""Unmodified third-party OAuth clients complete the code flow with PKCE and refresh (issue 3).

requests-oauthlib and Authlib's requests client each run against a real ``chainless serve``
process on its own scratch PostgreSQL database (the per-test transaction of the other tests is
invisible to another process). The app is made online over HTTP as a developer and an operator
would; the wallet's part (SIWE sign-in, the consent page) is a cookie-keeping HTTP client that
signs with eth-account and submits the consent form the page renders.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import psycopg
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from eth_account import Account
from eth_account.messages import encode_defunct
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

pytestmark = pytest.mark.slow

PG_ADMIN = os.environ.get("CHAINLESS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CHAINLESS_TEST_REDIS", "redis://127.0.0.1:6379")
REDIS_DB = 15  # the per-worker test databases are 1-14, flushed by every test
CHAINLESS = str(Path(sys.executable).parent / "chainless")
PASSWORD = "Third-party-client-9"
SCOPES = ["basic:address", "basic:user_id"]
REDIRECT_URI = "https://client.example.com/callback"
CHAIN_ID = 31337


@dataclass(frozen=True)
class Platform:
    base: str
    client_id: str
    client_secret: str

    @property
    def token_url(self) -> str:
        return f"{self.base}/oauth/token"


# --- a real server on its own database -------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _admin(statement: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(statement)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    name = f"chainless_third_party_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    _admin(f'CREATE DATABASE "{name}"')
    database_url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    data = tmp_path_factory.mktemp("platform")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAINLESS_")}
    env.update(
        {
            "CHAINLESS_MODE": "test",
            "CHAINLESS_DATABASE_URL": database_url,
            "CHAINLESS_REDIS_URL": f"{REDIS_URL}/{REDIS_DB}",
            "CHAINLESS_PUBLIC_URL": base,
            "CHAINLESS_DATA_DIR": str(data),
            "CHAINLESS_STORAGE__LOCAL_PATH": str(data / "storage"),
            "CHAINLESS_START_LOCAL_CHAIN": "false",
            "CHAINLESS_LOG_LEVEL": "WARNING",
        }
    )
    log = data / "server.log"
    try:
        subprocess.run([CHAINLESS, "db", "upgrade"], env=env, check=True, capture_output=True)
        with log.open("wb") as sink:
            server = subprocess.Popen(
                [CHAINLESS, "serve", "--port", str(port)],
                env=env,
                stdout=sink,
                stderr=sink,
                start_new_session=True,
            )
        try:
            _wait_until_healthy(base, server, log)
            client_id, client_secret = _online_app(base, env, database_url)
            yield Platform(base, client_id, client_secret)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_until_healthy(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("chainless serve did not start:\n" + log.read_text()[-3000:])


def _verification_token(database_url: str, email: str) -> str:
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT body FROM outbox_emails WHERE to_address = %s ORDER BY created_at DESC",
            (email,),
        ).fetchone()
    assert row is not None, f"no verification mail to {email}"
    match = re.search(r"verify-email\?token=([\w-]+)", row[0])
    assert match is not None
    return match.group(1)


def _online_app(base: str, env: dict[str, str], database_url: str) -> tuple[str, str]:
    """A qualified developer's app, approved by an operator: an online app is an OAuth client."""
    operator_email = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    created_admin = subprocess.run(
        [CHAINLESS, "create-admin", "--email", operator_email, "--password", PASSWORD],
        env=env,
        capture_output=True,
        text=True,
    )
    assert created_admin.returncode == 0, created_admin.stdout + created_admin.stderr
    email = f"dev-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=base, timeout=30) as http:

        def call(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
            response = http.request(method, path, **kwargs)
            assert response.is_success, f"{method} {path}: {response.text}"
            return dict(response.json())

        def bearer(login: str) -> dict[str, str]:
            signed = call(
                "POST", "/api/v1/auth/tokens", json={"email": login, "password": PASSWORD}
            )
            return {"Authorization": f"Bearer {signed['access_token']}"}

        call("POST", "/api/v1/accounts", json={"email": email, "password": PASSWORD})
        token = _verification_token(database_url, email)
        call("POST", "/api/v1/accounts/verify-email", json={"token": token})
        developer, operator = bearer(email), bearer(operator_email)
        qualification = call(
            "POST",
            "/api/v1/developer/qualification",
            headers=developer,
            json={
                "organization_name": "Client Labs",
                "registration_number": "REG-7",
                "country": "SG",
                "contact_name": "Grace",
            },
        )
        call(
            "POST",
            f"/api/v1/admin/qualifications/{qualification['id']}/decision",
            headers=operator,
            json={"decision": "approve"},
        )
        app = call(
            "POST",
            "/api/v1/apps",
            headers=developer,
            json={
                "name": "Portfolio Viewer",
                "description": "a third-party OAuth client",
                "category": "tools",
                "redirect_uris": [REDIRECT_URI],
                "requested_scopes": SCOPES,
            },
        )
        version = {"version": "1.0.0"}
        call("POST", f"/api/v1/apps/{app['app_id']}/versions", headers=developer, json=version)
        call("POST", f"/api/v1/apps/{app['app_id']}/submit", headers=developer, json=version)
        call(
            "POST",
            f"/api/v1/admin/apps/{app['app_id']}/review",
            headers=operator,
            json={"decision": "approve"},
        )
    return str(app["app_id"]), str(app["client_secret"])


# --- the wallet's webview ---------------------------------------------------------------------
class _ConsentForm(HTMLParser):
    """The consent page's form: where it posts and its hidden fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self.action = attributes.get("action")
        elif tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.fields[str(attributes["name"])] = attributes.get("value") or ""


class Webview:
    """A wallet app's webview: a cookie jar, an eth-account key, SIWE and the consent page."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.account = Account.create()

    @property
    def address(self) -> str:
        return str(self.account.address)

    def sign_in(self) -> None:
        prepared = self.http.post(
            f"{self.base}/oauth/siwe/prepare",
            json={"address": self.address, "chain_id": CHAIN_ID},
            timeout=10,
        )
        assert prepared.status_code == 200, prepared.text
        message = prepared.json()["message"]
        signature = self.account.sign_message(encode_defunct(text=message)).signature
        signed = self.http.post(
            f"{self.base}/oauth/siwe/sign-in",
            json={"message": message, "signature": "0x" + signature.hex().removeprefix("0x")},
            timeout=10,
        )
        assert signed.status_code == 200, signed.text

    def approve(self, authorization_url: str) -> str:
        """Open the authorization URL, press "Allow", return where the app is sent back to."""
        page = self.http.get(authorization_url, allow_redirects=False, timeout=10)
        assert page.status_code == 200, page.text
        form = _ConsentForm()
        form.feed(page.text)
        assert form.action, "the consent page has no form"
        decided = self.http.post(
            urljoin(authorization_url, form.action),
            data={**form.fields, "decision": "approve"},
            allow_redirects=False,
            timeout=10,
        )
        assert decided.status_code == 302, decided.text
        location = decided.headers["location"]
        assert location.startswith(REDIRECT_URI + "?")
        return location


@pytest.fixture
def webview(platform: Platform) -> Webview:
    wallet = Webview(platform.base)
    wallet.sign_in()
    return wallet


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# --- the clients ------------------------------------------------------------------------------
def test_requests_oauthlib_code_flow_with_pkce_and_refresh(
    platform: Platform, webview: Webview, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the test server speaks plain http
    client = OAuth2Session(platform.client_id, redirect_uri=REDIRECT_URI, scope=SCOPES, pkce="S256")
    authorization_url, state = client.authorization_url(f"{platform.base}/oauth/authorize")
    sent = _query(authorization_url)
    assert sent["code_challenge_method"] == "S256"
    assert sent["state"] == state

    callback = webview.approve(authorization_url)
    assert _query(callback)["state"] == state
    token = client.fetch_token(
        platform.token_url, authorization_response=callback, client_secret=platform.client_secret
    )  # client_secret_basic, and the PKCE verifier the session made
    assert token["token_type"] == "Bearer"
    assert token["access_token"].count(".") == 2
    assert token["refresh_token"].startswith("clr_")
    assert sorted(token["scope"]) == SCOPES

    userinfo = client.get(f"{platform.base}/oauth/userinfo", timeout=10)
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["wallet_address"] == webview.address

    refreshed = client.refresh_token(
        platform.token_url, auth=HTTPBasicAuth(platform.client_id, platform.client_secret)
    )
    assert refreshed["refresh_token"].startswith("clr_")
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert refreshed["access_token"] != token["access_token"]
    again = client.get(f"{platform.base}/oauth/userinfo", timeout=10)
    assert again.status_code == 200, again.text
    assert again.json()["wallet_address"] == webview.address


def test_authlib_client_code_flow_with_pkce_and_refresh(
    platform: Platform, webview: Webview
) -> None:
    client = AuthlibSession(
        platform.client_id,
        platform.client_secret,
        scope=" ".join(SCOPES),
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",
    )
    verifier = generate_token(48)
    authorization_url, state = client.create_authorization_url(
        f"{platform.base}/oauth/authorize", code_verifier=verifier
    )
    assert _query(authorization_url)["code_challenge_method"] == "S256"

    callback = webview.approve(authorization_url)
    token = client.fetch_token(
        platform.token_url, authorization_response=callback, state=state, code_verifier=verifier
    )
    assert token["token_type"] == "Bearer"
    assert token["refresh_token"].startswith("clr_")
    assert token["scope"] == " ".join(SCOPES)

    userinfo = client.get(f"{platform.base}/oauth/userinfo", timeout=10)
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["wallet_address"] == webview.address
    assert userinfo.json()["user_id"] == userinfo.json()["sub"]

    refreshed = client.refresh_token(platform.token_url)
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert refreshed["access_token"] != token["access_token"]
    assert client.token["access_token"] == refreshed["access_token"]
    again = client.get(f"{platform.base}/oauth/userinfo", timeout=10)
    assert again.status_code == 200, again.text
    assert again.json()["wallet_address"] == webview.address
