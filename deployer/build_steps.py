"""What a build step may use and what became of it: limits, outcomes, results, failures.

Shared by the sandbox (``isolation.py``) that enforces the limits and the stages that report a
step's fate to the developer.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from chainless.platform.core.errors import AppError

MiB = 1024 * 1024
_MEMORY_SIGNS = (
    "MemoryError",
    "Cannot allocate memory",
    "out of memory",
    "bad_alloc",
    "ENOMEM",
    "memory allocation",
)


class Isolation(StrEnum):
    NAMESPACES = "namespaces"
    PROCESS_GROUP = "process_group"


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CPU_LIMIT = "cpu_limit"
    MEMORY_LIMIT = "memory_limit"
    FILE_LIMIT = "file_limit"


class IsolationUnavailable(AppError):
    status, code, title = 503, "isolation_unavailable", "Build isolation unavailable"


class BuildFailed(AppError):
    """A build step did not succeed; ``step``, ``outcome`` and the log tail say what happened."""

    status, code, title = 422, "build_failed", "Build failed"


@dataclass(frozen=True)
class BuildLimits:
    wall_seconds: float = 900
    cpu_seconds: int = 600
    memory_bytes: int = 4096 * MiB  # address space (RLIMIT_AS) of each process
    file_bytes: int = 512 * MiB  # largest file a step may write
    processes: int = 512  # processes of the build user at once (RLIMIT_NPROC)
    open_files: int = 1024
    log_bytes: int = 8 * MiB  # kept in the step's log file; the rest is counted, not kept
    tail_bytes: int = 8 * 1024  # shown with a failure


@dataclass
class StepResult:
    step: str
    argv: list[str]
    outcome: Outcome
    exit_code: int | None
    signal: int | None
    duration_seconds: float
    log_path: Path
    log_bytes: int
    log_truncated: bool
    tail: str
    isolation: Isolation
    network: bool
    limits: BuildLimits = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.SUCCEEDED

    @property
    def message(self) -> str:
        """One sentence naming the step and what stopped it."""
        limits = self.limits
        if self.outcome is Outcome.SUCCEEDED:
            return f"step {self.step!r} succeeded"
        if self.outcome is Outcome.TIMED_OUT:
            return f"step {self.step!r} ran longer than {limits.wall_seconds:g} s and was killed"
        if self.outcome is Outcome.CPU_LIMIT:
            return f"step {self.step!r} used more than {limits.cpu_seconds} s of CPU"
        if self.outcome is Outcome.MEMORY_LIMIT:
            return (
                f"step {self.step!r} ran out of memory (limit {limits.memory_bytes // MiB} MiB "
                "per process)"
            )
        if self.outcome is Outcome.FILE_LIMIT:
            return f"step {self.step!r} wrote a file over {limits.file_bytes // MiB} MiB"
        how = f"signal {self.signal}" if self.signal else f"exit code {self.exit_code}"
        return f"step {self.step!r} failed ({how})"

    def raise_for_failure(self) -> StepResult:
        if not self.ok:
            raise BuildFailed(
                f"{self.message}; last lines of its log:\n{self.tail}",
                step=self.step,
                outcome=str(self.outcome),
                exit_code=self.exit_code,
                log_tail=self.tail,
            )
        return self


def classify(code: int, signum: int | None, timed_out: bool, tail: str) -> Outcome:
    if timed_out:
        return Outcome.TIMED_OUT
    if code == 0:
        return Outcome.SUCCEEDED
    if signum == signal.SIGXCPU:
        return Outcome.CPU_LIMIT
    if signum == signal.SIGXFSZ:
        return Outcome.FILE_LIMIT
    if any(sign in tail for sign in _MEMORY_SIGNS):
        return Outcome.MEMORY_LIMIT
    return Outcome.FAILED
