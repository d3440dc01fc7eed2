"""The sign-in lockout is per email and client address (``platform/auth/lockout.py``): a
stranger's failures cannot lock the owner out, the owner's own lock that (account, address)
pair and mail a single-use unlock link, and an unknown email answers exactly like a known one."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from chainless.platform.core.clock import utcnow
from chainless.platform.core.ratelimit import MemoryRateLimiter, RedisRateLimiter
from chainless.platform.core.services import Services
from chainless.platform.models import AuditEvent, OutboxEmail, SignInUnlock
from tests.factories import PASSWORD, Actor, Factory

pytestmark = pytest.mark.portable

FAILURES = 3
WRONG = "not-the-password-1"


@pytest.fixture(autouse=True)
def few_failures(services: Services) -> None:
    services.settings.login_max_failures = FAILURES


@pytest.fixture
def at(app: Any) -> Iterator[Callable[[str], TestClient]]:
    """Clients at other addresses than ``client`` (``testclient``)."""
    clients: list[TestClient] = []

    def client_at(address: str) -> TestClient:
        client = TestClient(app, base_url="http://testserver", client=(address, 40000))
        clients.append(client.__enter__())
        return client

    yield client_at
    for client in clients:
        client.__exit__(None, None, None)


def _sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/tokens", json={"email": email, "password": password})


def _unlock_mails(services: Services, email: str) -> list[str]:
    with services.transaction() as session:
        bodies = session.scalars(
            select(OutboxEmail.body)
            .where(OutboxEmail.to_address == email, OutboxEmail.kind == "sign_in_unlock")
            .order_by(OutboxEmail.created_at)
        ).all()
    tokens = [re.search(r"unlock-sign-in\?token=([\w-]+)", body) for body in bodies]
    assert all(tokens), bodies
    return [match.group(1) for match in tokens if match]


def _actions(services: Services, account: Actor) -> list[str]:
    with services.transaction() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.target_id == account.id, AuditEvent.action.like("%sign_in%"))
                .order_by(AuditEvent.id)
            )
        )


def test_a_strangers_failures_do_not_lock_the_owner_out(
    client: TestClient, at: Callable[[str], TestClient], factory: Factory
) -> None:
    owner = factory.developer()
    stranger = at("198.51.100.66")
    assert [_sign_in(stranger, owner.email, WRONG).status_code for _ in range(FAILURES)] == [
        401
    ] * FAILURES
    assert _sign_in(stranger, owner.email).status_code == 423  # even the right password, there

    assert _sign_in(client, owner.email).status_code == 201  # the owner, from their address


def test_the_owners_failures_lock_that_pair_and_the_mailed_link_lifts_it_once(
    at: Callable[[str], TestClient], factory: Factory, services: Services
) -> None:
    owner = factory.developer()
    office, phone = at("192.0.2.10"), at("192.0.2.99")
    for _ in range(FAILURES):
        assert _sign_in(office, owner.email, WRONG).json()["code"] == "invalid_credentials"
    locked = _sign_in(office, owner.email)
    assert locked.status_code == 423
    assert locked.headers["content-type"] == "application/problem+json"
    assert locked.json()["code"] == "account_locked"
    assert int(locked.headers["Retry-After"]) > 0
    assert locked.headers["RateLimit-Policy"] == f"{FAILURES};w=900"
    assert locked.headers["RateLimit-Remaining"] == "0"
    assert _sign_in(phone, owner.email).status_code == 201  # only that address is locked

    (token,) = _unlock_mails(services, owner.email)
    with services.transaction() as session:
        stored = session.scalars(select(SignInUnlock.token_hash)).all()
    assert token not in stored  # hashed at rest
    assert office.post("/api/v1/auth/unlock", json={"token": token}).status_code == 204
    assert _sign_in(office, owner.email).status_code == 201
    again = office.post("/api/v1/auth/unlock", json={"token": token})
    assert again.status_code == 400
    assert again.json()["code"] == "unlock_invalid"

    assert _actions(services, owner) == [
        *["account.sign_in_failed"] * FAILURES,
        "account.sign_in_locked",
        "account.sign_in_unlocked",
    ]


def test_an_expired_unlock_link_is_refused(
    at: Callable[[str], TestClient], factory: Factory, services: Services
) -> None:
    owner = factory.developer()
    office = at("192.0.2.20")
    for _ in range(FAILURES):
        _sign_in(office, owner.email, WRONG)
    (token,) = _unlock_mails(services, owner.email)
    with services.transaction() as session:
        session.execute(update(SignInUnlock).values(expires_at=utcnow()))
    expired = office.post("/api/v1/auth/unlock", json={"token": token})
    assert expired.status_code == 400
    assert expired.json()["code"] == "unlock_expired"
    assert _sign_in(office, owner.email).status_code == 423


def test_unlock_mails_are_capped_per_account(
    at: Callable[[str], TestClient], factory: Factory, services: Services
) -> None:
    """Locks from many addresses cannot flood the owner's mailbox."""
    services.settings.login_max_failures = 1
    owner = factory.developer()
    for n in range(7):
        assert _sign_in(at(f"198.51.100.{n + 1}"), owner.email, WRONG).status_code == 401
    assert len(_unlock_mails(services, owner.email)) == 5
    assert _actions(services, owner).count("account.sign_in_locked") == 7


def _comparable(response: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    body = dict(response.json())
    body.pop("request_id")
    headers = {
        name: value
        for name, value in response.headers.items()
        if name not in {"x-request-id", "content-length", "date"}
    }
    return response.status_code, body, headers


def test_an_unknown_email_answers_exactly_like_a_known_one(
    at: Callable[[str], TestClient], factory: Factory, services: Services
) -> None:
    """Status, body and headers, failure after failure and once locked. The limiter's clock is
    frozen, so the two see the very same ``Retry-After`` and ``RateLimit-Reset``."""
    owner = factory.developer()
    frozen = 1_800_000_000 * 1_000_000
    limiter = services.rate_limiter
    if isinstance(limiter, RedisRateLimiter):
        assert services.redis is not None
        services.rate_limiter = RedisRateLimiter(services.redis, clock=lambda: frozen)
    else:
        services.rate_limiter = MemoryRateLimiter(clock=lambda: frozen)
    known_side, unknown_side = at("192.0.2.31"), at("192.0.2.32")

    for _ in range(FAILURES + 1):
        known = _sign_in(known_side, owner.email, WRONG)
        unknown = _sign_in(unknown_side, "nobody-here@example.com", WRONG)
        assert _comparable(known) == _comparable(unknown)
    assert known.status_code == 423
    assert _unlock_mails(services, owner.email)  # the owner heard of it; the answers did not tell
