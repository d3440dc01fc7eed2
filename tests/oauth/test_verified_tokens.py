"""A token's signature is verified once per process; expiry and key rotation still hold."""

from __future__ import annotations

import time
from typing import Any

import pytest

from chainless.oauth import tokens
from chainless.oauth.verified_tokens import VerifiedTokens
from chainless.platform.core.services import Services
from tests.factories import OnlineApp
from tests.oauth.test_access_tokens import tampered_tokens
from tests.oauth.wallet import TestWallet, introspect, tokens_for

pytestmark = pytest.mark.portable


@pytest.fixture
def access_token(client: Any, mini: OnlineApp, wallet: TestWallet, services: Services) -> str:
    token = str(tokens_for(client, mini, wallet)["access_token"])
    with services.transaction() as session:
        tokens.keyring(services).signing_key(session)  # the process holds the keys, fresh
    return token


@pytest.fixture
def signature_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    checked: list[str] = []
    real = tokens.jwt.decode

    def counted(token: str, *args: Any, **kwargs: Any) -> Any:
        checked.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(tokens.jwt, "decode", counted)
    return checked


def test_a_token_is_verified_once_then_answered_from_memory(
    access_token: str, services: Services, signature_checks: list[str]
) -> None:
    first = tokens.decode_with_held_keys(services, access_token)
    second = tokens.decode_with_held_keys(services, access_token)
    assert first is not None
    assert second == first
    assert signature_checks == [access_token]


def test_forged_tokens_are_never_remembered(
    access_token: str, services: Services, client: Any, mini: OnlineApp
) -> None:
    for name, forged in tampered_tokens(access_token).items():
        assert tokens.decode_with_held_keys(services, forged) is None, name
        assert tokens.decode_with_held_keys(services, forged) is None, name
        assert introspect(client, mini, forged) == {"active": False}, name
    assert len(tokens._verified(services)) == 0


def test_an_expired_token_is_not_answered_from_memory(
    access_token: str, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims = tokens.decode_with_held_keys(services, access_token)
    assert claims is not None
    later = claims.expires_at + 1
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    assert tokens.decode_with_held_keys(services, access_token) is None


def test_a_key_no_longer_held_means_verifying_again(
    access_token: str, services: Services, signature_checks: list[str]
) -> None:
    assert tokens.decode_with_held_keys(services, access_token) is not None
    tokens.keyring(services).invalidate()  # rotated: this process must read the keys again
    assert tokens.decode_with_held_keys(services, access_token) is None  # the long way
    with services.transaction() as session:
        tokens.keyring(services).signing_key(session)
    assert tokens.decode_with_held_keys(services, access_token) is not None
    assert len(signature_checks) == 3  # tried without the key, then verified again


def test_the_memory_is_bounded_and_forgets_the_oldest_first() -> None:
    remembered = VerifiedTokens(max_entries=2)
    claims: Any = type("Claims", (), {"expires_at": int(time.time()) + 60})()
    keys = [remembered.key(f"token-{n}") for n in range(3)]
    for key in keys:
        remembered.put(key, claims, "kid")
    now = int(time.time())
    assert remembered.get(keys[0], now) is None
    assert remembered.get(keys[1], now) is not None
    assert remembered.get(keys[2], now) is not None
    assert len(remembered) == 2
