"""Versions, submission, review, delisting and relisting over HTTP, and the status machine."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import update

from chainless.platform.apps.review import TRANSITIONS, transition
from chainless.platform.apps.semver import InvalidVersion, Version
from chainless.platform.core.errors import Conflict
from chainless.platform.core.services import Services
from chainless.platform.models import Account, AppStatus, MiniProgram
from tests.factories import Factory, last_email
from tests.platform.test_apps_support import (
    add_version,
    app_url,
    approved_developer,
    assert_problem,
    audit_events,
    create_app,
    online_app,
    stored_app,
    submitted_app,
)

pytestmark = pytest.mark.portable
ADMIN = "/api/v1/admin/apps"


def review(client: Any, actor: Any, app_id: str, **body: Any) -> Any:
    return client.post(f"{ADMIN}/{app_id}/review", json=body, headers=actor.headers)


# --- semver ----------------------------------------------------------------------------------


def test_semver_precedence_follows_the_specification() -> None:
    # semver.org §11.4's own example chain, then the core numbers
    chain = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "1.10.0",
        "2.0.0",
    ]
    versions = [Version.parse(v) for v in chain]
    assert all(a < b for a, b in itertools.pairwise(versions))
    assert max(versions) == Version.parse("2.0.0")
    assert min(versions) == Version.parse("1.0.0-alpha")
    assert str(Version.parse("1.0.0-rc.1")) == "1.0.0-rc.1"


@pytest.mark.parametrize(
    "text", ["1", "1.0", "01.0.0", "1.0.0-", "1.0.0-01", "1.0.0+build", "v1.0.0", "1.0.0-a..b"]
)
def test_semver_rejects_malformed_versions(text: str) -> None:
    with pytest.raises(InvalidVersion):
        Version.parse(text)


# --- versions --------------------------------------------------------------------------------


def test_versions_must_strictly_increase(client: Any, factory: Factory, services: Services) -> None:
    developer = factory.developer()
    app_id = create_app(client, developer)["app_id"]
    assert add_version(client, developer, app_id, "1.0.0").status_code == 201
    for older in ("1.0.0", "0.9.9", "1.0.0-rc.1"):
        problem = assert_problem(
            add_version(client, developer, app_id, older), 409, "version_not_increasing"
        )
        assert problem["highest"] == "1.0.0"
    for newer in ("1.0.1-alpha", "1.0.1-alpha.1", "1.0.1-beta", "1.0.1", "1.10.0"):
        response = add_version(client, developer, app_id, newer)
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "draft"
    assert_problem(add_version(client, developer, app_id, "1.9.0"), 409, "version_not_increasing")
    listed = client.get(app_url(app_id, "/versions"), headers=developer.headers).json()
    assert [v["version"] for v in listed] == [
        "1.10.0",
        "1.0.1",
        "1.0.1-beta",
        "1.0.1-alpha.1",
        "1.0.1-alpha",
        "1.0.0",
    ]
    assert len(audit_events(services, app_id, "app.version_created")) == 6


@pytest.mark.parametrize(
    ("version", "code"),
    [
        ("1.0", "invalid_version"),
        ("01.0.0", "invalid_version"),
        ("1.0.0+b1", "invalid_version"),
        ("1.0.0-averyverylongtag", "validation_error"),
    ],
)
def test_malformed_versions_are_refused(
    client: Any, factory: Factory, version: str, code: str
) -> None:
    developer = factory.developer()
    app_id = create_app(client, developer)["app_id"]
    assert_problem(add_version(client, developer, app_id, version), 422, code)


# --- submission ------------------------------------------------------------------------------


def test_unapproved_developer_cannot_submit(
    client: Any, factory: Factory, services: Services
) -> None:
    developer = factory.developer()
    app_id = create_app(client, developer)["app_id"]
    add_version(client, developer, app_id)
    response = client.post(
        app_url(app_id, "/submit"), json={"version": "1.0.0"}, headers=developer.headers
    )
    assert_problem(response, 403, "developer_not_approved")
    assert stored_app(services, app_id).status == AppStatus.DEVELOPMENT
    assert audit_events(services, app_id, "app.submitted") == []


def test_developer_whose_email_is_no_longer_verified_cannot_submit(
    client: Any, factory: Factory, services: Services
) -> None:
    developer = approved_developer(factory)
    app_id = create_app(client, developer)["app_id"]
    add_version(client, developer, app_id)
    with services.transaction() as session:
        session.execute(
            update(Account).where(Account.id == developer.id).values(email_verified_at=None)
        )
    response = client.post(
        app_url(app_id, "/submit"), json={"version": "1.0.0"}, headers=developer.headers
    )
    assert_problem(response, 403, "email_not_verified")


def test_submission_needs_a_redirect_uri_and_a_draft_version(
    client: Any, factory: Factory, services: Services
) -> None:
    developer = approved_developer(factory)
    app_id = create_app(client, developer, redirect_uris=[])["app_id"]
    submit = app_url(app_id, "/submit")
    add_version(client, developer, app_id)
    assert_problem(
        client.post(submit, json={"version": "1.0.0"}, headers=developer.headers),
        422,
        "redirect_uri_required",
    )
    client.patch(
        app_url(app_id),
        json={"redirect_uris": ["https://app.example.com/cb"]},
        headers=developer.headers,
    )
    assert_problem(
        client.post(submit, json={"version": "2.0.0"}, headers=developer.headers),
        404,
        "version_not_found",
    )
    assert stored_app(services, app_id).status == AppStatus.DEVELOPMENT

    response = client.post(submit, json={"version": "1.0.0"}, headers=developer.headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "in_review"
    app = client.get(app_url(app_id), headers=developer.headers).json()
    assert app["status"] == 1
    assert app["status_name"] == "in_review"
    assert app["submitted_at"] is not None
    (event,) = audit_events(services, app_id, "app.submitted")
    assert event.changes == {"status": [0, 1], "version": [None, "1.0.0"]}


def test_an_app_in_review_cannot_be_submitted_again_or_change_its_scopes(
    client: Any, factory: Factory
) -> None:
    developer, app = submitted_app(client, factory)
    app_id = app["app_id"]
    add_version(client, developer, app_id, "1.0.1")
    again = client.post(
        app_url(app_id, "/submit"), json={"version": "1.0.1"}, headers=developer.headers
    )
    problem = assert_problem(again, 409, "invalid_status_transition")
    assert (problem["from"], problem["to"]) == ("in_review", "in_review")
    scopes = client.patch(
        app_url(app_id), json={"requested_scopes": ["basic:address"]}, headers=developer.headers
    )
    assert_problem(scopes, 409, "app_in_review")
    assert (
        client.patch(
            app_url(app_id), json={"description": "still editable"}, headers=developer.headers
        ).status_code
        == 200
    )


# --- review ----------------------------------------------------------------------------------


def test_review_queue_is_for_operators(client: Any, factory: Factory) -> None:
    developer, app = submitted_app(client, factory)
    operator = factory.operator()
    queue = client.get(f"{ADMIN}/review-queue", params={"limit": 200}, headers=operator.headers)
    assert queue.status_code == 200
    (entry,) = [e for e in queue.json() if e["app"]["app_id"] == app["app_id"]]
    assert entry["version"]["version"] == "1.0.0"
    assert entry["developer_email"] == developer.email
    assert_problem(
        client.get(f"{ADMIN}/review-queue", headers=developer.headers), 403, "permission_denied"
    )


def test_approval_puts_the_app_online_with_the_approved_scopes(
    client: Any, factory: Factory, services: Services
) -> None:
    developer, app = submitted_app(
        client, factory, requested_scopes=["basic:address", "transaction:sign", "assets:balance"]
    )
    operator = factory.operator()
    response = review(
        client,
        operator,
        app["app_id"],
        decision="approve",
        approved_scopes=["basic:address", "assets:balance"],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == 2
    assert body["version"] == "1.0.0"
    assert body["approved_scopes"] == ["basic:address", "assets:balance"]
    assert body["listed_at"] is not None
    versions = client.get(app_url(app["app_id"], "/versions"), headers=developer.headers).json()
    assert versions[0]["status"] == "approved"
    assert versions[0]["decided_by"] == operator.id
    assert "approved" in last_email(services, developer.email).subject
    (event,) = audit_events(services, app["app_id"], "app.approved")
    assert event.actor_id == operator.id
    assert event.changes["status"] == [1, 2]
    assert event.changes["approved_scopes"] == [[], ["basic:address", "assets:balance"]]


def test_approval_defaults_to_every_requested_scope_and_refuses_others(
    client: Any, factory: Factory
) -> None:
    _developer, app = submitted_app(client, factory)
    operator = factory.operator()
    extra = review(
        client,
        operator,
        app["app_id"],
        decision="approve",
        approved_scopes=["basic:address", "extended:phone"],
    )
    assert assert_problem(extra, 422, "scope_not_requested")["scopes"] == ["extended:phone"]
    assert_problem(
        review(client, operator, app["app_id"], decision="approve", approved_scopes=["x:y"]),
        422,
        "unknown_scope",
    )
    approved = review(client, operator, app["app_id"], decision="approve").json()
    assert approved["approved_scopes"] == app["requested_scopes"]


def test_rejection_needs_a_reason_and_sends_the_app_back(
    client: Any, factory: Factory, services: Services
) -> None:
    developer, app = submitted_app(client, factory)
    app_id = app["app_id"]
    operator = factory.operator()
    assert_problem(
        review(client, operator, app_id, decision="reject", reason="  "), 422, "reason_required"
    )
    assert stored_app(services, app_id).status == AppStatus.IN_REVIEW
    rejected = review(
        client, operator, app_id, decision="reject", reason="The privacy policy link is broken"
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == 0
    assert rejected.json()["status_reason"] == "The privacy policy link is broken"
    assert rejected.json()["version"] is None
    version = client.get(app_url(app_id, "/versions"), headers=developer.headers).json()[0]
    assert (version["status"], version["reason"]) == (
        "rejected",
        "The privacy policy link is broken",
    )
    assert "privacy policy" in last_email(services, developer.email).body
    assert len(audit_events(services, app_id, "app.rejected")) == 1
    # a rejected version is not a draft; a new one may be submitted
    resubmit = client.post(
        app_url(app_id, "/submit"), json={"version": "1.0.0"}, headers=developer.headers
    )
    assert_problem(resubmit, 409, "version_not_draft")
    add_version(client, developer, app_id, "1.0.1")
    assert (
        client.post(
            app_url(app_id, "/submit"), json={"version": "1.0.1"}, headers=developer.headers
        ).status_code
        == 200
    )


def test_only_apps_in_review_can_be_decided(
    client: Any, factory: Factory, services: Services
) -> None:
    developer = approved_developer(factory)
    app_id = create_app(client, developer)["app_id"]
    operator = factory.operator()
    problem = assert_problem(
        review(client, operator, app_id, decision="approve"), 409, "invalid_status_transition"
    )
    assert (problem["from"], problem["to"]) == ("development", "online")
    assert_problem(review(client, operator, "0" * 32, decision="approve"), 404, "app_not_found")
    assert_problem(review(client, developer, app_id, decision="approve"), 403, "permission_denied")
    assert audit_events(services, app_id, "app.approved") == []


# --- delisting -------------------------------------------------------------------------------


def test_delist_and_relist(client: Any, factory: Factory, services: Services) -> None:
    developer, operator, app = online_app(client, factory)
    app_id = app["app_id"]
    assert_problem(
        client.post(f"{ADMIN}/{app_id}/delist", json={"reason": " "}, headers=operator.headers),
        422,
        "reason_required",
    )
    assert_problem(
        client.post(f"{ADMIN}/{app_id}/delist", json={}, headers=operator.headers),
        422,
        "validation_error",
    )
    assert_problem(
        client.post(f"{ADMIN}/{app_id}/delist", json={"reason": "mine"}, headers=developer.headers),
        403,
        "permission_denied",
    )

    delisted = client.post(
        f"{ADMIN}/{app_id}/delist", json={"reason": "Phishing reports"}, headers=operator.headers
    )
    assert delisted.status_code == 200, delisted.text
    assert delisted.json()["status"] == 3
    assert delisted.json()["status_reason"] == "Phishing reports"
    assert delisted.json()["delisted_at"] is not None
    assert "delisted" in last_email(services, developer.email).subject
    again = client.post(
        f"{ADMIN}/{app_id}/delist", json={"reason": "again"}, headers=operator.headers
    )
    assert_problem(again, 409, "invalid_status_transition")

    relisted = client.post(
        f"{ADMIN}/{app_id}/relist", json={"reason": "Resolved"}, headers=operator.headers
    )
    assert relisted.status_code == 200, relisted.text
    assert relisted.json()["status"] == 2
    assert relisted.json()["delisted_at"] is None
    assert_problem(
        client.post(f"{ADMIN}/{app_id}/relist", headers=operator.headers),
        409,
        "invalid_status_transition",
    )
    changes = [
        (e.action, e.changes["status"])
        for e in audit_events(services, app_id)
        if e.action in {"app.delisted", "app.relisted"}
    ]
    assert changes == [("app.delisted", [2, 3]), ("app.relisted", [3, 2])]


def test_apps_not_online_cannot_be_delisted(client: Any, factory: Factory) -> None:
    developer = factory.developer()
    app_id = create_app(client, developer)["app_id"]
    operator = factory.operator()
    problem = assert_problem(
        client.post(f"{ADMIN}/{app_id}/delist", json={"reason": "x"}, headers=operator.headers),
        409,
        "invalid_status_transition",
    )
    assert (problem["from"], problem["to"]) == ("development", "delisted")


@pytest.mark.parametrize("start", list(AppStatus))
@pytest.mark.parametrize("target", list(AppStatus))
def test_the_transition_table(start: AppStatus, target: AppStatus) -> None:
    app = MiniProgram(status=int(start))
    if (start, target) in TRANSITIONS:
        assert transition(app, target) == start
        assert app.status == target
    else:
        with pytest.raises(Conflict) as raised:
            transition(app, target)
        assert raised.value.code == "invalid_status_transition"
        assert app.status == start
