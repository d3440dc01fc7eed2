"""Background jobs: declared once, sent only after the commit, run by Celery or in-process.

``enqueue(session, "mail.send", outbox_id=...)`` buffers a job on the session. When that session
commits, the buffered jobs go to the configured :class:`JobRunner`; on rollback they are dropped.
So a worker never sees a row that does not exist yet, and a crash before the commit loses nothing
that was promised. Every job must be idempotent: runners retry with exponential backoff.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session

from chainless.platform.core.errors import AppError

log = logging.getLogger("chainless.jobs")

JobFunction = Callable[..., None]
RUNNER_KEY = "chainless.job_runner"
BUFFER_KEY = "chainless.pending_jobs"
DEFER_KEY = "chainless.defer_jobs"
DEFERRED_KEY = "chainless.deferred_jobs"


# The longest pause between two runs of a failing job (Celery's ``retry_backoff_max`` too).
MAX_BACKOFF_SECONDS = 600


class RetryJob(AppError):
    """Raised by a job that failed for now: its transaction still commits what it recorded
    about the failure (attempts, last error), then the runner retries it with backoff."""

    status, code, title = 503, "job_retry", "Job will be retried"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, keep_changes=True)


@dataclass(frozen=True)
class JobSpec:
    name: str
    function: JobFunction
    max_retries: int = 5
    backoff_seconds: float = 2.0
    every: float | None = None  # seconds between scheduled runs; None: sent only by enqueue


_SPEC_ATTRIBUTE = "__chainless_job__"
_registry: dict[str, JobSpec] = {}


def job(
    name: str,
    *,
    max_retries: int = 5,
    backoff_seconds: float = 2.0,
    every: timedelta | float | None = None,
) -> Callable[[JobFunction], JobFunction]:
    """Declare ``function`` as the job ``name``, called with keyword arguments only; with
    ``every`` (a timedelta, or seconds) the scheduler also sends it on that interval.

    Declaring registers nothing: the job runs once its component lists it and the assembly
    registers that declaration (``chainless.platform.assembly``, docs/decisions/0010), so no
    job depends on some module having been imported first."""
    seconds = every.total_seconds() if isinstance(every, timedelta) else every
    if seconds is not None and seconds <= 0:
        raise ValueError(f"job {name}: a periodic job needs a positive interval, not {every!r}")

    def declare(function: JobFunction) -> JobFunction:
        spec = JobSpec(name, function, max_retries, backoff_seconds, seconds)
        setattr(function, _SPEC_ATTRIBUTE, spec)
        return function

    return declare


def declared_job(candidate: object) -> JobSpec | None:
    """The job ``candidate`` was declared as with :func:`job`, if it is one."""
    spec = getattr(candidate, _SPEC_ATTRIBUTE, None) if callable(candidate) else None
    return spec if isinstance(spec, JobSpec) else None


def register(spec: JobSpec) -> None:
    """Make the job known to the runners (the assembly calls this for every declared job)."""
    known = _registry.get(spec.name)
    if known is not None and known.function is not spec.function:
        raise ValueError(f"two jobs are declared as {spec.name!r}")
    _registry[spec.name] = spec


def registered_jobs() -> dict[str, JobSpec]:
    return dict(_registry)


def get_job(name: str) -> JobSpec:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"unknown job {name!r}") from None


class JobRunner(Protocol):
    def submit(self, name: str, kwargs: dict[str, Any]) -> None: ...


def enqueue(session: Session, name: str, **kwargs: Any) -> None:
    """Buffer a job to be sent when ``session`` commits."""
    get_job(name)  # fail fast on a typo, inside the request
    session.info.setdefault(BUFFER_KEY, []).append((name, kwargs))


def defer_until_answered(session: Session, *names: str) -> None:
    """Keep the jobs ``names`` that ``session`` commits for :func:`take_deferred`: the endpoint
    sends them once its answer is out, so the broker's round trip leaves the request's latency.
    Only for jobs that a sweep re-sends if the process dies in between (the relay's tracker
    re-sends a broadcast still unsent a minute after acceptance); other jobs go at the commit."""
    for name in names:
        get_job(name)
    session.info[DEFER_KEY] = frozenset(names)


def take_deferred(session: Session) -> Callable[[], None] | None:
    """The sending of the jobs the commit kept (see :func:`defer_until_answered`), to run
    after the answer (a Starlette background task); ``None`` when there are none."""
    session.info.pop(DEFER_KEY, None)  # later commits of the session send as usual
    kept = session.info.pop(DEFERRED_KEY, [])
    runner: JobRunner | None = session.info.get(RUNNER_KEY)
    if not kept or runner is None:
        return None

    def send() -> None:
        for name, kwargs in kept:
            try:
                runner.submit(name, kwargs)
            except Exception:  # the request has answered; the job's sweep sends it later
                log.exception("deferred job %s not sent", name)

    return send


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    pending = session.info.pop(BUFFER_KEY, [])
    runner: JobRunner | None = session.info.get(RUNNER_KEY)
    if not pending:
        return
    deferred: frozenset[str] = session.info.get(DEFER_KEY, frozenset())
    if deferred and runner is not None:
        session.info.setdefault(DEFERRED_KEY, []).extend(j for j in pending if j[0] in deferred)
        pending = [j for j in pending if j[0] not in deferred]
    if runner is None:
        log.warning(
            "jobs dropped: session has no job runner", extra={"jobs": [n for n, _ in pending]}
        )
        return
    for name, kwargs in pending:
        runner.submit(name, kwargs)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(BUFFER_KEY, None)


@dataclass(order=True)
class _Scheduled:
    due: float
    seq: int
    name: str = field(compare=False)
    kwargs: dict[str, Any] = field(compare=False)
    attempt: int = field(compare=False, default=0)


class EmbeddedJobRunner:
    """In-process runner for the embedded default: a worker thread, retries with backoff.

    Jobs are still asynchronous (the request returns before they run) and use the same job
    functions as the Celery workers.
    """

    def __init__(self, *, call: Callable[[JobSpec, dict[str, Any]], None]) -> None:
        self._call = call
        self._queue: queue.PriorityQueue[_Scheduled] = queue.PriorityQueue()
        self._seq = 0
        self._lock = threading.Lock()
        self._idle = threading.Condition()
        self._in_flight = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="chainless-jobs", daemon=True)
        self._thread.start()

    def submit(
        self, name: str, kwargs: dict[str, Any], *, delay: float = 0.0, attempt: int = 0
    ) -> None:
        with self._lock:
            self._seq += 1
            seq = self._seq
        with self._idle:
            self._in_flight += 1
        self._queue.put(_Scheduled(time.monotonic() + delay, seq, name, kwargs, attempt))

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                item = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            wait = item.due - time.monotonic()
            if wait > 0:
                self._queue.put(item)
                self._stop.wait(min(wait, 0.2))
                continue
            self._run(item)

    def _run(self, item: _Scheduled) -> None:
        spec = get_job(item.name)
        try:
            self._call(spec, item.kwargs)
        except Exception as error:
            if item.attempt < spec.max_retries:
                delay = min(spec.backoff_seconds * (2**item.attempt), MAX_BACKOFF_SECONDS)
                if isinstance(error, RetryJob):  # expected and recorded: one line, its reason
                    log.warning("job %s: %s; retrying in %.1fs", item.name, error.detail, delay)
                else:
                    log.warning("job %s failed, retrying in %.1fs", item.name, delay, exc_info=True)
                self.submit(item.name, item.kwargs, delay=delay, attempt=item.attempt + 1)
            else:
                log.exception(
                    "job %s failed for good after %d attempts", item.name, item.attempt + 1
                )
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no job is queued or running (for tests and graceful shutdown)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
