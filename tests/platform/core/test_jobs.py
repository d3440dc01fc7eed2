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


@jobs.job("test.other")
def _other(scope: JobScope, **kwargs: Any) -> None:
    CALLS.append(kwargs)


class _BrokerDown:
    def submit(self, name: str, kwargs: dict[str, Any]) -> None:
        raise ConnectionError("broker unreachable")


def test_deferred_jobs_wait_for_the_answer_and_the_others_do_not(services: Any, jobs: Any) -> None:
    from chainless.platform.core.jobs import defer_until_answered, enqueue, take_deferred

    session = services.database.session()
    try:
        defer_until_answered(session, "test.record")
        enqueue(session, "test.record", n=3)
        enqueue(session, "test.other", n=4)
        session.commit()
        assert jobs.sent == [("test.other", {"n": 4})]  # only the named job waits
        send = take_deferred(session)
        assert send is not None
        assert jobs.sent == [("test.other", {"n": 4})]
        send()
        assert jobs.sent[-1] == ("test.record", {"n": 3})
        assert take_deferred(session) is None  # taken once

        enqueue(session, "test.record", n=5)  # the session's later commits send as usual
        session.commit()
        assert jobs.sent[-1] == ("test.record", {"n": 5})
    finally:
        session.close()


def test_a_deferred_job_that_cannot_be_sent_does_not_fail_the_answer(services: Any) -> None:
    from chainless.platform.core.jobs import (
        RUNNER_KEY,
        defer_until_answered,
        enqueue,
        take_deferred,
    )

    session = services.database.session()
    try:
        session.info[RUNNER_KEY] = _BrokerDown()
        defer_until_answered(session, "test.record")
        enqueue(session, "test.record", n=6)
        session.commit()
        send = take_deferred(session)
        assert send is not None
        send()  # logged, not raised: the job's sweep sends it later
    finally:
        session.close()
    with pytest.raises(LookupError):
        defer_until_answered(services.database.session(), "no.such.job")


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


@jobs.job("test.wait_for_host", max_retries=1, backoff_seconds=0.01)
def _wait_for_host(scope: JobScope) -> None:
    raise jobs.RetryJob("the repository host did not answer")


def test_an_expected_retry_is_logged_as_one_line_with_its_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = jobs.EmbeddedJobRunner(call=lambda spec, kwargs: spec.function(None, **kwargs))
    try:
        with caplog.at_level("WARNING", logger="chainless.jobs"):
            runner.submit("test.wait_for_host", {})
            assert runner.wait_idle(timeout=5)
    finally:
        runner.close()
    retried = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retried) == 1
    assert "the repository host did not answer" in retried[0].getMessage()
    assert retried[0].exc_info is None  # no traceback for a failure the job recorded


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


@pytest.fixture(autouse=True)
def _test_jobs_registered() -> None:
    """Declaring a job registers nothing (docs/decisions/0010): register this module's own, as
    the assembly registers a component's."""
    for function in (_record, _other, _wait_for_host):
        spec = jobs.declared_job(function)
        assert spec is not None
        jobs.register(spec)
