"""Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3).

A malformed ``Basic`` header is ``invalid_client`` (RFC 6749 §5.2), never a server error; each
app records at creation whether it is confidential (it must send its secret every time) or
public (``none``: PKCE alone, short-lived refresh tokens).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chainless.oauth.models import RefreshToken
from chainless.platform.core.services import Services
from chainless.platform.core.settings import Settings
from tests.factories import Factory, OnlineApp, online_app
from tests.oauth.basic_headers import assert_invalid_client, malformed_headers
from tests.oauth.wallet import TestWallet, exchange, get_code, pkce_pair, refresh, tokens_for

pytestmark = pytest.mark.portable

ENDPOINTS = ("/oauth/token", "/oauth/introspect", "/oauth/revoke")
MALFORMED = list(malformed_headers("x"))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("how", MALFORMED)
def test_a_malformed_basic_header_is_invalid_client(
    client: Any, mini: OnlineApp, wallet: TestWallet, endpoint: str, how: str
) -> None:
    tokens = tokens_for(client, mini, wallet)
    headers = malformed_headers(mini.app_id)[how]
    form = (
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
        if endpoint == "/oauth/token"
        else {"token": tokens["access_token"]}
    )
    # the form's client_id does not rescue it: one method per request (RFC 6749 §2.3)
    for data in (form, form | {"client_id": mini.app_id}):
        response = client.post(endpoint, data=data, headers=headers)
        assert_invalid_client(response)
        assert response.headers["www-authenticate"].startswith("Basic ")
    # nothing was spent or revoked
    assert refresh(client, mini, tokens["refresh_token"]).status_code == 200


def test_a_wrong_secret_is_invalid_client_on_every_endpoint(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    tokens = tokens_for(client, mini, wallet)
    wrong = (mini.app_id, mini.client_secret + "x")
    refresh_form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert_invalid_client(client.post("/oauth/token", data=refresh_form, auth=wrong))
    for endpoint in ("/oauth/introspect", "/oauth/revoke"):
        token = {"token": tokens["access_token"]}
        assert_invalid_client(client.post(endpoint, data=token, auth=wrong))
        post = token | {"client_id": mini.app_id, "client_secret": "wrong"}
        assert_invalid_client(client.post(endpoint, data=post))


@pytest.mark.parametrize("endpoint", ["/oauth/introspect", "/oauth/revoke"])
def test_a_confidential_client_must_authenticate_to_revoke_and_introspect(
    client: Any, mini: OnlineApp, wallet: TestWallet, endpoint: str
) -> None:
    tokens = tokens_for(client, mini, wallet)
    for data in (
        {"token": tokens["refresh_token"]},
        {"token": tokens["refresh_token"], "client_id": mini.app_id},
    ):
        assert_invalid_client(client.post(endpoint, data=data))
    introspected = client.post(
        "/oauth/introspect",
        data={"token": tokens["access_token"]},
        auth=(mini.app_id, mini.client_secret),
    )
    assert introspected.json()["active"] is True  # nothing was revoked


def test_a_confidential_client_must_authenticate_to_exchange_and_refresh(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(client, wallet, mini, challenge)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": mini.redirect_uri,
        "code_verifier": verifier,
    }
    for data in (form, form | {"client_id": mini.app_id}):
        assert_invalid_client(client.post("/oauth/token", data=data))
    issued = exchange(client, mini, code, verifier)  # the code is still good
    assert issued.status_code == 200, issued.text
    stolen = {"grant_type": "refresh_token", "refresh_token": issued.json()["refresh_token"]}
    for data in (stolen, stolen | {"client_id": mini.app_id}):
        assert_invalid_client(client.post("/oauth/token", data=data))
    assert refresh(client, mini, stolen["refresh_token"]).status_code == 200


def test_the_auth_method_is_recorded_at_creation(client: Any, factory: Factory) -> None:
    developer = factory.developer(approved=True)
    body = {"name": "Pocket", "redirect_uris": ["https://pocket.example/cb"]}
    default = client.post("/api/v1/apps", headers=developer.headers, json=body)
    assert default.status_code == 201, default.text
    assert default.json()["token_endpoint_auth_method"] == "client_secret_basic"
    assert default.json()["client_secret"].startswith("cs_")

    public = client.post(
        "/api/v1/apps",
        headers=developer.headers,
        json=body | {"token_endpoint_auth_method": "none"},
    )
    assert public.status_code == 201, public.text
    assert public.json()["token_endpoint_auth_method"] == "none"
    assert public.json()["client_secret"] is None  # a public client holds no secret
    app_id = public.json()["app_id"]
    fetched = client.get(f"/api/v1/apps/{app_id}", headers=developer.headers)
    assert fetched.json()["token_endpoint_auth_method"] == "none"
    rotated = client.post(f"/api/v1/apps/{app_id}/secret/rotate", headers=developer.headers)
    assert rotated.status_code == 409, rotated.text
    assert rotated.json()["code"] == "public_client"

    bad = client.post(
        "/api/v1/apps",
        headers=developer.headers,
        json=body | {"token_endpoint_auth_method": "private_key_jwt"},
    )
    assert bad.status_code == 422, bad.text


def test_a_public_client_signs_in_with_pkce_and_gets_short_lived_refresh_tokens(
    client: Any, factory: Factory, wallet: TestWallet, services: Services, settings: Settings
) -> None:
    public = online_app(factory, public=True)
    issued = tokens_for(client, public, wallet)
    refreshed = refresh(client, public, issued["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    confidential = online_app(factory)
    other = tokens_for(client, confidential, wallet)
    with services.transaction() as session:
        lifetimes = {
            row.token_hash: row.expires_at - row.created_at
            for row in session.scalars(select(RefreshToken))
        }
    hours = timedelta(hours=settings.oauth.public_client_refresh_token_ttl_hours)
    assert hours == timedelta(hours=24)
    for token in (issued["refresh_token"], refreshed.json()["refresh_token"]):
        assert lifetimes[services.hasher.hash(token)] == hours
    days = timedelta(days=settings.oauth.refresh_token_ttl_days)
    assert lifetimes[services.hasher.hash(other["refresh_token"])] == days


def test_a_public_client_cannot_use_a_secret_or_the_backend_endpoints(
    client: Any, factory: Factory, wallet: TestWallet
) -> None:
    public = online_app(factory, public=True)
    issued = tokens_for(client, public, wallet)
    refresh_form = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
    with_secret = client.post("/oauth/token", data=refresh_form, auth=(public.app_id, "cs_guess"))
    assert_invalid_client(with_secret)
    for endpoint in ("/oauth/introspect", "/oauth/revoke"):  # for app backends (RFC 7662 §2.1)
        data = {"token": issued["access_token"], "client_id": public.app_id}
        assert_invalid_client(client.post(endpoint, data=data))
    assert refresh(client, public, issued["refresh_token"]).status_code == 200
