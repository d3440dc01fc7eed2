"""Shared helpers of the apps and members tests (no tests here).

Everything goes through HTTP; the database is touched directly only to read audit events and to
move time (expiry columns), which no endpoint can do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select, update

from chainless.platform.core.clock import utcnow
from chainless.platform.core.security import new_hex_id
from chainless.platform.core.services import Services
from chainless.platform.models import AuditEvent, MiniProgram, Qualification
from tests.factories import Actor, Factory

APPS = "/api/v1/apps"
GOOD_REDIRECT = "https://app.example.com/oauth/callback"
ERC20_TRANSFER_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "transfer",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "to", "type": "address"}, {"name": "value", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    },
    {
        "type": "event",
        "name": "Transfer",
        "anonymous": False,
        "inputs": [
            {"name": "from", "type": "address", "indexed": True},
            {"name": "to", "type": "address", "indexed": True},
            {"name": "value", "type": "uint256", "indexed": False},
        ],
    },
]
TRANSFER_SELECTOR = "0xa9059cbb"


def approved_developer(factory: Factory, **kwargs: Any) -> Actor:
    """A developer whose qualification an operator approved.

    The approved row is written directly: ``Factory.approve`` goes through
    ``POST /developer/qualification``, which currently answers 500 (the qualification's
    ``status`` and ``submitted_at`` defaults are only applied at flush, after the endpoint
    serialises it).
    """
    developer = factory.developer(**kwargs)
    with factory.services.transaction() as session:
        session.add(
            Qualification(
                id=new_hex_id(),
                account_id=developer.id,
                organization_name="Acme Labs",
                registration_number="REG-1",
                country="SG",
                contact_name="Ada",
                documents=[],
                status="approved",
                submitted_at=utcnow(),
                decided_at=utcnow(),
            )
        )
    return developer


def app_url(app_id: str, suffix: str = "") -> str:
    return f"{APPS}/{app_id}{suffix}"


def app_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Token Swap",
        "description": "Swap tokens",
        "icon_url": "https://cdn.example.com/icon.png",
        "category": "defi",
        "tags": ["swap", "dex"],
        "domains": ["app.example.com"],
        "redirect_uris": [GOOD_REDIRECT],
        "requested_scopes": ["basic:address", "transaction:sign"],
    }
    return body | overrides


def create_app(client: Any, actor: Actor, **overrides: Any) -> dict[str, Any]:
    response = client.post(APPS, json=app_body(**overrides), headers=actor.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = dict(response.json())
    assert problem["code"] == code, problem
    return problem


def audit_events(services: Services, app_id: str, action: str | None = None) -> list[AuditEvent]:
    with services.transaction() as session:
        statement = select(AuditEvent).where(AuditEvent.app_id == app_id).order_by(AuditEvent.id)
        if action is not None:
            statement = statement.where(AuditEvent.action == action)
        return list(session.scalars(statement))


def stored_app(services: Services, app_id: str) -> MiniProgram:
    with services.transaction() as session:
        app = session.get(MiniProgram, app_id)
        assert app is not None
        return app


def set_app(services: Services, app_id: str, **values: Any) -> None:
    with services.transaction() as session:
        session.execute(update(MiniProgram).where(MiniProgram.app_id == app_id).values(**values))


def add_version(client: Any, actor: Actor, app_id: str, version: str = "1.0.0") -> Any:
    return client.post(
        app_url(app_id, "/versions"), json={"version": version}, headers=actor.headers
    )


def submitted_app(client: Any, factory: Factory, **overrides: Any) -> tuple[Actor, dict[str, Any]]:
    """An approved developer's app with version 1.0.0 in review."""
    developer = approved_developer(factory)
    app = create_app(client, developer, **overrides)
    assert add_version(client, developer, app["app_id"]).status_code == 201
    submitted = client.post(
        app_url(app["app_id"], "/submit"), json={"version": "1.0.0"}, headers=developer.headers
    )
    assert submitted.status_code == 200, submitted.text
    return developer, app


def online_app(
    client: Any, factory: Factory, **overrides: Any
) -> tuple[Actor, Actor, dict[str, Any]]:
    """An app approved and online; returns the developer, the operator and the app."""
    developer, app = submitted_app(client, factory, **overrides)
    operator = factory.operator()
    decided = client.post(
        f"/api/v1/admin/apps/{app['app_id']}/review",
        json={"decision": "approve"},
        headers=operator.headers,
    )
    assert decided.status_code == 200, decided.text
    return developer, operator, app


@contextmanager
def count_queries(services: Services) -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []
    engine = services.database.engine

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
