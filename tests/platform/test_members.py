"""App operators: invitations by email, acceptance, what an operator may and may not do."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from chainless.platform.core.clock import utcnow
from chainless.platform.core.services import Services
from chainless.platform.models import AppMember
from tests.factories import Actor, Factory, last_email
from tests.platform.test_apps_support import (
    APPS,
    app_url,
    assert_problem,
    audit_events,
    create_app,
    stored_app,
)

pytestmark = pytest.mark.portable
ACCEPT = "/api/v1/invitations/accept"


def invite(client: Any, developer: Actor, app_id: str, email: str) -> Any:
    return client.post(
        app_url(app_id, "/members"), json={"email": email}, headers=developer.headers
    )


def invitation_token(services: Services, email: str) -> str:
    match = re.search(r"invitations/accept\?token=([\w-]+)", last_email(services, email).body)
    assert match, "the invitation email carries no token"
    return match.group(1)


def accept(client: Any, actor: Actor, token: str) -> Any:
    return client.post(ACCEPT, json={"token": token}, headers=actor.headers)


def set_member(services: Services, member_id: str, **values: Any) -> None:
    with services.transaction() as session:
        member = session.get(AppMember, member_id)
        assert member is not None
        for key, value in values.items():
            setattr(member, key, value)


@pytest.fixture
def developer(factory: Factory) -> Actor:
    return factory.developer()


@pytest.fixture
def app_id(client: Any, developer: Actor) -> str:
    return str(create_app(client, developer)["app_id"])


@pytest.fixture
def app_operator(
    client: Any, factory: Factory, services: Services, developer: Actor, app_id: str
) -> Actor:
    """An account that accepted an invitation to ``app_id``."""
    operator = factory.developer()
    assert invite(client, developer, app_id, operator.email).status_code == 201
    assert accept(client, operator, invitation_token(services, operator.email)).status_code == 200
    return operator


def test_invite_then_accept(
    client: Any, factory: Factory, services: Services, developer: Actor, app_id: str
) -> None:
    invited = invite(client, developer, app_id, "Ops@Example.com")
    assert invited.status_code == 201, invited.text
    member = invited.json()
    assert member["email"] == "ops@example.com"
    assert member["status"] == "pending"
    assert member["role"] == "app_operator"
    assert member["account_id"] is None
    token = invitation_token(services, "ops@example.com")
    with services.transaction() as session:
        stored = session.get(AppMember, member["id"])
        assert stored is not None
        assert stored.invite_token_hash == services.hasher.hash(token)
        assert stored.invite_expires_at is not None
        assert (
            timedelta(days=6, hours=23) < stored.invite_expires_at - utcnow() <= timedelta(days=7)
        )

    operator = factory.developer(email="ops@example.com")
    accepted = accept(client, operator, token)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["account_id"] == operator.id
    assert_problem(accept(client, operator, token), 404, "invitation_not_found")  # single use

    listed = client.get(app_url(app_id, "/members"), headers=developer.headers).json()
    assert [(m["email"], m["status"]) for m in listed] == [("ops@example.com", "accepted")]
    mine = client.get(APPS, headers=operator.headers).json()
    assert [a["app_id"] for a in mine["items"]] == [app_id]
    assert [
        e.action for e in audit_events(services, app_id) if e.action.startswith("app.member")
    ] == [
        "app.member_invited",
        "app.member_joined",
    ]


def test_an_app_operator_reads_but_never_changes(
    client: Any, services: Services, developer: Actor, app_id: str, app_operator: Actor
) -> None:
    headers = app_operator.headers
    for path in ("", "/contracts", "/versions", "/payment", "/interface", "/deploy"):
        assert client.get(app_url(app_id, path), headers=headers).status_code == 200, path
    forbidden = [
        ("patch", app_url(app_id), {"name": "Mine now"}),
        ("post", app_url(app_id, "/secret/rotate"), None),
        ("get", app_url(app_id, "/members"), None),
        ("post", app_url(app_id, "/members"), {"email": "friend@example.com"}),
        ("post", app_url(app_id, "/versions"), {"version": "1.0.0"}),
        ("post", app_url(app_id, "/submit"), {"version": "1.0.0"}),
        ("put", app_url(app_id, "/payment"), {"enabled": True, "gas_budget_wei": "0"}),
        ("put", app_url(app_id, "/deploy"), {"repo_url": "https://github.com/a/b"}),
        ("put", app_url(app_id, "/contracts/prod/0x" + "11" * 20), {"name": "T", "abi": []}),
        (
            "post",
            app_url(app_id, "/api-keys"),
            {"name": "k", "environment": "prod", "scopes": ["data:read"]},
        ),
    ]
    for method, url, body in forbidden:
        response = client.request(method, url, json=body, headers=headers)
        assert_problem(response, 403, "permission_denied")
    assert stored_app(services, app_id).name == "Token Swap"


def test_accepting_needs_the_invited_email(
    client: Any, factory: Factory, services: Services, developer: Actor, app_id: str
) -> None:
    invitee, somebody = factory.developer(), factory.developer()
    invite(client, developer, app_id, invitee.email)
    token = invitation_token(services, invitee.email)
    assert_problem(accept(client, somebody, token), 403, "invitation_email_mismatch")
    assert_problem(client.get(app_url(app_id), headers=somebody.headers), 404, "app_not_found")
    assert (
        accept(client, invitee, token).status_code == 200
    )  # the token still works for the invitee


def test_an_unverified_invitee_must_verify_first(
    client: Any, factory: Factory, services: Services, developer: Actor, app_id: str
) -> None:
    invitee = factory.developer(verified=False)
    invite(client, developer, app_id, invitee.email)
    assert_problem(
        accept(client, invitee, invitation_token(services, invitee.email)),
        403,
        "email_not_verified",
    )


def test_expired_invitations_are_gone(
    client: Any, factory: Factory, services: Services, developer: Actor, app_id: str
) -> None:
    invitee = factory.developer()
    member_id = invite(client, developer, app_id, invitee.email).json()["id"]
    token = invitation_token(services, invitee.email)
    set_member(services, member_id, invite_expires_at=utcnow() - timedelta(seconds=1))
    assert_problem(accept(client, invitee, token), 410, "invitation_expired")
    listed = client.get(app_url(app_id, "/members"), headers=developer.headers).json()
    assert listed[0]["status"] == "expired"
    # inviting again sends a new token; the old one stays void
    renewed = invite(client, developer, app_id, invitee.email)
    assert renewed.status_code == 201
    assert renewed.json()["id"] == member_id
    new_token = invitation_token(services, invitee.email)
    assert new_token != token
    assert_problem(accept(client, invitee, token), 404, "invitation_not_found")
    assert accept(client, invitee, new_token).status_code == 200


@pytest.mark.parametrize("token", ["x" * 43, "short"])
def test_unknown_tokens(client: Any, developer: Actor, token: str) -> None:
    response = accept(client, developer, token)
    assert response.status_code in {404, 422}
    assert response.json()["code"] in {"invitation_not_found", "validation_error"}


def test_invitation_rules(client: Any, developer: Actor, app_id: str, app_operator: Actor) -> None:
    assert_problem(
        invite(client, developer, app_id, developer.email.upper()), 422, "cannot_invite_owner"
    )
    assert_problem(invite(client, developer, app_id, app_operator.email), 409, "already_member")
    assert_problem(invite(client, developer, app_id, "not-an-email"), 422, "validation_error")
    extra = client.post(
        app_url(app_id, "/members"),
        json={"email": "a@example.com", "role": "developer"},
        headers=developer.headers,
    )
    assert_problem(extra, 422, "validation_error")
    assert_problem(client.post(ACCEPT, json={"token": "x" * 43}), 401, "unauthenticated")


def test_removing_a_member_ends_access_at_once(
    client: Any, services: Services, developer: Actor, app_id: str, app_operator: Actor
) -> None:
    (member,) = client.get(app_url(app_id, "/members"), headers=developer.headers).json()
    assert client.get(app_url(app_id), headers=app_operator.headers).status_code == 200
    removed = client.delete(app_url(app_id, f"/members/{member['id']}"), headers=developer.headers)
    assert removed.status_code == 204
    assert_problem(client.get(app_url(app_id), headers=app_operator.headers), 404, "app_not_found")
    assert client.get(APPS, headers=app_operator.headers).json()["total"] == 0
    again = client.delete(app_url(app_id, f"/members/{member['id']}"), headers=developer.headers)
    assert_problem(again, 404, "member_not_found")
    (event,) = audit_events(services, app_id, "app.member_removed")
    assert event.changes["email"] == [app_operator.email, None]


def test_members_of_one_app_are_not_members_of_another(
    client: Any, factory: Factory, developer: Actor, app_id: str, app_operator: Actor
) -> None:
    other_app = create_app(client, developer, name="Other")["app_id"]
    assert_problem(
        client.get(app_url(other_app), headers=app_operator.headers), 404, "app_not_found"
    )
    (member,) = client.get(app_url(app_id, "/members"), headers=developer.headers).json()
    stranger = factory.developer()
    response = client.delete(
        app_url(other_app, f"/members/{member['id']}"), headers=developer.headers
    )
    assert_problem(response, 404, "member_not_found")
    assert_problem(invite(client, stranger, app_id, "x@example.com"), 404, "app_not_found")
