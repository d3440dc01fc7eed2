"""A test wallet: an eth_account key that signs in to the platform with SIWE over HTTP."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from tests.factories import OnlineApp

CHAIN_ID = 31337


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    return verifier, challenge


@dataclass
class TestWallet:
    __test__ = False  # a helper, not a test class

    client: Any
    account: LocalAccount = field(default_factory=Account.create)
    csrf_token: str = ""

    @property
    def address(self) -> str:
        return str(self.account.address)

    def sign(self, message: str) -> str:
        return "0x" + self.account.sign_message(
            encode_defunct(text=message)
        ).signature.hex().removeprefix("0x")

    def prepare(self, **extra: Any) -> str:
        response = self.client.post(
            "/oauth/siwe/prepare", json={"address": self.address, "chain_id": CHAIN_ID, **extra}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["message"])

    def sign_in(self) -> dict[str, Any]:
        message = self.prepare()
        response = self.client.post(
            "/oauth/siwe/sign-in",
            json={"message": message, "signature": self.sign(message), "device_name": "test phone"},
        )
        assert response.status_code == 200, response.text
        self.csrf_token = response.json()["csrf_token"]
        return dict(response.json())


def authorize_params(
    app: OnlineApp,
    challenge: str,
    *,
    scope: str = "basic:address basic:user_id",
    state: str = "st-123",
    **extra: str,
) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": app.app_id,
        "redirect_uri": app.redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }


def approve(client: Any, wallet: TestWallet, params: dict[str, str], **form: str) -> Any:
    data = {"csrf_token": wallet.csrf_token, "decision": "approve", **form}
    return client.post(f"/oauth/authorize?{urlencode(params)}", data=data, follow_redirects=False)


def redirect_params(response: Any) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def get_code(client: Any, wallet: TestWallet, app: OnlineApp, challenge: str, **params: str) -> str:
    query = authorize_params(app, challenge, **params)
    page = client.get("/oauth/authorize", params=query, follow_redirects=False)
    if page.status_code == 200:
        page = approve(client, wallet, query)
    got = redirect_params(page)
    assert got.get("state") == query["state"]
    return got["code"]


# --- helpers for the rule tests: token endpoint calls and a whole flow in one step ------------


def token_request(client: Any, app: OnlineApp, form: dict[str, str]) -> Any:
    """``POST /oauth/token`` as the app authenticates: client_secret_basic, or a public
    client's ``client_id`` in the form."""
    auth = app.client_auth()
    return client.post("/oauth/token", data={**form, **auth.pop("data", {})}, **auth)


def exchange(client: Any, app: OnlineApp, code: str, verifier: str, **extra: str) -> Any:
    """The app exchanges a code."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": app.redirect_uri,
        "code_verifier": verifier,
    }
    return token_request(client, app, form | extra)


def refresh(client: Any, app: OnlineApp, refresh_token: str, **extra: str) -> Any:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return token_request(client, app, form | extra)


def introspect(client: Any, app: OnlineApp, token: str, **extra: str) -> dict[str, Any]:
    response = client.post(
        "/oauth/introspect", data={"token": token, **extra}, auth=(app.app_id, app.client_secret)
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def tokens_for(
    client: Any, app: OnlineApp, wallet: TestWallet | None = None, **params: str
) -> dict[str, Any]:
    """Sign in (unless already), authorize (approving consent when asked), exchange the code."""
    wallet = wallet or TestWallet(client)
    if not wallet.csrf_token:
        wallet.sign_in()
    verifier, challenge = pkce_pair()
    query = authorize_params(app, challenge, **params)
    page = client.get("/oauth/authorize", params=query, follow_redirects=False)
    if page.status_code == 200:
        page = approve(client, wallet, query, confirm_extended="yes")
    code = redirect_params(page)["code"]
    response = exchange(client, app, code, verifier)
    assert response.status_code == 200, response.text
    return dict(response.json())
