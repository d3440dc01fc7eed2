"""Periodic jobs, declared once: a Celery beat schedule in production, a thread when embedded.

Both only *send* jobs (to Celery, or to the services' job runner); the jobs themselves run, retry
and back off like any other. Running two schedulers at once repeats a run early, which is safe
because every job is idempotent.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from types import ModuleType
from typing import Any

from chainless.platform.core.jobs import registered_jobs
from chainless.platform.core.services import Services
from chainless.platform.tasks import load_jobs

log = logging.getLogger("chainless.scheduler")

MINUTE = 60.0
HOUR = 60 * MINUTE
DAY = 24 * HOUR
APIKEYS_TASKS = "chainless.platform.apikeys.tasks"
# Features that declare their own ``periodic_jobs()`` (skipped when not installed).
FEATURE_TASKS = ("chainless.chain.relay.tasks", "chainless.deployer.releases.tasks")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: float  # seconds
    kwargs: dict[str, Any] = field(default_factory=dict)


CORE_JOBS = (PeriodicJob("audit.enforce_retention", DAY),)
# Used when the apikeys tasks do not declare their own ``periodic_jobs()``.
APIKEYS_DEFAULTS = (
    PeriodicJob("apikeys.flush_usage", 30.0),
    PeriodicJob("apikeys.expiry_reminders", HOUR),
)


def periodic_jobs() -> list[PeriodicJob]:
    """Every periodic job whose job is registered (a missing feature is skipped, with a note)."""
    load_jobs()
    known = registered_jobs()
    declared = [*CORE_JOBS, *_apikeys_jobs(), *_feature_jobs()]
    for skipped in (j.name for j in declared if j.name not in known):
        log.info("periodic job %s skipped: no such job is registered", skipped)
    return [j for j in declared if j.name in known]


def _apikeys_jobs() -> list[PeriodicJob]:
    module = _optional_module(APIKEYS_TASKS)
    if module is None:
        return []
    declare = getattr(module, "periodic_jobs", None)
    if declare is None:
        return list(APIKEYS_DEFAULTS)
    return coerce_periodic_jobs(declare())


def _feature_jobs() -> list[PeriodicJob]:
    found: list[PeriodicJob] = []
    for name in FEATURE_TASKS:
        module = _optional_module(name)
        declare = getattr(module, "periodic_jobs", None)
        if declare is not None:
            found.extend(coerce_periodic_jobs(declare()))
    return found


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return None


def coerce_periodic_jobs(declared: object) -> list[PeriodicJob]:
    """Read another feature's declaration: ``{name: seconds | timedelta}``, or an iterable of
    ``(name, seconds | timedelta[, kwargs])`` or of objects with ``name`` and ``every``."""
    if isinstance(declared, Mapping):
        return [PeriodicJob(str(name), _seconds(every)) for name, every in declared.items()]
    if not isinstance(declared, Iterable):
        raise TypeError(f"periodic_jobs() returned {type(declared).__name__}, not a collection")
    return [_coerce_one(entry) for entry in declared]


def _coerce_one(entry: object) -> PeriodicJob:
    if isinstance(entry, PeriodicJob):
        return entry
    if isinstance(entry, tuple) and len(entry) in (2, 3):
        kwargs = dict(entry[2]) if len(entry) == 3 else {}
        return PeriodicJob(str(entry[0]), _seconds(entry[1]), kwargs)
    name, every = getattr(entry, "name", None), getattr(entry, "every", None)
    if isinstance(name, str) and every is not None:
        return PeriodicJob(name, _seconds(every), dict(getattr(entry, "kwargs", None) or {}))
    raise TypeError(f"cannot read a periodic job from {entry!r}")


def _seconds(every: object) -> float:
    if isinstance(every, timedelta):
        seconds = every.total_seconds()
    elif isinstance(every, int | float) and not isinstance(every, bool):
        seconds = float(every)
    else:
        raise TypeError(f"a periodic job's interval is seconds or a timedelta, not {every!r}")
    if seconds <= 0:
        raise ValueError(f"a periodic job needs a positive interval, not {every!r}")
    return seconds


def beat_schedule(jobs: Sequence[PeriodicJob] | None = None) -> dict[str, dict[str, Any]]:
    """The Celery beat schedule: one entry per periodic job, sending the task of the same name."""
    return {
        job.name: {"task": job.name, "schedule": timedelta(seconds=job.every), "kwargs": job.kwargs}
        for job in (periodic_jobs() if jobs is None else jobs)
    }


class EmbeddedScheduler:
    """The embedded mode's beat: a daemon thread sending each periodic job to the services' job
    runner on its interval. Each job first runs ``initial_delay`` seconds after start (or after
    its interval, if shorter), so a platform restarted often still enforces daily jobs."""

    def __init__(
        self,
        services: Services,
        jobs: Sequence[PeriodicJob] | None = None,
        *,
        initial_delay: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._services = services
        self._jobs = list(periodic_jobs() if jobs is None else jobs)
        self._initial_delay = initial_delay
        self._clock = clock
        self._due: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def jobs(self) -> list[PeriodicJob]:
        return list(self._jobs)

    def start(self) -> None:
        if self._thread is not None:
            return
        now = self._clock()
        self._due = {j.name: now + min(self._initial_delay, j.every) for j in self._jobs}
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="chainless-beat", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def tick(self) -> list[str]:
        """Send every job that is due; returns their names. The next run is one interval after
        this one (missed runs are not caught up: one run covers them, the jobs being idempotent)."""
        now = self._clock()
        sent = []
        for job in self._jobs:
            due = self._due.setdefault(job.name, now + min(self._initial_delay, job.every))
            if due <= now:
                self._due[job.name] = now + job.every
                if self._send(job):
                    sent.append(job.name)
        return sent

    def _send(self, job: PeriodicJob) -> bool:
        runner = self._services.job_runner
        if runner is None:
            log.warning("periodic job %s not sent: the services have no job runner", job.name)
            return False
        try:
            runner.submit(job.name, dict(job.kwargs))
        except Exception:
            log.exception(
                "periodic job %s could not be sent; next try in %.0fs", job.name, job.every
            )
            return False
        return True

    def _sleep_time(self) -> float:
        if not self._due:
            return 1.0
        return min(1.0, max(0.01, min(self._due.values()) - self._clock()))

    def _loop(self) -> None:
        while not self._stop.wait(self._sleep_time()):
            self.tick()
