"""Access tokens are ES256 JWTs (RFC 9068) that app backends verify offline against the JWKS."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from typing import Any

import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet
from sqlalchemy import select, update

from chainless.oauth import keys, tokens
from chainless.oauth import tasks as oauth_tasks
from chainless.oauth.models import SigningKey
from chainless.platform.core.clock import utcnow
from chainless.platform.core.jobs import get_job
from chainless.platform.core.services import Services, run_job
from tests.factories import OnlineApp
from tests.oauth.wallet import TestWallet, introspect, refresh, tokens_for

pytestmark = pytest.mark.portable


def b64(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(part: str) -> dict[str, Any]:
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def jwks(client: Any) -> dict[str, Any]:
    response = client.get("/oauth/jwks")
    assert response.status_code == 200
    return dict(response.json())


def verify_offline(client: Any, token: str) -> Any:
    """What an app backend does: fetch the JWKS, verify, no call to the platform per token."""
    return jwt.decode(token, KeySet.import_key_set(jwks(client)), algorithms=["ES256"])


def rotate_signing_key(services: Services) -> SigningKey:
    with services.transaction() as session:
        created = keys.rotate(
            session,
            keys.KeyCipher(services.settings.secret_key),
            token_lifetime=timedelta(seconds=services.settings.oauth.access_token_ttl_seconds),
        )
    tokens.keyring(services).invalidate()
    return created


def test_an_access_token_verifies_offline_with_the_rfc_9068_claims(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    issued = tokens_for(client, mini, wallet)
    decoded = verify_offline(client, issued["access_token"])
    header, claims = decoded.header, decoded.claims
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "ES256"
    assert header["kid"]
    assert header["kid"] in {key["kid"] for key in jwks(client)["keys"]}
    assert claims["iss"] == services.settings.public_url
    assert claims["aud"] == mini.app_id
    assert claims["client_id"] == mini.app_id
    assert claims["sub"] == wallet.sign_in()["user_id"]
    assert claims["wallet_address"] == wallet.address
    assert claims["scope"] == "basic:address basic:user_id"
    assert len(claims["jti"]) >= 16
    now = int(time.time())
    assert claims["iat"] <= now + 1
    assert claims["exp"] - claims["iat"] == 900
    assert claims["exp"] > now
    other = tokens_for(client, mini, wallet)
    assert verify_offline(client, other["access_token"]).claims["jti"] != claims["jti"]


def test_the_jwks_publishes_public_keys_only(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    tokens_for(client, mini, wallet)
    response = client.get("/oauth/jwks")
    assert "max-age" in response.headers["cache-control"]
    published = response.json()["keys"]
    assert published
    for key in published:
        assert key["kty"] == "EC"
        assert key["crv"] == "P-256"
        assert key["alg"] == "ES256"
        assert key["use"] == "sig"
        assert key["kid"]
        assert "d" not in key


def test_signing_keys_are_encrypted_at_rest(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    tokens_for(client, mini, wallet)
    with services.transaction() as session:
        rows = session.scalars(select(SigningKey)).all()
    assert rows
    for row in rows:
        assert "PRIVATE KEY" not in row.private_key_encrypted
        assert "d" not in row.public_jwk


def test_key_rotation_keeps_earlier_tokens_valid(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    before = tokens_for(client, mini, wallet)
    old_kid = unb64(before["access_token"].split(".")[0])["kid"]
    new_key = rotate_signing_key(services)

    published = {key["kid"] for key in jwks(client)["keys"]}
    assert {old_kid, new_key.kid} <= published
    assert verify_offline(client, before["access_token"]).claims["sub"]
    assert introspect(client, mini, before["access_token"])["active"] is True

    after = refresh(client, mini, before["refresh_token"]).json()
    assert unb64(after["access_token"].split(".")[0])["kid"] == new_key.kid
    assert verify_offline(client, after["access_token"]).claims["sub"]
    assert introspect(client, mini, after["access_token"])["active"] is True
    userinfo = client.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {before['access_token']}"}
    )
    assert userinfo.status_code == 200


def test_a_key_is_published_until_its_tokens_have_expired(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    tokens_for(client, mini, wallet)
    rotate_signing_key(services)
    with services.transaction() as session:
        retired = session.scalars(select(SigningKey).where(SigningKey.retired_at.is_not(None)))
        for key in retired:
            assert key.expires_at is not None
            assert key.retired_at is not None
            assert key.expires_at - key.retired_at >= timedelta(seconds=900)


def tampered_tokens(token: str) -> dict[str, str]:
    header, payload, signature = token.split(".")
    claims = unb64(payload)
    forged_claims = b64({**claims, "sub": "someone-else", "scope": "assets:transfer"})
    other_key = ECKey.generate_key("P-256", private=True)
    head = unb64(header)
    none_header = b64({"alg": "none", "typ": "at+jwt", "kid": head["kid"]})
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    return {
        "payload": f"{header}.{forged_claims}.{signature}",
        "signature": f"{header}.{payload}.{flipped}",
        "alg-none": f"{none_header}.{b64(claims)}.",
        "alg-none-forged": f"{none_header}.{forged_claims}.",
        "other-key-same-kid": jwt.encode(head, claims, other_key),
        "hs256-with-public-key": _hs256_with_public_key(head, claims),
        "wrong-typ": jwt.encode({**head, "typ": "JWT"}, claims, other_key),
        "unknown-kid": jwt.encode({**head, "kid": "nope"}, claims, other_key),
        "truncated": f"{header}.{payload}",
    }


def _hs256_with_public_key(head: dict[str, Any], claims: dict[str, Any]) -> str:
    """The classic confusion attack: sign with HS256 keyed by the public key's bytes."""
    import hashlib
    import hmac

    signing_input = f"{b64({**head, 'alg': 'HS256'})}.{b64(claims)}"
    mac = hmac.new(b"public-key-bytes", signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def test_a_tampered_or_unsigned_token_is_inactive(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    issued = tokens_for(client, mini, wallet)
    for name, forged in tampered_tokens(issued["access_token"]).items():
        assert introspect(client, mini, forged) == {"active": False}, name
        userinfo = client.get("/oauth/userinfo", headers={"Authorization": f"Bearer {forged}"})
        assert userinfo.status_code == 401, name
        with pytest.raises((JoseError, ValueError)):
            verify_offline(client, forged)
    assert introspect(client, mini, issued["access_token"])["active"] is True


def test_an_expired_token_is_inactive(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    issued = tokens_for(client, mini, wallet)
    header = unb64(issued["access_token"].split(".")[0])
    claims = unb64(issued["access_token"].split(".")[1])
    with services.transaction() as session:
        signing = tokens.keyring(services).signing_key(session)
    assert signing.kid == header["kid"]
    expired = jwt.encode(header, {**claims, "exp": int(time.time()) - 1}, signing.key)
    assert introspect(client, mini, expired) == {"active": False}
    wrong_issuer = jwt.encode(header, {**claims, "iss": "https://evil.example"}, signing.key)
    assert introspect(client, mini, wrong_issuer) == {"active": False}
    reissued = jwt.encode(header, claims, signing.key)  # the very same claims verify
    assert introspect(client, mini, reissued)["active"] is True


def test_the_rotation_job_rotates_a_key_once_it_is_old(
    client: Any, mini: OnlineApp, wallet: TestWallet, services: Services
) -> None:
    before = tokens_for(client, mini, wallet)
    old_kid = unb64(before["access_token"].split(".")[0])["kid"]
    rotation = get_job(oauth_tasks.ROTATE_SIGNING_KEY)
    before_run = {key["kid"] for key in jwks(client)["keys"]}
    run_job(services, rotation, {})
    assert {key["kid"] for key in jwks(client)["keys"]} == before_run  # a young key stays

    with services.transaction() as session:  # every key a rotation period old
        old = utcnow() - timedelta(
            days=services.settings.oauth.signing_key_rotation_days, seconds=1
        )
        session.execute(update(SigningKey).values(created_at=old))
        session.execute(
            update(SigningKey).where(SigningKey.activated_at.is_not(None)).values(activated_at=old)
        )
    run_job(services, rotation, {})
    run_job(services, rotation, {})  # idempotent: the new key is young

    published = {key["kid"] for key in jwks(client)["keys"]}
    assert len(published - before_run) == 1  # one new key, however often the job ran
    assert old_kid in published
    after = refresh(client, mini, before["refresh_token"]).json()
    assert unb64(after["access_token"].split(".")[0])["kid"] != old_kid
    assert introspect(client, mini, before["access_token"])["active"] is True
    assert introspect(client, mini, after["access_token"])["active"] is True


def test_the_wallet_address_is_in_the_token_only_with_its_scope(
    client: Any, mini: OnlineApp, wallet: TestWallet
) -> None:
    """The app can read its own token: it must not learn the address the user did not share."""
    without = tokens_for(client, mini, wallet, scope="basic:user_id")
    assert "wallet_address" not in verify_offline(client, without["access_token"]).claims
    assert "wallet_address" not in introspect(client, mini, without["access_token"])
    userinfo = client.get(
        "/oauth/userinfo", headers={"Authorization": f"Bearer {without['access_token']}"}
    )
    assert "wallet_address" not in userinfo.json()
    with_address = tokens_for(client, mini, wallet, scope="basic:address")
    claims = verify_offline(client, with_address["access_token"]).claims
    assert claims["wallet_address"] == wallet.address
