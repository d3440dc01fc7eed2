"""Audit retention (spec: key operations kept at least 180 days) and the append-only guard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from chainless.platform.core.clock import utcnow
from chainless.platform.core.jobs import get_job
from chainless.platform.core.services import Services, run_job
from chainless.platform.core.settings import Settings
from chainless.platform.models import AuditEvent
from tests.conftest import RecordingJobRunner
from tests.platform.permission_helpers import insert_audit_event

pytestmark = pytest.mark.portable

RETENTION = "audit.enforce_retention"


def exists(services: Services, event_id: int) -> bool:
    with services.transaction() as session:
        return session.get(AuditEvent, event_id) is not None


def events(services: Services, action: str) -> list[AuditEvent]:
    with services.transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_retention_deletes_expired_events_and_keeps_the_rest(
    services: Services, jobs: RecordingJobRunner
) -> None:
    assert services.settings.audit_retention_days == 365
    now = utcnow()
    expired = insert_audit_event(services, action="test.old", occurred_at=now - timedelta(days=400))
    kept = insert_audit_event(services, action="test.old", occurred_at=now - timedelta(days=300))
    fresh = insert_audit_event(services, action="test.fresh")

    run_job(services, get_job(RETENTION), {})

    assert not exists(services, expired)
    assert exists(services, kept)  # past the legal minimum, but inside the configured retention
    assert exists(services, fresh)
    [note] = events(services, "audit.retention_enforced")
    assert note.actor_type == "system"
    assert note.changes["deleted"] == [None, 1]
    assert jobs.names() == []  # the batch was not full: nothing left to do

    run_job(services, get_job(RETENTION), {})  # idempotent: nothing more to delete
    assert len(events(services, "audit.retention_enforced")) == 1


def test_retention_works_through_a_backlog_in_batches(
    services: Services, jobs: RecordingJobRunner
) -> None:
    old = utcnow() - timedelta(days=500)
    backlog = [insert_audit_event(services, action="test.old", occurred_at=old) for _ in range(5)]

    run_job(services, get_job(RETENTION), {"batch_size": 2})
    assert sum(exists(services, i) for i in backlog) == 3
    assert jobs.sent == [(RETENTION, {"batch_size": 2})]  # sent again, after the commit

    assert jobs.drain() == 2  # two more runs: 2 events, then a partial batch of 1 ends it
    assert not any(exists(services, i) for i in backlog)


def test_the_database_refuses_to_rewrite_or_drop_young_history(services: Services) -> None:
    fresh = insert_audit_event(services, action="test.fresh", summary="as it happened")
    old = insert_audit_event(
        services, action="test.old", occurred_at=utcnow() - timedelta(days=400)
    )
    for statement in (
        update(AuditEvent).where(AuditEvent.id == fresh).values(summary="rewritten"),
        update(AuditEvent).where(AuditEvent.id == old).values(summary="rewritten"),
        delete(AuditEvent).where(AuditEvent.id == fresh),
    ):
        with (
            pytest.raises(DBAPIError, match=r"append-only|kept at least 180 days"),
            services.transaction() as session,
        ):
            session.execute(statement)
    with services.transaction() as session:
        row = session.get(AuditEvent, fresh)
        assert row is not None
        assert row.summary == "as it happened"
    with services.transaction() as session:  # past the minimum, deleting is allowed
        session.execute(delete(AuditEvent).where(AuditEvent.id == old))
    assert not exists(services, old)


def test_settings_refuse_a_retention_below_the_legal_minimum() -> None:
    with pytest.raises(ValidationError, match="at least 180 days"):
        Settings(audit_retention_days=179)
    assert Settings(audit_retention_days=180).audit_retention_days == 180
