"""The authorization endpoint and the consent screen: every request it must refuse, and how.

RFC 6749 §4.1.2.1: until the client and its redirect URI are known good, an error is shown to the
user (an HTML page), never sent anywhere; after that it goes back to the app with its ``state``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from chainless.oauth.models import AuthorizationCode, UserAuthorization
from chainless.platform.core.services import Services
from chainless.platform.models import AuditEvent
from tests.factories import Factory, OnlineApp, online_app
from tests.oauth.wallet import (
    TestWallet,
    approve,
    authorize_params,
    pkce_pair,
    redirect_params,
)

pytestmark = pytest.mark.portable

EMAIL_APP_SCOPES = ("basic:address", "basic:user_id", "extended:email")


def authorize(client: Any, params: dict[str, str]) -> Any:
    return client.get("/oauth/authorize", params=params, follow_redirects=False)


def code_count(services: Services, mini: OnlineApp) -> int:
    with services.transaction() as session:
        count = session.scalar(
            select(func.count())
            .select_from(AuthorizationCode)
            .where(AuthorizationCode.app_id == mini.app_id)
        )
    return int(count or 0)


def grants_of(services: Services, mini: OnlineApp) -> list[UserAuthorization]:
    with services.transaction() as session:
        return list(
            session.scalars(
                select(UserAuthorization).where(UserAuthorization.app_id == mini.app_id)
            )
        )


def assert_error_page(response: Any, status: int = 400, error: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    if error is not None:
        assert f"<code>{error}</code>" in response.text


def assert_error_redirect(
    response: Any, mini: OnlineApp, error: str, state: str | None = "st-123"
) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(mini.redirect_uri + "?")
    got = redirect_params(response)
    assert got["error"] == error, got
    assert "code" not in got
    assert got.get("state") == state
    return got


def params_for(mini: OnlineApp, **changes: str | None) -> dict[str, str]:
    """Authorization parameters with some changed (``None`` drops one)."""
    _, challenge = pkce_pair()
    params = authorize_params(mini, challenge)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params


# --- the client and its redirect URI: an error page, never a redirect ------------------------


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_an_unknown_client_gets_an_error_page(
    client: Any, mini: OnlineApp, signed_in: bool
) -> None:
    if signed_in:
        TestWallet(client).sign_in()
    assert_error_page(authorize(client, params_for(mini, client_id="no-such-mini")), 400)
    assert_error_page(authorize(client, params_for(mini, client_id=None)), 400)
    assert_error_page(authorize(client, params_for(mini, client_id="x" * 200)), 400)


def test_an_app_in_development_is_no_client(
    client: Any, factory: Factory, wallet: TestWallet
) -> None:
    developer = factory.developer(approved=True)
    created = client.post(
        "/api/v1/apps",
        headers=developer.headers,
        json={
            "name": "Draft",
            "redirect_uris": ["https://draft.example.com/cb"],
            "requested_scopes": ["basic:address"],
        },
    )
    assert created.status_code == 201, created.text
    draft = OnlineApp(
        created.json()["app_id"],
        created.json()["client_secret"],
        "https://draft.example.com/cb",
        developer,
    )
    assert_error_page(authorize(client, params_for(draft)), 400, "invalid_client")


def test_a_delisted_app_is_no_client(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet
) -> None:
    delisted = client.post(
        f"/api/v1/admin/apps/{mini.app_id}/delist",
        headers=factory.operator().headers,
        json={"reason": "phishing reports"},
    )
    assert delisted.status_code == 200, delisted.text
    assert_error_page(authorize(client, params_for(mini)), 400, "invalid_client")


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example.com/callback",
        "https://mini.example.com/callback/",
        "https://mini.example.com/callback?next=/",
        "https://mini.example.com/callback#frag",
        "https://APP.example.com/callback",
        "http://mini.example.com/callback",
        "https://mini.example.com/callbac",
        "https://mini.example.com/callback/../callback",
    ],
)
def test_an_unregistered_redirect_uri_gets_an_error_page(
    client: Any, mini: OnlineApp, wallet: TestWallet, redirect_uri: str
) -> None:
    """Exact string comparison (RFC 9700 §4.1.3): no prefix, case, slash or query leeway."""
    assert_error_page(authorize(client, params_for(mini, redirect_uri=redirect_uri)), 400)
    # even an error that would otherwise go back to the app must not go to this URI
    assert_error_page(
        authorize(client, params_for(mini, redirect_uri=redirect_uri, response_type="token")), 400
    )
    assert_error_page(authorize(client, params_for(mini, redirect_uri=redirect_uri, state=None)))


def test_a_missing_redirect_uri_gets_an_error_page(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    assert_error_page(authorize(client, params_for(mini, redirect_uri=None)), 400)


@pytest.mark.parametrize(
    "changes",
    [
        {"redirect_uri": 'https://evil.example/"<script>alert(1)</script>'},
        {"redirect_uri": "https://evil.example/ü"},
        {"response_type": 'code"'},
        {"response_type": "tokén"},
    ],
    ids=["uri-with-quote-and-markup", "uri-non-ascii", "response-type-quote", "response-type-utf8"],
)
def test_hostile_characters_get_an_error_page_not_a_crash(
    client: Any, mini: OnlineApp, wallet: TestWallet, changes: dict[str, str]
) -> None:
    """RFC 6749 error descriptions are restricted ASCII; echoing input into them must not 500."""
    response = authorize(client, params_for(mini, **changes))
    if "redirect_uri" in changes:
        assert_error_page(response, 400)
        assert "<script>" not in response.text
    else:
        assert_error_redirect(response, mini, "unsupported_response_type")


def test_repeated_parameters_get_an_error_page(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    query = urlencode([*list(params_for(mini).items()), ("client_id", "other")])
    assert_error_page(client.get(f"/oauth/authorize?{query}", follow_redirects=False), 400)


# --- once the redirect URI is known good: errors go back to the app with the state ----------


def test_missing_state_is_refused_with_a_redirect(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    assert_error_redirect(
        authorize(client, params_for(mini, state=None)), mini, "invalid_request", state=None
    )
    assert_error_redirect(
        authorize(client, params_for(mini, state="")), mini, "invalid_request", state=None
    )
    assert code_count(services, mini) == 0


def test_missing_state_is_refused_on_the_consent_post_too(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    response = approve(client, wallet, params_for(mini, state=None))
    assert_error_redirect(response, mini, "invalid_request", state=None)
    assert code_count(services, mini) == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"code_challenge_method": "plain"},
        {"code_challenge_method": None},
        {"code_challenge": None},
        {"code_challenge": None, "code_challenge_method": None},
        {"code_challenge": "too-short"},
        {"code_challenge_method": "s256"},
    ],
    ids=["plain", "no-method", "no-challenge", "no-pkce", "short-challenge", "lowercase-method"],
)
def test_pkce_s256_is_required(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services, changes: dict[str, Any]
) -> None:
    assert_error_redirect(authorize(client, params_for(mini, **changes)), mini, "invalid_request")
    assert_error_redirect(
        approve(client, wallet, params_for(mini, **changes)), mini, "invalid_request"
    )
    assert code_count(services, mini) == 0


@pytest.mark.parametrize("response_type", ["token", "code token", "id_token", ""])
def test_only_the_code_flow_is_supported(
    client: Any, mini: OnlineApp, wallet: TestWallet, response_type: str
) -> None:
    response = authorize(client, params_for(mini, response_type=response_type))
    assert_error_redirect(response, mini, "unsupported_response_type")


def test_a_scope_the_app_is_not_approved_for(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    for scope in ("assets:transfer", "basic:address extended:email"):
        response = authorize(client, params_for(mini, scope=scope))
        assert_error_redirect(response, mini, "invalid_scope")
        response = approve(client, wallet, params_for(mini, scope=scope))
        assert_error_redirect(response, mini, "invalid_scope")
    assert code_count(services, mini) == 0


@pytest.mark.parametrize(
    "scope", ["admin", "basic:address root", 'basic:"address', "basic:adress", "bäsic:address"]
)
def test_an_unknown_scope(client: Any, mini: OnlineApp, wallet: TestWallet, scope: str) -> None:
    assert_error_redirect(authorize(client, params_for(mini, scope=scope)), mini, "invalid_scope")


def test_no_scope_asks_for_the_basic_ones(client: Any, mini: OnlineApp, wallet: TestWallet) -> None:
    page = authorize(client, params_for(mini, scope=None))
    assert page.status_code == 200
    assert "See your wallet address" in page.text
    assert "See your Chainless user id" in page.text


def test_the_state_comes_back_unchanged(client: Any, mini: OnlineApp, wallet: TestWallet) -> None:
    state = "a b&c=d/é?x#y" + "s" * 100
    got = redirect_params(approve(client, wallet, params_for(mini, state=state)))
    assert got["state"] == state
    assert got["code"]


# --- consent ---------------------------------------------------------------------------------


def test_deny_sends_access_denied_with_the_state(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    response = approve(client, wallet, params_for(mini), decision="deny")
    assert_error_redirect(response, mini, "access_denied")
    assert code_count(services, mini) == 0
    with services.transaction() as session:
        denied = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "oauth.consent_denied", AuditEvent.app_id == mini.app_id
            )
        ).all()
    assert len(denied) == 1
    assert grants_of(services, mini) == []


def test_consent_is_remembered_unless_prompted_or_widened(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    first = params_for(mini)
    assert authorize(client, first).status_code == 200
    assert redirect_params(approve(client, wallet, first))["code"]

    again = authorize(client, params_for(mini))
    assert again.status_code == 302
    assert redirect_params(again)["code"]
    narrower = authorize(client, params_for(mini, scope="basic:address"))
    assert narrower.status_code == 302
    assert redirect_params(narrower)["code"]

    prompted = authorize(client, params_for(mini, prompt="consent"))
    assert prompted.status_code == 200
    assert 'name="decision" value="approve"' in prompted.text

    wider = params_for(mini, scope="basic:address basic:user_id transaction:broadcast")
    page = authorize(client, wider)
    assert page.status_code == 200
    assert "Broadcast transactions you signed" in page.text
    assert redirect_params(approve(client, wallet, wider))["code"]
    grants = grants_of(services, mini)
    assert len(grants) == 1
    assert set(grants[0].scope) == {"basic:address", "basic:user_id", "transaction:broadcast"}


def test_consent_is_per_user(client: Any, mini: OnlineApp, wallet: TestWallet) -> None:
    assert redirect_params(approve(client, wallet, params_for(mini)))["code"]
    TestWallet(client).sign_in()  # another wallet in the same browser
    assert authorize(client, params_for(mini)).status_code == 200


@pytest.fixture
def email_app(factory: Factory) -> OnlineApp:
    return online_app(factory, scopes=EMAIL_APP_SCOPES, redirect_uri="https://mail.example/cb")


def test_extended_scopes_need_a_second_confirmation(
    client: Any, email_app: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    params = params_for(email_app, scope="basic:address extended:email")
    page = authorize(client, params)
    assert page.status_code == 200
    assert "Personal data" in page.text
    assert 'name="confirm_extended"' in page.text

    unconfirmed = approve(client, wallet, params)
    assert unconfirmed.status_code == 200
    assert "location" not in unconfirmed.headers
    assert "Confirm separately" in unconfirmed.text
    assert code_count(services, email_app) == 0
    assert grants_of(services, email_app) == []

    wrong = approve(client, wallet, params, confirm_extended="on")
    assert wrong.status_code == 200
    assert code_count(services, email_app) == 0

    confirmed = approve(client, wallet, params, confirm_extended="yes")
    assert redirect_params(confirmed)["code"]
    assert code_count(services, email_app) == 1


def test_ordinary_scopes_need_no_second_confirmation(
    client: Any, email_app: OnlineApp, wallet: TestWallet
) -> None:
    page = authorize(client, params_for(email_app))
    assert 'name="confirm_extended"' not in page.text
    assert redirect_params(approve(client, wallet, params_for(email_app)))["code"]


@pytest.mark.parametrize("token", ["wrong", "", None], ids=["wrong", "empty", "missing"])
def test_the_consent_post_needs_the_csrf_token(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services, token: str | None
) -> None:
    form = {"decision": "approve"} | ({} if token is None else {"csrf_token": token})
    response = client.post(
        f"/oauth/authorize?{urlencode(params_for(mini))}", data=form, follow_redirects=False
    )
    assert_error_page(response, 403)
    assert code_count(services, mini) == 0


def test_another_sessions_csrf_token_does_not_pass(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    other = TestWallet(client)
    stolen = other.sign_in()["csrf_token"]
    wallet.sign_in()  # the browser is back on the first wallet's session
    response = approve(client, wallet, params_for(mini), csrf_token=stolen)
    assert_error_page(response, 403)
    assert code_count(services, mini) == 0


def test_the_consent_form_works_when_the_strict_csrf_cookie_is_withheld(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    """An app sends the user here by a cross-site navigation, where browsers withhold
    SameSite=Strict cookies: the token in the rendered form must still be accepted."""
    client.cookies.delete("chainless_wallet_csrf")
    params = params_for(mini)
    page = authorize(client, params)
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the consent form carries no CSRF token"
    response = client.post(
        urlsplit(re.search(r'action="([^"]+)"', page.text).group(1).replace("&amp;", "&")).path
        + "?"
        + urlencode(params),
        data={"csrf_token": match.group(1), "decision": "approve"},
        follow_redirects=False,
    )
    assert redirect_params(response)["code"]


def test_signed_out_users_see_the_sign_in_page(
    client: Any, mini: OnlineApp, services: Services
) -> None:
    page = authorize(client, params_for(mini))
    assert page.status_code == 200
    assert "Sign in with your wallet" in page.text
    assert page.headers["cache-control"] == "no-store"
    posted = client.post(
        f"/oauth/authorize?{urlencode(params_for(mini))}",
        data={"decision": "approve", "csrf_token": "x"},
        follow_redirects=False,
    )
    assert posted.status_code == 200
    assert "Sign in with your wallet" in posted.text
    assert code_count(services, mini) == 0


def test_pages_carry_the_security_headers(
    client: Any, factory: Factory, mini: OnlineApp, wallet: TestWallet
) -> None:
    signed_out = client.__class__(client.app, base_url="http://testserver")
    pages = {
        "consent": authorize(client, params_for(mini)),
        "error": authorize(client, params_for(mini, client_id="nope")),
        "wallet": client.get("/wallet/authorizations"),
        "sign-in": authorize(signed_out, params_for(mini)),
    }
    nonces = set()
    for name, response in pages.items():
        headers = response.headers
        assert headers["content-type"].startswith("text/html"), name
        csp = dict(
            part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";")
        )
        assert csp["default-src"] == "'none'", name
        assert csp["frame-ancestors"] == "'none'", name
        assert csp["base-uri"] == "'none'", name
        assert "unsafe-inline" not in csp["script-src"], name
        assert "unsafe-inline" not in csp["style-src"], name
        nonce = csp["script-src"].removeprefix("'nonce-").removesuffix("'")
        nonces.add(nonce)
        for tag in re.findall(r"<(?:script|style)[^>]*>", response.text):
            assert f'nonce="{nonce}"' in tag, (name, tag)
        assert headers["cache-control"] == "no-store", name
        assert headers["x-content-type-options"] == "nosniff", name
        assert headers["referrer-policy"] == "no-referrer", name
    assert len(nonces) == len(pages)  # a fresh nonce per response


def test_the_sign_in_page_embeds_the_app_name_safely(
    client: Any, factory: Factory, mini: OnlineApp
) -> None:
    renamed = client.patch(
        f"/api/v1/apps/{mini.app_id}",
        headers=mini.developer.headers,
        json={"name": 'Evil"</script><script>alert(1)//'},
    )
    assert renamed.status_code == 200, renamed.text
    page = authorize(client, params_for(mini))
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text
    assert page.text.count("</script>") == 1


def test_the_redirect_carrying_a_code_is_not_cached(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    response = approve(client, wallet, params_for(mini))
    assert redirect_params(response)["code"]
    assert response.headers.get("cache-control") == "no-store"
    assert response.headers.get("referrer-policy") == "no-referrer"
