"""The per-process API-key credential cache and its Redis epoch (Redis only, so not portable).

"Another process" is a second app with its own services (its own cache) on the same database and
Redis, which is all two api processes share.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from chainless.platform.apikeys import authentication, repository
from chainless.platform.apikeys import service as apikey_service
from chainless.platform.apikeys.credentials import EPOCH, credential_cache
from chainless.platform.apikeys.usage import Usage
from chainless.platform.core.clock import utcnow
from chainless.platform.core.ratelimit import Limit, RedisRateLimiter
from chainless.platform.core.services import Services
from chainless.platform.models import ApiKey, MiniProgram
from tests.factories import Factory
from tests.platform.apikeys_helpers import call_self, create_app, create_key, keys_url, set_key
from tests.processes import second_process


@pytest.fixture
def other(services: Services) -> Iterator[tuple[Services, TestClient]]:
    """A second api process: its own services and cache, the same database and Redis."""
    with second_process(services) as process:
        yield process


@pytest.fixture
def dev_key(client: Any, factory: Factory, services: Services) -> tuple[Any, str, dict[str, Any]]:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    return dev, app_id, create_key(client, dev, app_id)


def _cached(services: Services, key: dict[str, Any]) -> bool:
    cache = credential_cache(services)
    assert cache is not None
    return cache.entry(key["prefix"]) is not None


def test_a_cached_credential_is_read_once(
    client: Any, services: Services, dev_key: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _dev, app_id, key = dev_key
    reads = []
    real = repository.credential_by_prefix

    def counted(session: Any, prefix: str) -> Any:
        reads.append(prefix)
        return real(session, prefix)

    monkeypatch.setattr(authentication.repository, "credential_by_prefix", counted)
    for expected_remaining in ("999", "998", "997"):
        response = call_self(client, app_id, key["key"])
        assert response.status_code == 200, response.text
        assert response.headers["RateLimit-Remaining"] == expected_remaining
    assert reads == [key["prefix"]]
    assert _cached(services, key)


def test_revocation_in_another_process_is_seen_on_the_next_request(
    client: Any, services: Services, other: tuple[Services, TestClient], dev_key: Any
) -> None:
    dev, app_id, key = dev_key
    other_services, other_client = other
    assert call_self(other_client, app_id, key["key"]).status_code == 200
    assert _cached(other_services, key)

    revoked = client.post(
        keys_url(app_id, f"/{key['id']}/revoke"), headers=dev.headers, json={"reason": "leak"}
    )
    assert revoked.status_code == 200, revoked.text
    refused = call_self(other_client, app_id, key["key"])
    assert refused.status_code == 401
    assert refused.json()["code"] == "api_key_revoked"
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_row_changed_by_a_statement_in_another_process_is_seen(
    client: Any, services: Services, other: tuple[Services, TestClient], dev_key: Any
) -> None:
    _dev, app_id, key = dev_key
    _other_services, other_client = other
    assert call_self(other_client, app_id, key["key"]).status_code == 200
    set_key(services, key["id"], expires_at=utcnow() - timedelta(seconds=1))  # update()
    refused = call_self(other_client, app_id, key["key"])
    assert refused.status_code == 401
    assert refused.json()["code"] == "api_key_expired"


def test_expiry_is_honoured_while_cached(
    client: Any, services: Services, dev_key: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _dev, app_id, key = dev_key
    assert call_self(client, app_id, key["key"]).status_code == 200
    assert services.epochs is not None
    epoch = services.epochs.current(EPOCH)
    later = utcnow() + timedelta(days=91)  # past the key's 90-day life; nothing was changed
    monkeypatch.setattr(apikey_service, "utcnow", lambda: later)
    refused = call_self(client, app_id, key["key"])
    assert refused.status_code == 401
    assert refused.json()["code"] == "api_key_expired"
    assert services.epochs.current(EPOCH) == epoch


def test_a_wrong_secret_is_refused_while_the_real_one_is_cached(
    client: Any, services: Services, dev_key: Any
) -> None:
    _dev, app_id, key = dev_key
    assert call_self(client, app_id, key["key"]).status_code == 200
    forged = key["prefix"] + "_" + "A" * 43
    assert call_self(client, app_id, forged).json()["code"] == "api_key_invalid"
    assert call_self(client, app_id, key["key"]).status_code == 200


def test_tenant_isolation_holds_for_a_cached_key(
    client: Any, factory: Factory, services: Services, dev_key: Any
) -> None:
    _dev, app_id, key = dev_key
    assert call_self(client, app_id, key["key"]).status_code == 200
    other_app = create_app(services, factory.developer(approved=True), name="Other")
    response = client.get(f"/api/v1/apps/{other_app}", headers={"X-API-Key": key["key"]})
    assert response.status_code == 404
    assert response.json()["code"] == "app_not_found"


def test_what_changes_a_credential_bumps_the_epoch_and_nothing_else(
    services: Services, dev_key: Any, factory: Factory
) -> None:
    _dev, app_id, key = dev_key
    epochs = services.epochs
    assert epochs is not None
    before = int(epochs.current(EPOCH))

    with services.transaction() as session:  # the usage flush only moves counters
        repository.add_usage(session, {key["id"]: Usage(3, 1_700_000_000_000)})
    with services.transaction() as session:
        app = session.scalars(select(MiniProgram).where(MiniProgram.app_id == app_id)).one()
        app.name = "Renamed"
    assert int(epochs.current(EPOCH)) == before

    with services.transaction() as session:  # once at the flush, once after the commit
        session.scalars(select(ApiKey).where(ApiKey.id == key["id"])).one().name = "renamed"
    assert int(epochs.current(EPOCH)) == before + 2

    other_dev = factory.developer(approved=True)
    with services.transaction() as session:
        session.execute(
            update(MiniProgram)
            .where(MiniProgram.app_id == app_id)
            .values(developer_id=other_dev.id)
        )
    assert int(epochs.current(EPOCH)) == before + 4


def test_a_stale_epoch_counts_nothing(services: Services) -> None:
    limiter = services.rate_limiter
    assert isinstance(limiter, RedisRateLimiter)
    assert services.epochs is not None
    limit = Limit("t", 5, 60)
    epoch_key = services.epochs.key("test.cache")
    current = services.epochs.current("test.cache")

    stale = limiter.hit_many_guarded([("t:a", limit)], epoch_key=epoch_key, expected="stale")
    assert stale.decisions is None
    assert stale.epoch == current
    assert limiter.peek("t:a", limit).remaining == 5

    fresh = limiter.hit_many_guarded([("t:a", limit)], epoch_key=epoch_key, expected=current)
    assert fresh.decisions is not None
    assert fresh.decisions[0].remaining == 4
    services.epochs.bump("test.cache")
    again = limiter.hit_many_guarded([("t:a", limit)], epoch_key=epoch_key, expected=current)
    assert again.decisions is None
    assert again.epoch != current
