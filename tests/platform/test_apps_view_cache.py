"""App details read by API keys, cached per process behind the ``apps.views`` epoch (Redis only).

"Another process" is a second app with its own services (its own caches) on the same database
and Redis.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chainless.platform.apps import view_cache
from chainless.platform.core.services import Services
from tests.factories import Factory
from tests.platform.apikeys_helpers import create_app, create_key
from tests.processes import second_process


@pytest.fixture
def other(services: Services) -> Iterator[tuple[Services, TestClient]]:
    """A second api process: its own services and cache, the same database and Redis."""
    with second_process(services) as process:
        yield process


@pytest.fixture
def dev_app_key(client: Any, factory: Factory, services: Services) -> tuple[Any, str, str]:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    return dev, app_id, create_key(client, dev, app_id)["key"]


def _read(client: Any, app_id: str, key: str) -> Any:
    return client.get(f"/api/v1/apps/{app_id}", headers={"X-API-Key": key})


def test_an_api_key_reads_its_app_from_the_cache(
    client: Any, dev_app_key: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _dev, app_id, key = dev_app_key
    reads = []
    real = view_cache._read

    def counted(*args: Any) -> Any:
        reads.append(args[-1])
        return real(*args)

    monkeypatch.setattr(view_cache, "_read", counted)
    first, second = _read(client, app_id, key), _read(client, app_id, key)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers["RateLimit-Limit"]
    assert reads == [app_id]


def test_a_change_in_another_process_is_read_on_the_next_request(
    client: Any, other: tuple[Services, TestClient], dev_app_key: Any
) -> None:
    dev, app_id, key = dev_app_key
    _services, other_client = other
    assert _read(client, app_id, key).json()["name"] == "Demo app"

    renamed = other_client.patch(
        f"/api/v1/apps/{app_id}", json={"name": "Renamed app"}, headers=dev.headers
    )
    assert renamed.status_code == 200, renamed.text
    assert _read(client, app_id, key).json()["name"] == "Renamed app"


def test_a_cached_detail_is_only_for_its_own_app_key(
    client: Any, factory: Factory, services: Services, dev_app_key: Any
) -> None:
    _dev, _app_id, key = dev_app_key
    other_dev = factory.developer(approved=True)
    other_app = create_app(services, other_dev, name="Other")
    other_key = create_key(client, other_dev, other_app)["key"]
    assert _read(client, other_app, other_key).status_code == 200  # now cached

    refused = _read(client, other_app, key)
    assert refused.status_code == 404
    assert refused.json()["code"] == "app_not_found"
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_key_without_a_reading_scope_is_forbidden_even_when_cached(
    client: Any, dev_app_key: Any
) -> None:
    dev, app_id, key = dev_app_key
    assert _read(client, app_id, key).status_code == 200
    writer_only = create_key(client, dev, app_id, scopes=["transaction:write"])["key"]
    refused = _read(client, app_id, writer_only)
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
