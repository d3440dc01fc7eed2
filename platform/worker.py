"""Celery workers for the background jobs: every ``@job`` becomes a Celery task of the same name.

Run with ``chainless worker`` or ``celery -A chainless.platform.worker worker`` (``beat`` for the
periodic jobs, one per deployment). The settings come from the environment (``CHAINLESS_*``);
Redis is both the broker and the result backend.

Delivery is at least once: a task is acknowledged only after it ran (``task_acks_late``) and is
handed to another worker if its worker dies (``task_reject_on_worker_lost``); a worker reserves
one task at a time. Jobs are idempotent, so a repeat is harmless. A failing job (an exception, or
``RetryJob`` after it recorded the failure) is retried with exponential backoff up to its own
``max_retries``; intervals grow without jitter, as the spec asks (3.5.3 network errors).
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from datetime import timedelta
from pathlib import Path
from typing import Any

from celery import Celery
from celery.beat import PersistentScheduler
from celery.signals import worker_process_shutdown, worker_shutdown

from chainless.platform import assembly
from chainless.platform.core.jobs import MAX_BACKOFF_SECONDS, JobSpec, registered_jobs
from chainless.platform.core.services import Services, build_services, run_job
from chainless.platform.core.settings import Settings, load_settings
from chainless.platform.scheduler import beat_schedule

log = logging.getLogger("chainless.worker")

QUEUE = "chainless"
# Publishing happens right after a commit; ride out a short Redis hiccup, then fail loudly.
PUBLISH_RETRY = {"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 2}


def _configured(settings: Settings) -> Celery:
    """A Celery app with the platform's configuration and no tasks (enough to send them)."""
    if not settings.redis_url:
        raise ValueError("Celery needs CHAINLESS_REDIS_URL: Redis is its broker and result backend")
    app = Celery("chainless", set_as_current=False)
    app.conf.update(
        broker_url=settings.redis_url,
        result_backend=settings.redis_url,
        result_expires=timedelta(days=1),
        task_default_queue=QUEUE,
        task_acks_late=True,
        # Jobs report through the database, never through results: storing and subscribing to
        # results cost every sent job a Redis subscription and every run a write
        task_ignore_result=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        enable_utc=True,
        timezone="UTC",
        broker_connection_retry_on_startup=True,
        beat_scheduler=f"{__name__}:DataDirScheduler",
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
    )
    return app


def celery_app(settings: Settings) -> Celery:
    """The workers' app: the configuration, one task per job of the assembled components, the
    beat schedule of their periodic jobs."""
    app = _configured(settings)
    services = _WorkerServices(settings)
    assembly.install()
    for spec in registered_jobs().values():
        _register(app, spec, services)
    app.conf.beat_schedule = beat_schedule()
    return app


def _register(app: Celery, spec: JobSpec, services: _WorkerServices) -> None:
    def run(**kwargs: Any) -> None:
        run_job(services.get(), spec, kwargs)

    run.__name__ = run.__qualname__ = spec.name.replace(".", "_")
    app.task(
        run,
        name=spec.name,
        shared=False,  # registered on this app only, not on every Celery app created later
        autoretry_for=(Exception,),
        max_retries=spec.max_retries,
        retry_backoff=spec.backoff_seconds,
        retry_backoff_max=MAX_BACKOFF_SECONDS,
        retry_jitter=False,
    )


class _WorkerServices:
    """One set of services per worker process, built on first use: a prefork child must never
    share the parent's database or Redis connections. Jobs sent by jobs go back to Celery."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings.model_copy(update={"task_runner": "celery"})
        self._lock = threading.Lock()
        self._built: tuple[int, Services] | None = None
        _holders.add(self)

    def get(self) -> Services:
        pid = os.getpid()
        with self._lock:
            if self._built is None or self._built[0] != pid:
                self._built = (pid, build_services(self._settings))
            return self._built[1]

    def close(self) -> None:
        with self._lock:
            built, self._built = self._built, None
        if built is not None and built[0] == os.getpid():
            built[1].close()


_holders: weakref.WeakSet[_WorkerServices] = weakref.WeakSet()


@worker_process_shutdown.connect
@worker_shutdown.connect
def _close_services(**_: Any) -> None:
    for holder in list(_holders):
        holder.close()


class DataDirScheduler(PersistentScheduler):
    """Celery beat's own scheduler, keeping its state file in the platform's data folder (made
    on first start, before beat opens the file)."""

    def setup_schedule(self) -> None:
        Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()


class CeleryJobRunner:
    """The production :class:`~chainless.platform.core.jobs.JobRunner`: sends each job to the
    workers by name (called after the commit, see ``jobs.enqueue``)."""

    def __init__(self, settings: Settings, *, app: Celery | None = None) -> None:
        self._app = app or _configured(settings)

    @property
    def app(self) -> Celery:
        return self._app

    def submit(self, name: str, kwargs: dict[str, Any]) -> None:
        self._app.send_task(
            name, kwargs=kwargs, retry=True, retry_policy=PUBLISH_RETRY, ignore_result=True
        )

    def close(self) -> None:
        self._app.close()


_default_app: Celery | None = None


def __getattr__(name: str) -> Celery:
    """``celery -A chainless.platform.worker`` looks up ``app``: built from the environment on
    first use, so importing this module (as the api does for ``CeleryJobRunner``) costs nothing."""
    global _default_app
    if name not in {"app", "celery"}:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _default_app is None:
        _default_app = celery_app(load_settings())
    return _default_app
