"""Racing requests on a database of their own (every request commits for real, on its own
connection): the same refresh token or the same code presented by several threads at once.

Nothing here may answer 500: a refresh race is settled by the row lock (PostgreSQL) or by the
grace window, a code race by a conditional update that only one exchange can win.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import select

from chainless.oauth.models import RefreshToken, TokenFamily
from chainless.platform.app import create_app
from chainless.platform.core.services import Services
from chainless.platform.core.settings import Settings
from tests.committed import committed_database, services_on
from tests.factories import Factory, OnlineApp, online_app
from tests.oauth.wallet import (
    TestWallet,
    approve,
    authorize_params,
    exchange,
    get_code,
    introspect,
    pkce_pair,
    redirect_params,
    refresh,
    tokens_for,
)

# SQLite: platform/core/db.py opens every transaction with BEGIN IMMEDIATE, so concurrent writers
# queue on the busy timeout instead of failing to upgrade a shared lock; these hold there too.
pytestmark = pytest.mark.portable
THREADS = 8


@pytest.fixture(scope="module")
def own_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with committed_database(tmp_path_factory.mktemp("race"), "chainless_race") as url:
        yield url


@pytest.fixture
def racing(
    own_database: str, settings: Settings, redis_client: Redis | None
) -> Iterator[tuple[Any, Services]]:
    with (
        services_on(own_database, settings, redis_client) as (services, _jobs),  # never run
        TestClient(
            create_app(services.settings, services=services), base_url="http://testserver"
        ) as client,
    ):
        yield client, services


def at_once(calls: int, call: Callable[[], Any]) -> list[Any]:
    """Run ``call`` from ``calls`` threads released together."""
    barrier = threading.Barrier(calls)

    def run() -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(calls) as pool:
        return list(pool.map(lambda _: run(), range(calls)))


def setup_app(client: Any, services: Services) -> tuple[OnlineApp, TestWallet]:
    mini = online_app(Factory(client, services))
    wallet = TestWallet(client)
    wallet.sign_in()
    return mini, wallet


def test_concurrent_refreshes_of_one_token_never_fail_with_500(
    racing: tuple[Any, Services],
) -> None:
    client, services = racing
    mini, wallet = setup_app(client, services)
    tokens = tokens_for(client, mini, wallet)

    responses = at_once(THREADS, lambda: refresh(client, mini, tokens["refresh_token"]))

    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 400}, [r.text for r in responses]
    assert statuses.count(200) >= 1
    for response in responses:
        if response.status_code == 400:
            assert response.json()["error"] == "invalid_grant"
    # within the grace window every racer is honoured, and every new token works
    assert statuses.count(200) == THREADS
    fresh = [r.json() for r in responses]
    assert len({body["refresh_token"] for body in fresh}) == THREADS
    for body in fresh:
        assert introspect(client, mini, body["access_token"])["active"] is True
    with services.transaction() as session:
        presented = session.scalars(
            select(RefreshToken).where(
                RefreshToken.token_hash == services.hasher.hash(tokens["refresh_token"])
            )
        ).one()
        family = session.get(TokenFamily, presented.family_id)
        assert family is not None
        assert family.revoked_at is None
        siblings = session.scalars(
            select(RefreshToken).where(RefreshToken.family_id == family.id)
        ).all()
        assert len(siblings) == THREADS + 1


def test_concurrent_refreshes_after_the_grace_window_revoke_without_500(
    racing: tuple[Any, Services], settings: Settings
) -> None:
    client, services = racing
    settings.oauth.refresh_reuse_grace_seconds = 0
    mini, wallet = setup_app(client, services)
    tokens = tokens_for(client, mini, wallet)

    responses = at_once(THREADS, lambda: refresh(client, mini, tokens["refresh_token"]))

    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 400}, [r.text for r in responses]
    assert statuses.count(200) >= 1
    assert all(r.json()["error"] == "invalid_grant" for r in responses if r.status_code == 400)
    if statuses.count(400):  # someone reused a rotated token: the family is gone
        for response in responses:
            if response.status_code == 200:
                assert introspect(client, mini, response.json()["access_token"]) == {
                    "active": False
                }


def test_a_code_raced_by_several_exchanges_is_redeemed_once(
    racing: tuple[Any, Services],
) -> None:
    client, services = racing
    mini, wallet = setup_app(client, services)
    verifier, challenge = pkce_pair()
    code = get_code(client, wallet, mini, challenge)

    responses = at_once(THREADS, lambda: exchange(client, mini, code, verifier))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * (THREADS - 1), [r.text for r in responses]
    assert all(r.json()["error"] == "invalid_grant" for r in responses if r.status_code == 400)
    winner = next(r.json() for r in responses if r.status_code == 200)
    # the other attempts were replays: what the code issued is revoked (RFC 6749 §4.1.2)
    assert introspect(client, mini, winner["access_token"]) == {"active": False}
    with services.transaction() as session:
        code_hash = services.hasher.hash(code)
        families = session.scalars(select(TokenFamily).where(TokenFamily.code_hash == code_hash))
        assert [family.revoked_reason for family in families] == ["code_replay"]


def test_a_double_submitted_consent_never_fails_with_500(
    racing: tuple[Any, Services],
) -> None:
    """A double tap on Allow: two first consents of one user for one app race to create the
    grant (one live grant per user and app); both get a code, one grant exists."""
    client, services = racing
    mini, wallet = setup_app(client, services)
    assert client.get("/api/v1/wallet/me").status_code == 200  # the session was just seen
    pairs = [pkce_pair() for _ in range(THREADS)]
    queries = iter([authorize_params(mini, challenge) for _, challenge in pairs])
    lock = threading.Lock()

    def approve_once() -> Any:
        with lock:
            query = next(queries)
        return approve(client, wallet, query)

    responses = at_once(THREADS, approve_once)

    assert [r.status_code for r in responses] == [302] * THREADS, [r.text for r in responses]
    assert all(redirect_params(r)["code"] for r in responses)
    grants = client.get("/api/v1/wallet/authorizations").json()
    assert len(grants) == 1
