"""Fixtures most wallet-login tests share: an online app, a signed-in wallet, a second process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chainless.platform.core.services import Services
from tests.factories import Factory, OnlineApp, online_app
from tests.oauth.wallet import TestWallet
from tests.processes import second_process


@pytest.fixture
def mini(factory: Factory) -> OnlineApp:
    return online_app(factory)


@pytest.fixture
def wallet(client: Any) -> TestWallet:
    signed = TestWallet(client)
    signed.sign_in()
    return signed


@pytest.fixture
def other(services: Services) -> Iterator[TestClient]:
    """A second api process: its own caches, the same database and Redis."""
    if services.redis is None:
        pytest.skip("the caches need Redis")
    with second_process(services) as (_, client):
        yield client
