"""The Celery app, the Celery job runner and the periodic schedule (no worker process here; see
``test_worker_celery.py`` for a real one)."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from chainless.platform.core.db import Database
from chainless.platform.core.jobs import enqueue, registered_jobs
from chainless.platform.core.services import Services, build_services
from chainless.platform.core.settings import Settings
from chainless.platform.mail import service as mail
from chainless.platform.scheduler import (
    DAY,
    EmbeddedScheduler,
    PeriodicJob,
    beat_schedule,
    periodic_jobs,
)
from chainless.platform.worker import QUEUE, CeleryJobRunner, DataDirScheduler, celery_app
from tests.conftest import REDIS_URL

REDIS = REDIS_URL  # the Redis the test run was given (CHAINLESS_TEST_REDIS)


def redis_url(client: Redis) -> str:
    kwargs = client.connection_pool.connection_kwargs
    return f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs['db']}"


def queued(client: Redis) -> list[dict[str, Any]]:
    """The messages waiting in the Celery queue in the order sent, decoded (kombu's Redis
    transport pushes on the left and pops on the right)."""
    messages = []
    for raw in reversed(client.lrange(QUEUE, 0, -1)):
        envelope = json.loads(raw)
        assert envelope["content-type"] == "application/json"
        _args, kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        messages.append({"task": envelope["headers"]["task"], "kwargs": kwargs})
    return messages


def test_the_celery_app_follows_the_settings(settings: Settings) -> None:
    app = celery_app(settings.model_copy(update={"redis_url": f"{REDIS}/15"}))
    conf = app.conf
    assert conf.broker_url == conf.result_backend == f"{REDIS}/15"
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == conf.result_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    assert conf.task_default_queue == QUEUE
    assert conf.beat_schedule["audit.enforce_retention"]["schedule"] == timedelta(days=1)


def test_every_job_is_a_task_with_its_own_retry_policy(settings: Settings) -> None:
    app = celery_app(settings.model_copy(update={"redis_url": f"{REDIS}/15"}))
    specs = registered_jobs()
    assert {"mail.deliver", "audit.enforce_retention"} <= specs.keys()
    for name, spec in specs.items():
        task = app.tasks[name]
        assert task.max_retries == spec.max_retries
        assert task.autoretry_for == (Exception,)  # RetryJob included
        assert task.retry_backoff == spec.backoff_seconds
        assert task.retry_jitter is False  # intervals grow steadily (spec 3.5.3)
    other = celery_app(settings.model_copy(update={"redis_url": f"{REDIS}/14"}))
    assert other.tasks["mail.deliver"] is not app.tasks["mail.deliver"]  # not shared between apps


def test_beat_keeps_its_state_in_the_data_folder(settings: Settings, tmp_path: Path) -> None:
    app = celery_app(settings.model_copy(update={"redis_url": f"{REDIS}/15"}))
    assert app.conf.beat_scheduler == "chainless.platform.worker:DataDirScheduler"
    assert app.conf.beat_schedule_filename == str(settings.data_dir / "celerybeat-schedule")
    state = tmp_path / "not-yet" / "celerybeat-schedule"
    scheduler = DataDirScheduler(app=app, schedule_filename=str(state))
    try:
        assert state.parent.is_dir()
        assert "audit.enforce_retention" in scheduler.schedule
    finally:
        scheduler.close()


def test_celery_needs_redis(settings: Settings) -> None:
    with pytest.raises(ValueError, match="CHAINLESS_REDIS_URL"):
        celery_app(settings.model_copy(update={"redis_url": None}))


def test_the_runner_publishes_json_messages_named_like_the_job(
    settings: Settings, redis_client: Redis
) -> None:
    runner = CeleryJobRunner(settings.model_copy(update={"redis_url": redis_url(redis_client)}))
    runner.submit("mail.deliver", {"outbox_id": "abc"})
    assert queued(redis_client) == [{"task": "mail.deliver", "kwargs": {"outbox_id": "abc"}}]
    runner.close()


def test_jobs_reach_celery_only_after_the_commit(
    services: Services, settings: Settings, redis_client: Redis
) -> None:
    celery_settings = settings.model_copy(
        update={"task_runner": "celery", "redis_url": redis_url(redis_client)}
    )
    built = build_services(
        celery_settings, database=Database(services.database.bind), redis=redis_client
    )
    assert isinstance(built.job_runner, CeleryJobRunner)

    def send_then_fail() -> None:
        with built.transaction() as session:
            mail.send(session, to="a@example.com", subject="s", body="b", kind="test")
            raise LookupError("rolled back")

    with pytest.raises(LookupError):
        send_then_fail()
    assert queued(redis_client) == []

    with built.transaction() as session:
        message = mail.send(session, to="a@example.com", subject="s", body="b", kind="test")
        enqueue(session, "audit.enforce_retention")
    assert queued(redis_client) == [
        {"task": "mail.deliver", "kwargs": {"outbox_id": message.id}},
        {"task": "audit.enforce_retention", "kwargs": {}},
    ]


# --- the schedule ---------------------------------------------------------------------------


def test_periodic_jobs_are_the_registered_ones() -> None:
    declared = {job.name: job.every for job in periodic_jobs()}
    assert declared["audit.enforce_retention"] == DAY
    assert declared["oauth.rotate_signing_key"] == 3600  # it never ran before (issue 12, 8)
    assert set(declared) <= registered_jobs().keys()
    schedule = beat_schedule()
    assert schedule.keys() == declared.keys()
    for name, entry in schedule.items():
        assert entry["task"] == name
        assert entry["schedule"] == timedelta(seconds=declared[name])


# --- the embedded scheduler -----------------------------------------------------------------


class ListRunner:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail

    def submit(self, name: str, kwargs: dict[str, Any]) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.sent.append((name, kwargs))


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_embedded_scheduler_sends_each_job_on_its_interval(services: Services) -> None:
    runner, clock = ListRunner(), FakeClock()
    services.job_runner = runner
    plan = [PeriodicJob("fast", 30.0), PeriodicJob("daily", DAY, {"batch_size": 10})]
    scheduler = EmbeddedScheduler(services, plan, initial_delay=10.0, clock=clock)
    assert scheduler.tick() == []  # nothing is due before the initial delay
    clock.now += 10
    assert scheduler.tick() == ["fast", "daily"]  # both run soon after start...
    clock.now += 29
    assert scheduler.tick() == []
    clock.now += 1
    assert scheduler.tick() == ["fast"]  # ...then on their own intervals
    clock.now += 300  # missed runs are not caught up one by one
    assert scheduler.tick() == ["fast"]
    assert runner.sent[1] == ("daily", {"batch_size": 10})


def test_embedded_scheduler_survives_a_failing_runner(services: Services) -> None:
    services.job_runner = ListRunner(fail=True)
    clock = FakeClock()
    scheduler = EmbeddedScheduler(
        services, [PeriodicJob("fast", 5.0)], initial_delay=0, clock=clock
    )
    clock.now += 1
    assert scheduler.tick() == []
    services.job_runner = runner = ListRunner()
    clock.now += 5
    assert scheduler.tick() == ["fast"]
    assert runner.sent == [("fast", {})]


def test_embedded_scheduler_thread_starts_and_stops(services: Services) -> None:
    runner = ListRunner()
    services.job_runner = runner
    scheduler = EmbeddedScheduler(services, [PeriodicJob("tick", 0.05)], initial_delay=0)
    scheduler.start()
    try:
        deadline = time.monotonic() + 5
        while len(runner.sent) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        scheduler.stop()
    assert len(runner.sent) >= 3
    count = len(runner.sent)
    time.sleep(0.2)
    assert len(runner.sent) == count  # stopped for good


def test_embedded_scheduler_defaults_to_the_periodic_jobs(services: Services) -> None:
    assert EmbeddedScheduler(services).jobs == periodic_jobs()
