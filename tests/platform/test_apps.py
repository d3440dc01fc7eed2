"""Mini-programs: create, read, list, change, the client secret and tenant isolation, over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from chainless.platform.apps.service import verify_client_secret
from chainless.platform.core.clock import utcnow
from chainless.platform.core.services import Services
from tests.factories import Actor, Factory, last_email
from tests.platform.test_apps_support import (
    APPS,
    GOOD_REDIRECT,
    app_body,
    app_url,
    approved_developer,
    assert_problem,
    audit_events,
    count_queries,
    create_app,
    set_app,
    stored_app,
)

pytestmark = pytest.mark.portable


def secret_ok(services: Services, app_id: str, secret: str) -> bool:
    with services.transaction() as session:
        return verify_client_secret(session, services.hasher, app_id, secret)


def test_create_shows_the_secret_once_and_keeps_only_its_hash(
    client: Any, factory: Factory, services: Services
) -> None:
    developer = factory.developer()
    created = create_app(client, developer, tags=["swap", "swap", "dex"])
    app_id, secret = created["app_id"], created["client_secret"]
    assert re.fullmatch(r"[0-9a-f]{32}", app_id)
    assert created["client_id"] == app_id
    assert re.fullmatch(r"cs_[A-Za-z0-9_-]{43}", secret)
    assert created["status"] == 0
    assert created["status_name"] == "development"
    assert created["tags"] == ["swap", "dex"]
    assert created["developer"] == {"id": developer.id, "name": "Dev", "email": developer.email}
    assert created["approved_scopes"] == []
    assert created["version"] is None

    stored = stored_app(services, app_id)
    assert stored.secret_hash == services.hasher.hash(secret)
    assert secret not in str(vars(stored))
    fetched = client.get(app_url(app_id), headers=developer.headers)
    assert fetched.status_code == 200
    assert secret not in fetched.text
    assert "secret_hash" not in fetched.text
    assert "client_secret" not in fetched.json()
    assert secret_ok(services, app_id, secret)

    (event,) = audit_events(services, app_id, "app.created")
    assert event.actor_id == developer.id
    assert event.target_id == app_id
    assert event.changes["name"] == [None, "Token Swap"]
    assert secret not in str(event.changes)


def test_defaults_of_a_minimal_app(client: Any, factory: Factory) -> None:
    developer = factory.developer()
    response = client.post(APPS, json={"name": "  Minimal  "}, headers=developer.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "Minimal"
    assert body["category"] == "other"
    assert body["requested_scopes"] == ["basic:address", "basic:user_id"]
    assert body["redirect_uris"] == []
    assert body["contracts"] == []


def test_unverified_developer_cannot_create_an_app(
    client: Any, factory: Factory, services: Services
) -> None:
    developer = factory.developer(verified=False)
    assert_problem(
        client.post(APPS, json=app_body(), headers=developer.headers), 403, "email_not_verified"
    )
    assert client.get(APPS, headers=developer.headers).json()["total"] == 0


def test_only_developers_create_apps(client: Any, factory: Factory) -> None:
    operator = factory.operator()
    assert_problem(
        client.post(APPS, json=app_body(), headers=operator.headers), 403, "permission_denied"
    )
    assert_problem(client.post(APPS, json=app_body()), 401, "unauthenticated")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"name": ""}, "validation_error"),
        ({"name": "   "}, "validation_error"),
        ({"name": "n" * 65}, "validation_error"),
        ({"category": "casino"}, "validation_error"),
        ({"tags": ["Swap"]}, "validation_error"),
        ({"tags": ["two words"]}, "validation_error"),
        ({"tags": ["t" * 25]}, "validation_error"),
        ({"tags": [f"t{i}" for i in range(11)]}, "validation_error"),
        ({"unexpected": True}, "validation_error"),
        ({"icon_url": "http://cdn.example.com/icon.png"}, "invalid_icon_url"),
        ({"icon_url": "https://cdn.example.com/" + "i" * 240}, "invalid_icon_url"),
        ({"domains": ["not a host"]}, "invalid_domain"),
        ({"domains": ["localhost"]}, "invalid_domain"),
        ({"domains": ["-bad.example.com"]}, "invalid_domain"),
        ({"domains": [f"d{i}.example.com" for i in range(21)]}, "invalid_domain"),
        ({"requested_scopes": ["basic:address", "wallet:drain"]}, "unknown_scope"),
        ({"signature_algorithm": "HS256"}, "validation_error"),
        ({"public_key_pem": "-----BEGIN PUBLIC KEY-----"}, "invalid_public_key"),
        ({"repo_url": "https://evil.example.com/a/b"}, "invalid_repo_url"),
    ],
)
def test_invalid_app_fields_are_refused(
    client: Any, factory: Factory, overrides: dict[str, Any], code: str
) -> None:
    developer = factory.developer()
    response = client.post(APPS, json=app_body(**overrides), headers=developer.headers)
    assert_problem(response, 422, code)
    assert client.get(APPS, headers=developer.headers).json()["total"] == 0


def test_unknown_scopes_are_named(client: Any, factory: Factory) -> None:
    developer = factory.developer()
    body = app_body(requested_scopes=["basic:address", "wallet:drain", "admin"])
    problem = assert_problem(
        client.post(APPS, json=body, headers=developer.headers), 422, "unknown_scope"
    )
    assert problem["scopes"] == ["admin", "wallet:drain"]


@pytest.mark.parametrize(
    ("uri", "rule"),
    [
        ("/oauth/callback", "absolute"),
        ("app.example.com/callback", "absolute"),
        ("https:///callback", "absolute"),
        ("https://app.example.com:99999/cb", "absolute"),
        ("http://app.example.com/callback", "https_required"),
        ("myapp://callback", "https_required"),
        ("javascript:alert(1)", "absolute"),
        ("https://app.example.com/callback#state", "no_fragment"),
        ("https://app.example.com/callback#", "no_fragment"),
        ("https://*.example.com/callback", "no_wildcard"),
        ("https://app.example.com/*", "no_wildcard"),
        ("https://user:pass@app.example.com/callback", "no_userinfo"),
        ("https://user@app.example.com/callback", "no_userinfo"),
        ("https://app.example.com/" + "a" * 2040, "max_length"),
        ("https://app.example.com/call back", "no_whitespace"),
    ],
)
def test_each_redirect_uri_rule(client: Any, factory: Factory, uri: str, rule: str) -> None:
    developer = factory.developer()
    response = client.post(
        APPS, json=app_body(redirect_uris=[GOOD_REDIRECT, uri]), headers=developer.headers
    )
    problem = assert_problem(response, 422, "invalid_redirect_uri")
    assert problem["rule"] == rule
    assert problem["redirect_uri"] == (uri if len(uri) <= 200 else uri[:200] + "...")


def test_redirect_uris_allowed_forms_deduplicated_and_limited(
    client: Any, factory: Factory
) -> None:
    developer = factory.developer()
    uris = [
        GOOD_REDIRECT,
        "http://localhost:3000/callback",
        "http://127.0.0.1/callback",
        "http://[::1]:8080/callback",
        "https://app.example.com/callback?tenant=1",
        GOOD_REDIRECT,
    ]
    created = create_app(client, developer, redirect_uris=uris)
    assert created["redirect_uris"] == uris[:5]
    too_many = [f"https://app.example.com/cb/{i}" for i in range(11)]
    response = client.post(APPS, json=app_body(redirect_uris=too_many), headers=developer.headers)
    assert assert_problem(response, 422, "invalid_redirect_uri")["rule"] == "max_count"
    ten_with_duplicates = too_many[:10] + too_many[:3]
    assert (
        create_app(client, developer, redirect_uris=ten_with_duplicates)["redirect_uris"]
        == too_many[:10]
    )


def test_app_limit_per_developer(client: Any, factory: Factory, services: Services) -> None:
    services.settings.max_apps_per_developer = 2
    developer = factory.developer()
    create_app(client, developer)
    create_app(client, developer)
    problem = assert_problem(
        client.post(APPS, json=app_body(), headers=developer.headers), 409, "app_limit_reached"
    )
    assert problem["limit"] == 2
    assert create_app(client, factory.developer())  # the limit is per developer


def test_list_shows_only_what_the_caller_may_see(client: Any, factory: Factory) -> None:
    alice, bob = factory.developer(), factory.developer()
    first = create_app(client, alice, name="Alpha Swap")
    second = create_app(client, alice, name="Beta 100% Game")
    theirs = create_app(client, bob, name="Bob's Alpha")

    mine = client.get(APPS, headers=alice.headers).json()
    assert mine["total"] == 2
    assert {a["app_id"] for a in mine["items"]} == {first["app_id"], second["app_id"]}
    assert [a["app_id"] for a in client.get(APPS, headers=bob.headers).json()["items"]] == [
        theirs["app_id"]
    ]

    searched = client.get(APPS, params={"q": "alpha"}, headers=alice.headers).json()
    assert [a["app_id"] for a in searched["items"]] == [first["app_id"]]
    percent = client.get(APPS, params={"q": "100%"}, headers=alice.headers).json()
    assert [a["app_id"] for a in percent["items"]] == [second["app_id"]]
    assert client.get(APPS, params={"q": "%"}, headers=bob.headers).json()["total"] == 0
    assert client.get(APPS, params={"status": 2}, headers=alice.headers).json()["total"] == 0

    page = client.get(APPS, params={"limit": 1, "offset": 1}, headers=alice.headers).json()
    assert page["total"] == 2
    assert page["limit"] == 1
    assert page["offset"] == 1
    assert [a["app_id"] for a in page["items"]] == [first["app_id"]]  # newest first
    assert client.get(APPS, params={"limit": 0}, headers=alice.headers).status_code == 422
    assert client.get(APPS, params={"status": 7}, headers=alice.headers).status_code == 422

    staff = factory.operator()
    everything = client.get(APPS, params={"q": "alpha", "limit": 200}, headers=staff.headers).json()
    assert {first["app_id"], theirs["app_id"]} <= {a["app_id"] for a in everything["items"]}
    assert client.get(app_url(theirs["app_id"]), headers=staff.headers).status_code == 200


def test_another_developer_can_neither_see_nor_change_an_app(
    client: Any, factory: Factory, services: Services
) -> None:
    owner, stranger = approved_developer(factory), approved_developer(factory)
    created = create_app(client, owner)
    app_id, secret = created["app_id"], created["client_secret"]
    before = client.get(app_url(app_id), headers=owner.headers).json()
    events_before = len(audit_events(services, app_id))
    attempts = [
        ("get", app_url(app_id), None),
        ("patch", app_url(app_id), {"name": "Hijacked"}),
        ("post", app_url(app_id, "/secret/rotate"), None),
        ("put", app_url(app_id, "/payment"), {"enabled": True, "gas_budget_wei": "0"}),
        ("post", app_url(app_id, "/versions"), {"version": "9.9.9"}),
        ("post", app_url(app_id, "/submit"), {"version": "1.0.0"}),
        ("get", app_url(app_id, "/contracts"), None),
        ("get", app_url(app_id, "/members"), None),
        ("post", app_url(app_id, "/members"), {"email": stranger.email}),
    ]
    for method, url, body in attempts:
        response = client.request(method, url, json=body, headers=stranger.headers)
        assert_problem(response, 404, "app_not_found")
    # an id that does not exist answers exactly the same
    assert_problem(client.get(app_url("0" * 32), headers=stranger.headers), 404, "app_not_found")
    assert client.get(app_url(app_id), headers=owner.headers).json() == before
    assert secret_ok(services, app_id, secret)
    assert len(audit_events(services, app_id)) == events_before


def test_patch_changes_only_the_fields_sent_and_audits_the_diff(
    client: Any, factory: Factory, services: Services
) -> None:
    developer = factory.developer()
    app_id = create_app(client, developer)["app_id"]
    response = client.patch(
        app_url(app_id),
        json={
            "name": "Token Swap Pro",
            "redirect_uris": [GOOD_REDIRECT, "https://app.example.com/cb2"],
        },
        headers=developer.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Token Swap Pro"
    assert body["redirect_uris"] == [GOOD_REDIRECT, "https://app.example.com/cb2"]
    assert body["description"] == "Swap tokens"
    assert body["tags"] == ["swap", "dex"]
    (event,) = audit_events(services, app_id, "app.updated")
    assert event.changes == {
        "name": ["Token Swap", "Token Swap Pro"],
        "redirect_uris": [[GOOD_REDIRECT], [GOOD_REDIRECT, "https://app.example.com/cb2"]],
    }
    # the same values again change nothing and record nothing
    same = client.patch(app_url(app_id), json={"name": "Token Swap Pro"}, headers=developer.headers)
    assert same.status_code == 200
    assert len(audit_events(services, app_id, "app.updated")) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": None}, "validation_error"),
        ({"redirect_uris": ["http://example.com/cb"]}, "invalid_redirect_uri"),
        ({"requested_scopes": ["nope"]}, "unknown_scope"),
        ({"secret_hash": "0" * 64}, "validation_error"),
        ({"status": 2}, "validation_error"),
    ],
)
def test_patch_refuses_bad_values(
    client: Any, factory: Factory, services: Services, body: dict[str, Any], code: str
) -> None:
    developer = factory.developer()
    app_id = create_app(client, developer)["app_id"]
    assert_problem(client.patch(app_url(app_id), json=body, headers=developer.headers), 422, code)
    assert stored_app(services, app_id).status == 0
    assert audit_events(services, app_id, "app.updated") == []


def test_rotation_keeps_the_previous_secret_valid_for_the_overlap(
    client: Any, factory: Factory, services: Services
) -> None:
    developer = factory.developer()
    created = create_app(client, developer)
    app_id, old = created["app_id"], created["client_secret"]
    rotated = client.post(app_url(app_id, "/secret/rotate"), headers=developer.headers)
    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    new = body["client_secret"]
    assert new != old
    assert new.startswith("cs_")
    assert body["client_id"] == app_id
    assert body["previous_secret_expires_at"] is not None

    assert secret_ok(services, app_id, new)
    assert secret_ok(services, app_id, old)  # still inside the 24 h window
    assert not secret_ok(services, app_id, "cs_" + "x" * 43)
    assert not secret_ok(services, "f" * 32, new)
    assert new not in client.get(app_url(app_id), headers=developer.headers).text

    set_app(services, app_id, previous_secret_expires_at=utcnow() - timedelta(seconds=1))
    assert not secret_ok(services, app_id, old)
    assert secret_ok(services, app_id, new)

    (event,) = audit_events(services, app_id, "app.secret_rotated")
    assert event.actor_id == developer.id
    assert new not in str(event.changes) + event.summary


def test_rotating_twice_drops_the_oldest_secret(
    client: Any, factory: Factory, services: Services
) -> None:
    developer = factory.developer()
    created = create_app(client, developer)
    app_id, first = created["app_id"], created["client_secret"]
    second = client.post(app_url(app_id, "/secret/rotate"), headers=developer.headers).json()[
        "client_secret"
    ]
    third = client.post(app_url(app_id, "/secret/rotate"), headers=developer.headers).json()[
        "client_secret"
    ]
    assert not secret_ok(services, app_id, first)
    assert secret_ok(services, app_id, second)
    assert secret_ok(services, app_id, third)


def test_rotation_without_overlap_revokes_the_old_secret_at_once(
    client: Any, factory: Factory, services: Services
) -> None:
    services.settings.app_secret_rotation_overlap_hours = 0
    developer = factory.developer()
    created = create_app(client, developer)
    rotated = client.post(
        app_url(created["app_id"], "/secret/rotate"), headers=developer.headers
    ).json()
    assert rotated["previous_secret_expires_at"] is None
    assert not secret_ok(services, created["app_id"], created["client_secret"])
    assert secret_ok(services, created["app_id"], rotated["client_secret"])


def _queries_to_read(client: Any, services: Services, app_id: str, actor: Actor) -> list[str]:
    with count_queries(services) as statements:
        response = client.get(app_url(app_id), headers=actor.headers)
    assert response.status_code == 200, response.text
    return [s for s in statements if "SAVEPOINT" not in s]


def test_reading_an_app_takes_a_fixed_number_of_queries(
    client: Any, factory: Factory, services: Services
) -> None:
    """The benchmark's hot path: auth (2), app with membership (1), developer (1), contracts (1)."""
    developer = factory.developer()
    app_id = create_app(client, developer)["app_id"]
    without_contracts = _queries_to_read(client, services, app_id, developer)
    address = "0x" + "12" * 20
    for environment in ("dev", "test", "prod"):
        put = client.put(
            app_url(app_id, f"/contracts/{environment}/{address}"),
            json={"name": "Token", "abi": []},
            headers=developer.headers,
        )
        assert put.status_code == 201, put.text
    with_contracts = _queries_to_read(client, services, app_id, developer)
    # session + roles, the app with membership and developer, its contracts
    assert len(with_contracts) == len(without_contracts) == 4, with_contracts
    app_queries = [s for s in with_contracts if "mini_programs" in s]
    assert len(app_queries) == 1, app_queries

    member = factory.developer()
    invited = client.post(
        app_url(app_id, "/members"), json={"email": member.email}, headers=developer.headers
    )
    assert invited.status_code == 201, invited.text
    token = re.search(r"accept: (\S+)", last_email(services, member.email).body)
    assert token is not None
    accepted = client.post(
        "/api/v1/invitations/accept", json={"token": token.group(1)}, headers=member.headers
    )
    assert accepted.status_code == 200, accepted.text
    assert len(_queries_to_read(client, services, app_id, member)) == 4


def _api_key(client: Any, developer: Actor, app_id: str, *scopes: str) -> dict[str, str]:
    body = {"name": "backend", "environment": "prod", "scopes": list(scopes)}
    created = client.post(app_url(app_id, "/api-keys"), json=body, headers=developer.headers)
    assert created.status_code == 201, created.text
    return {"X-API-Key": created.json()["key"]}


def test_an_api_key_reads_its_own_app_and_nothing_else(client: Any, factory: Factory) -> None:
    developer = factory.developer()
    app_id = create_app(client, developer)["app_id"]
    sibling = create_app(client, developer, name="Sibling")["app_id"]
    key = _api_key(client, developer, app_id, "data:read")

    read = client.get(app_url(app_id), headers=key)
    assert read.status_code == 200, read.text
    assert read.json()["app_id"] == app_id
    assert [a["app_id"] for a in client.get(APPS, headers=key).json()["items"]] == [app_id]
    assert_problem(client.get(app_url(sibling), headers=key), 404, "app_not_found")
    assert_problem(
        client.patch(app_url(app_id), json={"name": "x"}, headers=key), 403, "permission_denied"
    )
    assert_problem(
        client.post(app_url(app_id, "/secret/rotate"), headers=key), 403, "permission_denied"
    )
    assert_problem(client.post(APPS, json=app_body(), headers=key), 403, "permission_denied")


def test_a_data_write_key_changes_the_app_in_its_developers_name(
    client: Any, factory: Factory, services: Services
) -> None:
    developer = factory.developer()
    app_id = create_app(client, developer)["app_id"]
    key = _api_key(client, developer, app_id, "data:write")
    assert client.patch(app_url(app_id), json={"name": "By key"}, headers=key).status_code == 200
    version = client.post(app_url(app_id, "/versions"), json={"version": "0.1.0"}, headers=key)
    assert version.status_code == 201, version.text
    assert version.json()["created_by"] == developer.id
    (event,) = audit_events(services, app_id, "app.updated")
    assert event.actor_type == "api_key"
