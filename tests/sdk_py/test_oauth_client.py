"""An app backend on the SDK: the code flow with PKCE, refresh, introspection, revocation."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from chainless_sdk import OAuthClient, OAuthError, TokenSet
from chainless_sdk.pkce import new_pkce, s256_challenge
from tests.factories import Factory, OnlineApp, online_app
from tests.oauth.wallet import TestWallet, redirect_params

pytestmark = pytest.mark.portable


def wallet_follows(client: Any, wallet: TestWallet, url: str) -> dict[str, str]:
    """The wallet webview opens the SDK's URL, the user signs in and approves; the callback."""
    if not wallet.csrf_token:
        wallet.sign_in()
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    page = client.get(parts.path, params=query, follow_redirects=False)
    if page.status_code == 200:  # the consent screen
        page = client.post(
            parts.path,
            params=query,
            data={"csrf_token": wallet.csrf_token, "decision": "approve"},
            follow_redirects=False,
        )
    return redirect_params(page)


@pytest.fixture
def mini(factory: Factory) -> OnlineApp:
    return online_app(factory)


@pytest.fixture
def sdk(issuer: str, mini: OnlineApp) -> OAuthClient:
    return OAuthClient(issuer, mini.app_id, mini.client_secret)


def sign_in_through_sdk(client: Any, sdk: OAuthClient, mini: OnlineApp) -> tuple[TokenSet, str]:
    wallet = TestWallet(client)
    request = sdk.authorization_request(mini.redirect_uri, ["basic:address", "basic:user_id"])
    callback = wallet_follows(client, wallet, request.url)
    tokens = sdk.exchange_code(
        callback,
        expected_state=request.state,
        redirect_uri=mini.redirect_uri,
        code_verifier=request.pkce.verifier,
    )
    return tokens, wallet.address


def test_the_whole_flow_through_the_sdk(client: Any, sdk: OAuthClient, mini: OnlineApp) -> None:
    tokens, address = sign_in_through_sdk(client, sdk, mini)
    assert tokens.scope == ("basic:address", "basic:user_id")
    assert not tokens.needs_refresh()  # 15 minutes left, more than the 5-minute margin

    assert sdk.userinfo(tokens.access_token)["wallet_address"] == address
    assert sdk.introspect(tokens.access_token)["active"] is True

    rotated = sdk.refresh(tokens)
    assert rotated.refresh_token != tokens.refresh_token
    assert sdk.introspect(rotated.access_token)["active"] is True

    sdk.revoke(rotated.refresh_token or "", "refresh_token")
    assert sdk.introspect(rotated.access_token) == {"active": False}
    with pytest.raises(OAuthError) as refused:
        sdk.refresh(rotated)
    assert refused.value.error == "invalid_grant"


def test_the_authorization_url_carries_state_and_an_s256_challenge(
    sdk: OAuthClient, mini: OnlineApp, issuer: str
) -> None:
    first = sdk.authorization_request(mini.redirect_uri, "basic:address")
    second = sdk.authorization_request(mini.redirect_uri, "basic:address")
    query = dict(parse_qsl(urlsplit(first.url).query))
    assert first.url.startswith(f"{issuer}/oauth/authorize?")
    assert query["state"] == first.state != second.state
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] == s256_challenge(first.pkce.verifier)
    assert first.pkce.verifier != second.pkce.verifier


def test_a_callback_with_another_state_is_refused_and_its_code_stays_unused(
    client: Any, sdk: OAuthClient, mini: OnlineApp
) -> None:
    wallet = TestWallet(client)
    request = sdk.authorization_request(mini.redirect_uri, "basic:address")
    callback = wallet_follows(client, wallet, request.url)
    forged = {**callback, "state": "someone-elses-state"}
    with pytest.raises(OAuthError) as refused:
        sdk.exchange_code(
            forged,
            expected_state=request.state,
            redirect_uri=mini.redirect_uri,
            code_verifier=request.pkce.verifier,
        )
    assert refused.value.error == "state_mismatch"
    # nothing was sent: the genuine callback still redeems its code
    tokens = sdk.exchange_code(
        callback,
        expected_state=request.state,
        redirect_uri=mini.redirect_uri,
        code_verifier=request.pkce.verifier,
    )
    assert tokens.access_token


def test_a_denied_consent_surfaces_as_access_denied(sdk: OAuthClient) -> None:
    with pytest.raises(OAuthError) as refused:
        sdk.exchange_code(
            {"error": "access_denied", "state": "s"},
            expected_state="s",
            redirect_uri="https://app.example.com/callback",
            code_verifier=new_pkce().verifier,
        )
    assert refused.value.error == "access_denied"


def test_a_wrong_verifier_is_the_servers_invalid_grant(
    client: Any, sdk: OAuthClient, mini: OnlineApp
) -> None:
    request = sdk.authorization_request(mini.redirect_uri, "basic:address")
    callback = wallet_follows(client, TestWallet(client), request.url)
    with pytest.raises(OAuthError) as refused:
        sdk.exchange_code(
            callback,
            expected_state=request.state,
            redirect_uri=mini.redirect_uri,
            code_verifier=new_pkce().verifier,
        )
    assert (refused.value.error, refused.value.status) == ("invalid_grant", 400)


def test_a_wrong_secret_is_invalid_client(issuer: str, mini: OnlineApp) -> None:
    sdk = OAuthClient(issuer, mini.app_id, "not-the-secret")
    with pytest.raises(OAuthError) as refused:
        sdk.introspect("anything")
    assert (refused.value.error, refused.value.status) == ("invalid_client", 401)


def test_the_public_mode_signs_in_a_public_client_with_pkce_alone(
    client: Any, issuer: str, factory: Factory
) -> None:
    public = online_app(factory, public=True)
    sdk = OAuthClient(issuer, public.app_id)  # no secret: the SDK's public mode
    tokens, _ = sign_in_through_sdk(client, sdk, public)
    rotated = sdk.refresh(tokens)
    assert rotated.refresh_token != tokens.refresh_token
    with pytest.raises(OAuthError) as refused:
        sdk.introspect(rotated.access_token)  # for app backends only
    assert refused.value.error == "invalid_client"


def test_the_public_mode_cannot_redeem_a_confidential_clients_code(
    client: Any, issuer: str, mini: OnlineApp
) -> None:
    """A confidential client must authenticate (RFC 6749 §3.2.1): its code is no good to
    someone holding it with the verifier but not the secret."""
    sdk = OAuthClient(issuer, mini.app_id)
    with pytest.raises(OAuthError) as refused:
        sign_in_through_sdk(client, sdk, mini)
    assert (refused.value.error, refused.value.status) == ("invalid_client", 401)


def test_metadata_of_another_issuer_is_refused(issuer: str, mini: OnlineApp) -> None:
    sdk = OAuthClient(issuer + "/tenant", mini.app_id, mini.client_secret)
    with pytest.raises(Exception, match=r"404|issuer"):
        sdk.metadata()


def test_refresh_is_due_five_minutes_before_expiry() -> None:
    tokens = TokenSet.from_response(
        {"access_token": "a", "refresh_token": "r", "expires_in": 900, "scope": "x"}, now=1000.0
    )
    assert tokens.expires_at == 1900.0
    assert not tokens.needs_refresh(now=1599.0)
    assert tokens.needs_refresh(now=1600.0)


def test_the_rfc_7636_example_challenge() -> None:
    # RFC 7636 Appendix B
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
