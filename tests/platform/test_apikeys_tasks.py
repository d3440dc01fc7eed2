"""The apikeys background jobs: usage flushing and expiry reminders."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from chainless.platform.apikeys import repository
from chainless.platform.core.jobs import get_job
from chainless.platform.core.services import run_job
from chainless.platform.models import ApiKey, AuditEvent, OutboxEmail
from chainless.platform.scheduler import periodic_jobs
from tests.factories import Factory
from tests.platform.apikeys_helpers import call_self, create_app, create_key, keys_url, set_key

pytestmark = pytest.mark.portable


def run(services: Any, name: str) -> None:
    run_job(services, get_job(name), {})


def stored_usage(services: Any, key_id: str) -> tuple[int, datetime | None]:
    with services.transaction() as session:
        key = session.get(ApiKey, key_id)
        assert key is not None
        return key.usage_count, key.last_used_at


def shown(client: Any, dev: Any, app_id: str, key_id: str) -> dict[str, Any]:
    return dict(client.get(keys_url(app_id, f"/{key_id}"), headers=dev.headers).json())


def test_usage_is_counted_off_the_row_and_flushed_by_the_job(
    client: Any, factory: Factory, services: Any
) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    key = create_key(client, dev, app_id)
    other = create_key(client, dev, app_id, name="idle")
    for _ in range(3):
        assert call_self(client, app_id, key["key"]).status_code == 200
    assert call_self(client, app_id, key["prefix"] + "_" + "x" * 43).status_code == 401  # not a use

    assert stored_usage(services, key["id"]) == (0, None)  # requests never wrote the row
    before_flush = shown(client, dev, app_id, key["id"])
    assert before_flush["usage_count"] == 3
    assert before_flush["last_used_at"] is not None

    run(services, "apikeys.flush_usage")
    count, last_used = stored_usage(services, key["id"])
    assert count == 3
    assert last_used is not None
    assert abs(last_used - datetime.fromisoformat(before_flush["last_used_at"])) < timedelta(
        seconds=1
    )
    assert shown(client, dev, app_id, key["id"])["usage_count"] == 3  # not counted twice
    assert stored_usage(services, other["id"]) == (0, None)

    call_self(client, app_id, key["key"])
    run(services, "apikeys.flush_usage")
    run(services, "apikeys.flush_usage")  # nothing left: a rerun changes nothing
    assert stored_usage(services, key["id"])[0] == 4
    assert shown(client, dev, app_id, key["id"])["usage_count"] == 4


def test_a_failed_flush_gives_the_counts_back(
    client: Any, factory: Factory, services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev)
    key = create_key(client, dev, app_id)
    call_self(client, app_id, key["key"])
    call_self(client, app_id, key["key"])

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("database went away")

    with monkeypatch.context() as patch:
        patch.setattr(repository, "add_usage", broken)
        with pytest.raises(RuntimeError):
            run(services, "apikeys.flush_usage")
    assert shown(client, dev, app_id, key["id"])["usage_count"] == 2
    run(services, "apikeys.flush_usage")
    assert stored_usage(services, key["id"])[0] == 2


def test_expiry_reminders_go_once_per_key_and_only_for_keys_that_need_one(
    client: Any, factory: Factory, services: Any, jobs: Any
) -> None:
    dev = factory.developer(approved=True)
    app_id = create_app(services, dev, name="Wallet Quest")
    soon = datetime.now().astimezone() + timedelta(days=10)
    due = create_key(client, dev, app_id, name="due")
    set_key(services, due["id"], expires_at=soon)
    create_key(client, dev, app_id, name="far")  # 90 days left
    rotated = create_key(client, dev, app_id, name="rotated")
    client.post(keys_url(app_id, f"/{rotated['id']}/rotate"), headers=dev.headers)
    set_key(services, rotated["id"], expires_at=soon)
    revoked = create_key(client, dev, app_id, name="revoked")
    client.post(
        keys_url(app_id, f"/{revoked['id']}/revoke"), headers=dev.headers, json={"reason": "x"}
    )
    set_key(services, revoked["id"], expires_at=soon)
    expired = create_key(client, dev, app_id, name="expired")
    set_key(services, expired["id"], expires_at=datetime.now().astimezone() - timedelta(days=1))
    jobs.sent.clear()

    run(services, "apikeys.expiry_reminders")
    run(services, "apikeys.expiry_reminders")  # idempotent
    assert jobs.names() == ["mail.deliver"]
    jobs.drain()

    with services.transaction() as session:
        emails = session.scalars(
            select(OutboxEmail).where(
                OutboxEmail.to_address == dev.email, OutboxEmail.kind == "api_key_expiring"
            )
        ).all()
        reminders = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "api_key.expiry_reminder_sent", AuditEvent.app_id == app_id
            )
        ).all()
    assert len(emails) == 1
    assert due["prefix"] in emails[0].subject
    assert "Wallet Quest" in emails[0].subject
    assert f"/api/v1/apps/{app_id}/api-keys/{due['id']}/rotate" in emails[0].body
    assert due["key"] not in emails[0].body
    assert emails[0].status == "stored"
    assert [(e.target_id, e.actor_type) for e in reminders] == [(due["id"], "system")]


def test_periodic_jobs_are_registered() -> None:
    schedule = {job.name: job.every for job in periodic_jobs()}
    assert schedule["apikeys.flush_usage"] == 60
    assert schedule["apikeys.expiry_reminders"] == 3600
    for name in ("apikeys.flush_usage", "apikeys.expiry_reminders"):
        assert get_job(name).name == name
