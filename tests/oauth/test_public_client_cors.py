"""CORS on the token endpoint and the metadata, for public clients only (``oauth/cors.py``): the
origins of an online public client's redirect URIs may read the answers, without credentials;
nobody else, and on no other path."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Factory, online_app
from tests.oauth.wallet import TestWallet, exchange, get_code, pkce_pair

pytestmark = pytest.mark.portable

PUBLIC_ORIGIN = "https://mini.example.com"
PREFLIGHT = {"Access-Control-Request-Method": "POST"}


def public_app(factory: Factory, redirect_uri: str = f"{PUBLIC_ORIGIN}/callback") -> Any:
    return online_app(factory, redirect_uri=redirect_uri, public=True)


def test_a_public_clients_origin_may_exchange_its_code_and_read_the_answer(
    client: Any, factory: Factory
) -> None:
    app = public_app(factory)
    wallet = TestWallet(client)
    wallet.sign_in()
    verifier, challenge = pkce_pair()
    code = get_code(client, wallet, app, challenge)
    response = exchange(client, app, code, verifier)
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers  # no Origin: no CORS
    code = get_code(client, wallet, app, pkce_pair()[1])
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": app.redirect_uri,
            "code_verifier": "wrong-verifier-" + "x" * 40,
            "client_id": app.app_id,
        },
        headers={"Origin": PUBLIC_ORIGIN},
    )
    assert response.status_code == 400  # errors too must be readable by the app
    assert response.headers["access-control-allow-origin"] == PUBLIC_ORIGIN
    assert "access-control-allow-credentials" not in response.headers
    assert "Origin" in response.headers["vary"]


def test_the_preflight_allows_post_with_a_content_type_and_nothing_more(
    client: Any, factory: Factory
) -> None:
    public_app(factory)
    ok = client.options(
        "/oauth/token",
        headers={
            "Origin": PUBLIC_ORIGIN,
            **PREFLIGHT,
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == PUBLIC_ORIGIN
    assert ok.headers["access-control-allow-methods"] == "POST"
    assert ok.headers["access-control-allow-headers"] == "Content-Type"
    assert "access-control-allow-credentials" not in ok.headers
    for refused in (
        {"Access-Control-Request-Method": "DELETE"},
        {**PREFLIGHT, "Access-Control-Request-Headers": "authorization"},
        {**PREFLIGHT, "Access-Control-Request-Headers": "content-type, x-custom"},
    ):
        answer = client.options("/oauth/token", headers={"Origin": PUBLIC_ORIGIN, **refused})
        assert answer.status_code == 403, refused
        assert "access-control-allow-origin" not in answer.headers


def test_the_metadata_is_readable_from_a_public_clients_origin(
    client: Any, factory: Factory
) -> None:
    public_app(factory, redirect_uri="http://127.0.0.1:8710/cb")
    origin = "http://127.0.0.1:8710"
    response = client.get("/.well-known/oauth-authorization-server", headers={"Origin": origin})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    preflight = client.options(
        "/.well-known/oauth-authorization-server",
        headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-methods"] == "GET"


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.com",
        "https://mini.example.com:8443",  # another port is another origin
        "http://mini.example.com",  # and another scheme
        "https://app.example.com",  # a confidential client's redirect URI
        "null",
    ],
)
def test_other_origins_get_no_cors_headers(client: Any, factory: Factory, origin: str) -> None:
    public_app(factory)
    online_app(factory, redirect_uri="https://app.example.com/callback")  # confidential
    for path in ("/oauth/token", "/.well-known/oauth-authorization-server"):
        answer = client.get(path, headers={"Origin": origin})
        assert "access-control-allow-origin" not in answer.headers, (path, origin)
        assert "Origin" in answer.headers["vary"]
    preflight = client.options("/oauth/token", headers={"Origin": origin, **PREFLIGHT})
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers


def test_other_paths_never_get_cors_headers_even_from_a_public_clients_origin(
    client: Any, factory: Factory
) -> None:
    public_app(factory)
    for path in ("/oauth/introspect", "/oauth/revoke", "/oauth/userinfo", "/oauth/jwks"):
        answer = client.post(path, headers={"Origin": PUBLIC_ORIGIN})
        assert "access-control-allow-origin" not in answer.headers, path


def test_a_delisted_public_client_loses_its_origin(client: Any, factory: Factory) -> None:
    app = public_app(factory)
    seen = client.get("/.well-known/oauth-authorization-server", headers={"Origin": PUBLIC_ORIGIN})
    assert seen.headers["access-control-allow-origin"] == PUBLIC_ORIGIN
    delisted = client.post(
        f"/api/v1/admin/apps/{app.app_id}/delist",
        headers=factory.operator().headers,
        json={"reason": "fraud reports"},
    )
    assert delisted.status_code == 200, delisted.text
    after = client.get("/.well-known/oauth-authorization-server", headers={"Origin": PUBLIC_ORIGIN})
    assert "access-control-allow-origin" not in after.headers
