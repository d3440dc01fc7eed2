"""Canary (sticky by user, growing only), promotion, rollback, automatic rollback, history."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from chainless.deployer.releases import canary, report_tickets
from chainless.platform.core.services import Services
from chainless.platform.models import AppStatus, AuditEvent, MiniProgram
from tests.conftest import RecordingJobRunner
from tests.deployer.deployments.test_requests import _app_with_repo
from tests.deployer.github_standin import GitHubStandIn
from tests.deployer.releases.helpers import deploy, entry, release_version, releases
from tests.factories import Actor, Factory

pytestmark = pytest.mark.portable

USERS = [f"0x{i:040x}" for i in range(2000)]


def test_canary_buckets_are_sticky_and_about_the_share_asked() -> None:
    members: set[str] = set()
    for percent in (1, 5, 10, 25, 50, 100):
        now = {u for u in USERS if canary.in_canary("app1", "prod", u, percent)}
        assert members <= now  # whoever was in stays in as the share grows
        assert abs(len(now) / len(USERS) - percent / 100) < 0.03
        members = now
    assert canary.in_canary("app1", "prod", USERS[7].upper().replace("0X", "0x"), 50) == (
        canary.in_canary("app1", "prod", USERS[7], 50)
    )
    assert not canary.in_canary("app1", "prod", None, 100)  # anonymous: always the current


@pytest.fixture
def three_releases(
    factory: Factory, jobs: RecordingJobRunner, github: GitHubStandIn, mini_program_repo: Path
) -> tuple[str, Actor]:
    """1.0.0 and 1.1.0 live one after the other, then 1.2.0 staged (published, not live)."""
    app_id, developer = _app_with_repo(factory, github.host("dev/greeter", mini_program_repo), jobs)
    assert deploy(factory, jobs, app_id, developer)["status"] == "succeeded"
    release_version(mini_program_repo, "1.1.0")
    assert deploy(factory, jobs, app_id, developer)["status"] == "succeeded"
    release_version(mini_program_repo, "1.2.0")
    staged = deploy(factory, jobs, app_id, developer, rollout="staged")
    assert staged["status"] == "succeeded", staged
    return app_id, developer


def _post(factory: Factory, actor: Actor, path: str, body: dict[str, Any] | None = None) -> Any:
    return factory.client.post(f"/api/v1{path}", headers=actor.headers, json=body or {})


def _audit(services: Services, app_id: str) -> list[str]:
    with services.transaction() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.app_id == app_id, AuditEvent.action.like("release.%"))
                .order_by(AuditEvent.id)
            )
        )


def test_a_canary_grows_stickily_then_is_promoted(
    factory: Factory, three_releases: tuple[str, Actor], services: Services
) -> None:
    app_id, developer = three_releases
    base = f"/apps/{app_id}/environments/dev"
    channel = releases(factory, app_id, developer)
    assert (channel["current"], channel["canary"]) == ("1.1.0", None)
    assert [r["status"] for r in channel["releases"]] == ["published", "current", "published"]
    users = USERS[:200]
    started = _post(factory, developer, f"{base}/releases/1.2.0/canary", {"percent": 10})
    assert started.status_code == 200, started.text
    assert (started.json()["canary"], started.json()["canary_percent"]) == ("1.2.0", 10)
    first = {u for u in users if entry(factory, app_id, u) == "1.2.0"}
    assert 5 <= len(first) <= 40
    assert entry(factory, app_id) == "1.1.0"  # no user: the current release
    assert _post(factory, developer, f"{base}/releases/1.2.0/canary", {"percent": 40}).is_success
    second = {u for u in users if entry(factory, app_id, u) == "1.2.0"}
    assert first < second
    assert 50 <= len(second) <= 110
    lower = _post(factory, developer, f"{base}/releases/1.2.0/canary", {"percent": 20})
    assert (lower.status_code, lower.json()["code"]) == (409, "canary_percent_decrease")
    older = _post(factory, developer, f"{base}/releases/1.0.0/canary", {"percent": 50})
    assert (older.status_code, older.json()["code"]) == (409, "release_not_newer")
    promoted = _post(factory, developer, f"{base}/releases/1.2.0/promote")
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["current"] == "1.2.0"
    assert promoted.json()["canary"] is None
    assert {entry(factory, app_id, u) for u in users[:20]} == {"1.2.0"}
    again = _post(factory, developer, f"{base}/releases/1.2.0/promote")
    assert again.json()["code"] == "release_already_current"
    history = factory.client.get(f"/api/v1{base}/history", headers=developer.headers).json()
    assert [h["action"] for h in history] == [
        "promoted",
        "canary",
        "canary",
        "published",
        "released",
        "released",
    ]
    assert history[0]["previous_version"] == "1.1.0"
    assert history[0]["actor"] == developer.id
    assert history[3]["commit_sha"] != history[4]["commit_sha"]
    assert _audit(services, app_id) == [
        "release.released",
        "release.released",
        "release.published",
        "release.canary",
        "release.canary",
        "release.promoted",
    ]


def test_rollback_switches_at_once_to_the_previous_or_a_chosen_release(
    factory: Factory, three_releases: tuple[str, Actor], services: Services
) -> None:
    app_id, developer = three_releases
    base = f"/apps/{app_id}/environments/dev"
    assert _post(factory, developer, f"{base}/releases/1.2.0/canary", {"percent": 30}).is_success
    back = _post(factory, developer, f"{base}/rollback")
    assert back.status_code == 200, back.text
    assert (back.json()["current"], back.json()["canary"]) == ("1.0.0", None)  # canary cleared
    assert {entry(factory, app_id, u) for u in USERS[:50]} == {"1.0.0"}
    chosen = _post(factory, developer, f"{base}/rollback", {"version": "1.2.0"})
    assert chosen.json()["current"] == "1.2.0"
    unknown = _post(factory, developer, f"{base}/rollback", {"version": "0.1.0"})
    assert (unknown.status_code, unknown.json()["code"]) == (409, "rollback_target_unavailable")
    assert _post(factory, developer, f"{base}/rollback").json()["current"] == "1.1.0"
    assert _audit(services, app_id)[-3:] == ["release.rolled_back"] * 3
    history = factory.client.get(f"/api/v1{base}/history", headers=developer.headers).json()
    assert [(h["action"], h["version"], h["previous_version"]) for h in history[:3]] == [
        ("rolled_back", "1.1.0", "1.2.0"),
        ("rolled_back", "1.2.0", "1.0.0"),
        ("rolled_back", "1.0.0", "1.1.0"),
    ]


def _tickets(factory: Factory, app_id: str, count: int) -> list[str]:
    """Report tickets of ``count`` canary loads, from the entry route as wallets get them."""
    tickets = []
    for user in USERS:
        got = factory.client.get(
            f"/cdn/entry/{app_id}/dev", params={"user": user, "format": "json"}
        )
        assert got.status_code == 200, got.text
        if got.json()["canary"]:
            tickets.append(got.json()["report_ticket"])
        else:
            assert got.json()["report_ticket"] is None  # the current release is not watched
        if len(tickets) == count:
            return tickets
    raise AssertionError("not enough canary users")


def _report(factory: Factory, app_id: str, tickets: list[str], errors: int = 0) -> Any:
    reports = [{"ticket": t, "error": i < errors} for i, t in enumerate(tickets)]
    return factory.client.post(f"/cdn/reports/{app_id}/dev", json={"reports": reports})


def test_a_canary_failing_on_clients_is_cancelled_once_the_sample_is_large_enough(
    factory: Factory, three_releases: tuple[str, Actor], services: Services
) -> None:
    app_id, developer = three_releases
    services.settings.deployer.canary_min_sample = 40
    services.settings.deployer.canary_error_threshold = 0.1
    base = f"/apps/{app_id}/environments/dev"
    assert _post(factory, developer, f"{base}/releases/1.2.0/canary", {"percent": 20}).is_success
    tickets = _tickets(factory, app_id, 41)
    few = _report(factory, app_id, tickets[:20], errors=10)
    assert few.json() == {"status": "counted", "reason": "", "counted": 20, "refused": 0}
    assert releases(factory, app_id, developer)["canary"] == "1.2.0"  # 50 %, below the sample
    replayed = _report(factory, app_id, tickets[:20], errors=20)  # each ticket counts once
    assert (replayed.status_code, replayed.json()["code"]) == (422, "report_ticket_invalid")
    assert "already reported" in replayed.json()["detail"]
    fine = _report(factory, app_id, tickets[20:39] + tickets[:1])
    assert (fine.json()["counted"], fine.json()["refused"]) == (19, 1)
    tipped = _report(factory, app_id, tickets[39:40])
    assert tipped.json()["status"] == "canary_cancelled"
    assert "25.0% (10 errors in 40 loads)" in tipped.json()["reason"]
    channel = releases(factory, app_id, developer)
    assert (channel["current"], channel["canary"]) == ("1.1.0", None)
    history = factory.client.get(f"/api/v1{base}/history", headers=developer.headers).json()
    assert (history[0]["action"], history[0]["actor"]) == ("canary_cancelled", "system")
    assert "above 10.0%" in history[0]["reason"]
    assert _audit(services, app_id)[-1] == "release.canary_auto_cancelled"
    late = _report(factory, app_id, tickets[40:41], errors=1)  # that canary is over
    assert (late.json()["status"], late.json()["counted"]) == ("ignored", 0)
    restarted = _post(factory, developer, f"{base}/releases/1.2.0/canary", {"percent": 5})
    assert restarted.is_success  # a new canary counts from zero
    counted = _report(factory, app_id, _tickets(factory, app_id, 1), errors=1)
    assert counted.json()["status"] == "counted"


def test_reports_without_a_valid_ticket_count_nothing(
    factory: Factory, three_releases: tuple[str, Actor], services: Services
) -> None:
    app_id, developer = three_releases
    services.settings.deployer.canary_min_sample = 1
    base = f"/apps/{app_id}/environments/dev"
    assert _post(factory, developer, f"{base}/releases/1.2.0/canary", {"percent": 50}).is_success
    [ticket] = _tickets(factory, app_id, 1)
    version, payload, mac = ticket.split(".")
    other_app = _app_with_repo(factory, "https://github.com/dev/other")[0]
    secret = services.settings.secret_key
    forged = report_tickets.issue("another-platform-secret-of-32-chars!!", app_id, "dev", "r")
    expired = report_tickets.issue(secret, app_id, "dev", "r", now=time.time() - 2 * 86400)
    for bad, why in (
        ("not-a-ticket", "not a report ticket"),
        (f"{version}.{payload}.{mac[:-2]}AA", "not issued for this app and environment"),
        (forged, "not issued for this app and environment"),
        (expired, "expired"),
    ):
        refused = _report(factory, app_id, [bad], errors=1)
        assert (refused.status_code, refused.json()["code"]) == (422, "report_ticket_invalid")
        assert why in refused.json()["detail"], bad
    elsewhere = factory.client.post(  # a ticket of this app presented for another app
        f"/cdn/reports/{other_app}/dev", json={"reports": [{"ticket": ticket, "error": True}]}
    )
    assert elsewhere.status_code in {404, 422}
    flood = factory.client.post(
        f"/cdn/reports/{app_id}/dev", json={"reports": [{"ticket": ticket}] * 101}
    )
    assert flood.status_code == 422  # at most 100 a request
    old_form = factory.client.post(
        f"/cdn/reports/{app_id}/dev", json={"version": "1.2.0", "loads": 1000, "errors": 1000}
    )
    assert old_form.status_code == 422
    assert releases(factory, app_id, developer)["canary"] == "1.2.0"  # nothing was counted
    assert _report(factory, app_id, [ticket], errors=1).json()["status"] == "canary_cancelled"


def test_another_developers_app_is_not_found(
    factory: Factory, three_releases: tuple[str, Actor]
) -> None:
    app_id, _ = three_releases
    stranger = factory.developer(approved=True)
    base = f"/apps/{app_id}/environments/dev"
    for method, path, body in (
        ("get", f"{base}/releases", None),
        ("get", f"{base}/releases/1.0.0", None),
        ("get", f"{base}/history", None),
        ("post", f"{base}/releases/1.2.0/canary", {"percent": 10}),
        ("post", f"{base}/releases/1.2.0/promote", {}),
        ("post", f"{base}/rollback", {}),
        ("post", f"{base}/canary/cancel", {}),
    ):
        answer = factory.client.request(
            method.upper(), f"/api/v1{path}", headers=stranger.headers, json=body
        )
        assert (answer.status_code, answer.json()["code"]) == (404, "app_not_found"), path


def test_cancel_a_canary_and_what_an_api_key_may_do(
    factory: Factory, three_releases: tuple[str, Actor], services: Services
) -> None:
    app_id, developer = three_releases
    base = f"/apps/{app_id}/environments/dev"
    none = _post(factory, developer, f"{base}/canary/cancel")
    assert (none.status_code, none.json()["code"]) == (409, "no_canary")
    assert _post(factory, developer, f"{base}/releases/1.2.0/canary", {"percent": 50}).is_success
    cancelled = _post(factory, developer, f"{base}/canary/cancel")
    assert (cancelled.json()["current"], cancelled.json()["canary"]) == ("1.1.0", None)
    assert _audit(services, app_id)[-1] == "release.canary_cancelled"

    def key(*scopes: str) -> dict[str, str]:
        created = factory.client.post(
            f"/api/v1/apps/{app_id}/api-keys",
            headers=developer.headers,
            json={"name": "ci", "environment": "dev", "scopes": list(scopes)},
        )
        assert created.status_code == 201, created.text
        return {"X-API-Key": created.json()["key"]}

    reader = key("data:read")
    listed = factory.client.get(f"/api/v1{base}/releases", headers=reader)
    assert listed.status_code == 200
    refused = factory.client.post(f"/api/v1{base}/rollback", headers=reader, json={})
    assert refused.status_code == 403
    deployer_key = key("deploy:write")
    done = factory.client.post(f"/api/v1{base}/rollback", headers=deployer_key, json={})
    assert done.status_code == 200, done.text
    history = factory.client.get(f"/api/v1{base}/history", headers=reader).json()
    assert history[0]["action"] == "rolled_back"
    assert history[0]["actor"] != developer.id  # the API key's id


def test_a_staged_first_release_waits_for_a_promotion(
    factory: Factory, jobs: RecordingJobRunner, github: GitHubStandIn, mini_program_repo: Path
) -> None:
    app_id, developer = _app_with_repo(factory, github.host("dev/greeter", mini_program_repo), jobs)
    staged = deploy(factory, jobs, app_id, developer, rollout="staged")
    assert staged["status"] == "succeeded", staged
    channel = releases(factory, app_id, developer)
    assert (channel["current"], [r["status"] for r in channel["releases"]]) == (
        None,
        ["published"],
    )
    assert factory.client.get(f"/cdn/entry/{app_id}/dev").json()["code"] == "no_release"
    base = f"/apps/{app_id}/environments/dev"
    early = _post(factory, developer, f"{base}/releases/1.0.0/canary", {"percent": 10})
    assert (early.status_code, early.json()["code"]) == (409, "no_current_release")
    assert _post(factory, developer, f"{base}/releases/1.0.0/promote").json()["current"] == "1.0.0"
    assert entry(factory, app_id, USERS[0]) == "1.0.0"
    nothing = _post(factory, developer, f"{base}/rollback")
    assert (nothing.status_code, nothing.json()["code"]) == (409, "nothing_to_roll_back_to")


def test_a_delisted_app_has_no_entry(
    factory: Factory,
    jobs: RecordingJobRunner,
    github: GitHubStandIn,
    mini_program_repo: Path,
    services: Services,
) -> None:
    app_id, developer = _app_with_repo(factory, github.host("dev/greeter", mini_program_repo), jobs)
    assert deploy(factory, jobs, app_id, developer)["status"] == "succeeded"
    assert entry(factory, app_id, USERS[0]) == "1.0.0"
    with services.transaction() as session:
        session.execute(
            update(MiniProgram)
            .where(MiniProgram.app_id == app_id)
            .values(status=AppStatus.DELISTED)
        )

    refused = factory.client.get(f"/cdn/entry/{app_id}/dev", params={"user": USERS[0]})
    assert refused.status_code == 410
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "app_delisted"
