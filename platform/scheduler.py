"""Periodic jobs, declared once: a Celery beat schedule in production, a thread when embedded.

Both only *send* jobs (to Celery, or to the services' job runner); the jobs themselves run, retry
and back off like any other. Running two schedulers at once repeats a run early, which is safe
because every job is idempotent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from chainless.platform import assembly
from chainless.platform.core.services import Services

log = logging.getLogger("chainless.scheduler")

MINUTE = 60.0
HOUR = 60 * MINUTE
DAY = 24 * HOUR


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: float  # seconds
    kwargs: dict[str, Any] = field(default_factory=dict)


def periodic_jobs() -> list[PeriodicJob]:
    """Every job a component declares with ``every``, in the components' order: a periodic job
    is scheduled because its component is in the assembly, never because a module was read."""
    return [
        PeriodicJob(spec.name, spec.every)
        for spec in assembly.job_specs()
        if spec.every is not None
    ]


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
