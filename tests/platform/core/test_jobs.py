"""Jobs are sent only after the commit, dropped on rollback, and retried with backoff."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from chainless.platform.core import jobs
from chainless.platform.core.errors import Conflict
from chainless.platform.core.services import JobScope
from chainless.platform.models import OutboxEmail

pytestmark = pytest.mark.portable

CALLS: list[dict[str, Any]] = []


@jobs.job("test.record", max_retries=2, backoff_seconds=0.01)
def _record(scope: JobScope, **kwargs: Any) -> None:
    CALLS.append(kwargs)
    if kwargs.get("fail_times", 0) > sum(1 for c in CALLS if c == kwargs) - 1:
        raise RuntimeError("transient")


def test_job_is_sent_after_commit_only(services: Any, jobs: Any) -> None:
    with services.transaction() as session:
        from chainless.platform.core.jobs import enqueue

        enqueue(session, "test.record", n=1)
        assert jobs.sent == []  # not before the commit
    assert jobs.sent == [("test.record", {"n": 1})]


def test_job_is_dropped_on_rollback(services: Any, jobs: Any) -> None:
    from chainless.platform.core.jobs import enqueue

    def fail_after_enqueue() -> None:
        with services.transaction() as session:
            enqueue(session, "test.record", n=2)
            raise Conflict("boom")

    with pytest.raises(Conflict):
        fail_after_enqueue()
    assert jobs.sent == []


def test_unknown_job_fails_inside_the_request(services: Any) -> None:
    from chainless.platform.core.jobs import enqueue

    with pytest.raises(LookupError), services.transaction() as session:
        enqueue(session, "no.such.job")


def test_embedded_runner_retries_with_backoff() -> None:
    CALLS.clear()
    done = threading.Event()

    def call(spec: jobs.JobSpec, kwargs: dict[str, Any]) -> None:
        spec.function(None, **kwargs)  # type: ignore[arg-type]
        done.set()

    runner = jobs.EmbeddedJobRunner(call=call)
    try:
        runner.submit("test.record", {"fail_times": 2})
        assert runner.wait_idle(timeout=5)
        assert done.is_set()
        assert len(CALLS) == 3  # two failures, then success
    finally:
        runner.close()


def test_outbox_delivery_in_embedded_mode_marks_stored(
    client: Any, services: Any, jobs: Any
) -> None:
    client.post(
        "/api/v1/accounts",
        json={"email": "mail@example.com", "password": "correct-horse-Battery-9"},
    )
    assert jobs.drain() >= 1
    with services.transaction() as session:
        message = session.query(OutboxEmail).filter_by(to_address="mail@example.com").one()
        assert message.status == "stored"
        assert message.sent_at is not None
