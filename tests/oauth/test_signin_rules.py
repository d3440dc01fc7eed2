"""SIWE sign-in over HTTP: every rule that refuses a message answers problem+json with its code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import func, select

from chainless.chain.localnode import LocalChain, free_port
from chainless.oauth.models import WalletSession, WalletUser
from chainless.oauth.siwe import SiweMessage
from chainless.platform.core.services import Services
from chainless.platform.core.settings import Settings
from chainless.platform.models import Alert, AuditEvent
from tests.oauth.wallet import CHAIN_ID, TestWallet

pytestmark = pytest.mark.portable
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def chain_url() -> Iterator[str]:
    with LocalChain() as chain:
        yield chain.rpc_url


def use_chain(settings: Settings, url: str) -> None:
    """Point every configured chain at ``url`` (EIP-1271 checks run there)."""
    for environment, chain in list(settings.chains.items()):
        settings.chains[environment] = chain.model_copy(update={"rpc_urls": [url]})


def fresh_nonce(client: Any) -> str:
    response = client.get("/oauth/siwe/nonce")
    assert response.status_code == 200, response.text
    return str(response.json()["nonce"])


def message_for(client: Any, wallet: TestWallet, **overrides: Any) -> str:
    """A well-formed message for the test platform (http://testserver) with some fields changed
    (a ``timedelta`` stands for that long from now)."""
    now = datetime.now(UTC).replace(microsecond=0)
    overrides = {k: now + v if isinstance(v, timedelta) else v for k, v in overrides.items()}
    fields: dict[str, Any] = {
        "scheme": "http",
        "domain": "testserver",
        "address": wallet.address,
        "uri": "http://testserver",
        "chain_id": CHAIN_ID,
        "statement": "Sign in to Chainless.",
        "issued_at": now,
        "expiration_time": now + timedelta(minutes=5),
    }
    fields.update(overrides)
    if "nonce" not in fields:
        fields["nonce"] = fresh_nonce(client)
    return SiweMessage.prepare(**fields).to_text()


def post_sign_in(client: Any, message: str, signature: str) -> Any:
    return client.post("/oauth/siwe/sign-in", json={"message": message, "signature": signature})


def assert_problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert body["detail"]
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"domain": "evil.example"}, "domain_mismatch"),
        ({"scheme": "https"}, "domain_mismatch"),
        ({"uri": "http://evil.example/login"}, "uri_mismatch"),
        ({"uri": "https://testserver"}, "uri_mismatch"),
        ({"chain_id": 1}, "chain_not_allowed"),
        ({"nonce": "NeverIssuedNonce1234"}, "nonce_invalid"),
        (
            {"issued_at": -timedelta(minutes=10), "expiration_time": -timedelta(minutes=5)},
            "message_expired",
        ),
        (
            {"issued_at": timedelta(minutes=5), "expiration_time": timedelta(minutes=10)},
            "issued_in_future",
        ),
        ({"not_before": timedelta(minutes=5)}, "not_yet_valid"),
    ],
    ids=[
        "wrong-domain",
        "wrong-scheme",
        "wrong-uri-origin",
        "wrong-uri-scheme",
        "wrong-chain",
        "unknown-nonce",
        "expired",
        "issued-in-future",
        "not-before-in-future",
    ],
)
def test_a_message_breaking_a_rule_is_refused_with_its_code(
    client: Any, services: Services, overrides: dict[str, Any], code: str
) -> None:
    wallet = TestWallet(client)
    with services.transaction() as session:
        sessions_before = session.scalar(select(func.count()).select_from(WalletSession))
    message = message_for(client, wallet, **overrides)
    assert_problem(post_sign_in(client, message, wallet.sign(message)), 400, code)
    with services.transaction() as session:
        user = session.scalar(select(WalletUser).where(WalletUser.address == wallet.address))
        assert user is None
        sessions = session.scalar(select(func.count()).select_from(WalletSession))
    assert sessions == sessions_before


def test_issued_at_within_the_allowed_clock_skew_is_accepted(client: Any) -> None:
    wallet = TestWallet(client)
    message = message_for(client, wallet, issued_at=timedelta(seconds=10))
    assert post_sign_in(client, message, wallet.sign(message)).status_code == 200


def test_a_nonce_signs_in_once(client: Any) -> None:
    wallet = TestWallet(client)
    message = message_for(client, wallet)
    signature = wallet.sign(message)
    assert post_sign_in(client, message, signature).status_code == 200
    assert_problem(post_sign_in(client, message, signature), 400, "nonce_invalid")


def test_a_nonce_issued_for_one_message_cannot_be_reused_in_another(client: Any) -> None:
    wallet = TestWallet(client)
    nonce = fresh_nonce(client)
    first = message_for(client, wallet, nonce=nonce)
    assert post_sign_in(client, first, wallet.sign(first)).status_code == 200
    second = message_for(client, wallet, nonce=nonce, statement="Another statement.")
    assert_problem(post_sign_in(client, second, wallet.sign(second)), 400, "nonce_invalid")


def test_a_signature_by_another_key_is_refused(
    client: Any, settings: Settings, chain_url: str
) -> None:
    use_chain(settings, chain_url)  # the address has no code there: no EIP-1271 wallet either
    wallet, other = TestWallet(client), Account.create()
    message = message_for(client, wallet)
    signature = "0x" + other.sign_message(encode_defunct(text=message)).signature.hex()
    assert_problem(post_sign_in(client, message, signature), 401, "signature_mismatch")


def test_a_signature_over_another_text_is_refused(
    client: Any, settings: Settings, chain_url: str
) -> None:
    use_chain(settings, chain_url)
    wallet = TestWallet(client)
    message = message_for(client, wallet)
    assert_problem(
        post_sign_in(client, message, wallet.sign(message + " ")), 401, "signature_mismatch"
    )


@pytest.mark.parametrize(
    "signature",
    ["0xzz", "not a signature", "0x1234", "0x" + "00" * 65, "0x" + "ab" * 64 + "1d"],
    ids=["non-hex", "text", "short", "zeros", "bad-v"],
)
def test_a_malformed_signature_is_refused(
    client: Any, settings: Settings, chain_url: str, signature: str
) -> None:
    use_chain(settings, chain_url)
    wallet = TestWallet(client)
    assert_problem(
        post_sign_in(client, message_for(client, wallet), signature), 401, "invalid_signature"
    )


def test_a_chain_outage_is_not_taken_for_a_bad_signature(
    client: Any, settings: Settings, services: Services
) -> None:
    """A signature that is no EOA's must be asked of the chain (EIP-1271); when the chain cannot
    answer, the sign-in fails as unavailable (503), not as a 500 nor as a wrong signature."""
    use_chain(settings, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    wallet = TestWallet(client)
    message = message_for(client, wallet)
    signature = "0x" + Account.create().sign_message(encode_defunct(text=message)).signature.hex()
    assert_problem(post_sign_in(client, message, signature), 503, "chain_unavailable")
    # the nonce was not spent on an outage: the wallet's own signature still signs in
    assert post_sign_in(client, message, wallet.sign(message)).status_code == 200


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "testserver wants you to sign in with your Ethereum account:\nnot-an-address\n",
        "",
    ],
    ids=["prose", "bad-address", "empty"],
)
def test_a_malformed_message_is_refused(client: Any, text: str) -> None:
    response = post_sign_in(client, text, "0x" + "11" * 65)
    if not text:  # refused by the schema before any SIWE parsing
        assert response.status_code == 422
        assert response.headers["content-type"].startswith(PROBLEM)
        return
    assert_problem(response, 400, "malformed_message")


@pytest.mark.parametrize(
    ("pattern", "replacement"),
    [
        (r"^http://testserver wants", " wants"),
        (r"^http://testserver wants", "http:// wants"),
        (r"^http://testserver wants", ":80 wants"),
        (r"^0x[0-9A-Fa-f]{40}$", ""),
        (r"^URI: .*$", "URI: "),
        (r"^Version: .*$", "Version: "),
        (r"^Chain ID: .*$", "Chain ID: "),
        (r"^Nonce: .*$", "Nonce: "),
        (r"^Issued At: .*$", "Issued At: "),
    ],
    ids=[
        "empty-domain",
        "scheme-without-domain",
        "port-without-host",
        "empty-address",
        "empty-uri",
        "empty-version",
        "empty-chain-id",
        "empty-nonce",
        "empty-issued-at",
    ],
)
def test_a_message_with_an_empty_required_field_is_refused(
    client: Any, pattern: str, replacement: str
) -> None:
    """EIP-4361 ABNF: the domain (an authority naming a host), address, URI, version, chain ID,
    nonce and issued-at are never empty, even in a correctly signed message (an empty domain
    used to parse, as ``domain=''``)."""
    wallet = TestWallet(client)
    text = re.sub(pattern, replacement, message_for(client, wallet), count=1, flags=re.M)
    response = post_sign_in(client, text, wallet.sign(text))
    assert_problem(response, 400, "malformed_message")
    assert response.json()["detail"].startswith("line ")


def test_a_lowercase_address_is_no_eip55_message(client: Any) -> None:
    wallet = TestWallet(client)
    text = message_for(client, wallet).replace(wallet.address, wallet.address.lower())
    assert_problem(post_sign_in(client, text, wallet.sign(text)), 400, "malformed_message")


def test_a_burst_of_failures_per_address_raises_an_alert(client: Any, services: Services) -> None:
    wallet = TestWallet(client)
    for _ in range(10):
        message = message_for(client, wallet, domain="evil.example")
        assert post_sign_in(client, message, wallet.sign(message)).status_code == 400
    with services.transaction() as session:
        alerts = session.scalars(
            select(Alert).where(Alert.kind == "oauth.sign_in_failures", Alert.resolved_at.is_(None))
        ).all()
    subjects = {alert.subject for alert in alerts}
    assert f"address:{wallet.address}" in subjects
    assert "ip:testclient" in subjects


def test_nine_failures_raise_no_alert(client: Any, services: Services) -> None:
    wallet = TestWallet(client)
    for _ in range(9):
        message = message_for(client, wallet, chain_id=1)
        assert post_sign_in(client, message, wallet.sign(message)).status_code == 400
    with services.transaction() as session:
        alerts = session.scalars(
            select(Alert).where(Alert.subject == f"address:{wallet.address}")
        ).all()
    assert alerts == []


def test_one_user_per_wallet_address(client: Any, services: Services) -> None:
    wallet = TestWallet(client)
    first = wallet.sign_in()
    second = wallet.sign_in()
    assert first["new_user"] is True
    assert second["new_user"] is False
    assert first["user_id"] == second["user_id"]
    assert first["session_token"] != second["session_token"]
    assert first["session_token"].startswith("cws_")
    with services.transaction() as session:
        users = session.scalars(
            select(WalletUser).where(WalletUser.address == wallet.address)
        ).all()
        assert [(u.id, u.address) for u in users] == [(first["user_id"], wallet.address)]
        signed = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "wallet.signed_in", AuditEvent.actor_id == first["user_id"]
            )
        ).all()
        assert [e.actor_id for e in signed] == [first["user_id"]] * 2


def test_the_nonce_endpoint(client: Any) -> None:
    before = datetime.now(UTC)
    first = client.get("/oauth/siwe/nonce")
    after = datetime.now(UTC)
    second = client.get("/oauth/siwe/nonce")
    assert first.status_code == 200
    nonce = first.json()["nonce"]
    assert len(nonce) >= 16
    assert nonce.isalnum()
    assert nonce.isascii()
    assert nonce != second.json()["nonce"]
    expires = datetime.fromisoformat(first.json()["expires_at"])
    # five minutes from when the server issued it, however slow the request was
    assert before + timedelta(minutes=5) - timedelta(seconds=1) <= expires
    assert expires <= after + timedelta(minutes=5) + timedelta(seconds=1)


def test_the_session_cookies_are_http_only(client: Any) -> None:
    wallet = TestWallet(client)
    message = message_for(client, wallet)
    response = post_sign_in(client, message, wallet.sign(message))
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 2
    assert all("httponly" in cookie.lower() for cookie in cookies)
    assert any(cookie.startswith("chainless_wallet=cws_") for cookie in cookies)
