"""Offline access-token verification against the platform's JWKS (RFC 9068, RFC 7517)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import pytest

from chainless_sdk import AccessTokenVerifier, OAuthClient, TokenInvalid
from tests.factories import Factory, OnlineApp, online_app
from tests.sdk_py.test_oauth_client import sign_in_through_sdk

pytestmark = pytest.mark.portable


class CountingHttp(httpx.Client):
    """Counts the verifier's requests to the JWKS."""

    def __init__(self) -> None:
        super().__init__(timeout=10.0)
        self.jwks_fetches = 0

    def get(self, url: Any, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        self.jwks_fetches += str(url).endswith("/oauth/jwks")
        return super().get(url, **kwargs)


@pytest.fixture
def mini(factory: Factory) -> OnlineApp:
    return online_app(factory)


@pytest.fixture
def access_token(client: Any, issuer: str, mini: OnlineApp) -> str:
    tokens, _ = sign_in_through_sdk(
        client, OAuthClient(issuer, mini.app_id, mini.client_secret), mini
    )
    return tokens.access_token


def _with_header(token: str, **changes: Any) -> str:
    head, body, signature = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    header.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    return f"{encoded}.{body}.{signature}"


def test_a_genuine_token_verifies_offline(issuer: str, mini: OnlineApp, access_token: str) -> None:
    http = CountingHttp()
    verifier = AccessTokenVerifier(issuer, mini.app_id, http=http)
    verified = verifier.verify(access_token, required_scope="basic:address")
    assert verified.client_id == mini.app_id
    assert verified.wallet_address is not None
    assert verified.wallet_address.startswith("0x")
    assert verified.has_scope("basic:user_id")
    verifier.verify(access_token)
    assert http.jwks_fetches == 1  # the keys are cached


def test_a_token_for_another_app_is_refused(
    issuer: str, factory: Factory, access_token: str
) -> None:
    other = online_app(factory)
    with pytest.raises(TokenInvalid) as refused:
        AccessTokenVerifier(issuer, other.app_id).verify(access_token)
    assert refused.value.reason == "wrong_audience"


def test_a_token_from_another_issuer_is_refused(
    issuer: str, mini: OnlineApp, access_token: str
) -> None:
    verifier = AccessTokenVerifier(
        "https://other.example", mini.app_id, jwks_uri=f"{issuer}/oauth/jwks"
    )
    with pytest.raises(TokenInvalid) as refused:
        verifier.verify(access_token)
    assert refused.value.reason == "wrong_issuer"


def test_a_tampered_token_is_refused(issuer: str, mini: OnlineApp, access_token: str) -> None:
    head, body, signature = access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["scope"] = "assets:transfer"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenInvalid) as refused:
        AccessTokenVerifier(issuer, mini.app_id).verify(f"{head}.{forged}.{signature}")
    assert refused.value.reason == "bad_signature"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [({"typ": "JWT"}, "wrong_type"), ({"alg": "HS256"}, "wrong_algorithm")],
)
def test_a_token_of_another_kind_is_refused(
    issuer: str, mini: OnlineApp, access_token: str, changes: dict[str, str], reason: str
) -> None:
    with pytest.raises(TokenInvalid) as refused:
        AccessTokenVerifier(issuer, mini.app_id).verify(_with_header(access_token, **changes))
    assert refused.value.reason == reason


def test_an_expired_token_is_refused(
    issuer: str, mini: OnlineApp, access_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = AccessTokenVerifier(issuer, mini.app_id)
    later = time.time() + 3600
    monkeypatch.setattr("chainless_sdk.verify.time.time", lambda: later)
    with pytest.raises(TokenInvalid) as refused:
        verifier.verify(access_token)
    assert refused.value.reason == "expired"


def test_a_missing_scope_is_refused(issuer: str, mini: OnlineApp, access_token: str) -> None:
    with pytest.raises(TokenInvalid) as refused:
        AccessTokenVerifier(issuer, mini.app_id).verify(
            access_token, required_scope="assets:transfer"
        )
    assert refused.value.reason == "insufficient_scope"


def test_unknown_key_ids_refetch_the_jwks_at_most_once_per_interval(
    issuer: str, mini: OnlineApp, access_token: str
) -> None:
    http = CountingHttp()
    verifier = AccessTokenVerifier(issuer, mini.app_id, http=http, refetch_interval=30)
    verifier.verify(access_token)
    for n in range(5):
        with pytest.raises(TokenInvalid) as refused:
            verifier.verify(_with_header(access_token, kid=f"forged-{n}"))
        assert refused.value.reason == "unknown_key"
    assert http.jwks_fetches == 1


@pytest.mark.parametrize("garbage", ["", "abc", "a.b", "!!!.e30.sig", "e30.e30"])
def test_garbage_is_malformed(issuer: str, mini: OnlineApp, garbage: str) -> None:
    with pytest.raises(TokenInvalid) as refused:
        AccessTokenVerifier(issuer, mini.app_id).verify(garbage)
    assert refused.value.reason in {"malformed", "wrong_type"}
