"""The processes of a build step: capturing their output, and killing every one of them."""

from __future__ import annotations

import os
import signal
import threading
from collections import deque
from pathlib import Path
from typing import IO

from chainless.deployer.build_steps import BuildLimits


class LogCapture(threading.Thread):
    """Copies the step's output to its log file (up to ``log_bytes``) and keeps a tail."""

    def __init__(self, stream: IO[bytes], path: Path, limits: BuildLimits) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.path = path
        self.limits = limits
        self.total = 0
        self._tail: deque[bytes] = deque()
        self._tail_size = 0

    def run(self) -> None:
        with self.path.open("wb") as log:
            fd = self.stream.fileno()
            for chunk in iter(lambda: os.read(fd, 64 * 1024), b""):
                room = self.limits.log_bytes - self.total
                if room > 0:
                    log.write(chunk[:room])
                self.total += len(chunk)
                self._keep(chunk)
            if self.total > self.limits.log_bytes:
                log.write(f"\n[log truncated: {self.total} bytes in all]\n".encode())
        self.stream.close()

    def _keep(self, chunk: bytes) -> None:
        self._tail.append(chunk)
        self._tail_size += len(chunk)
        while self._tail and self._tail_size - len(self._tail[0]) >= self.limits.tail_bytes:
            self._tail_size -= len(self._tail.popleft())

    def tail(self) -> str:
        data = b"".join(self._tail)[-self.limits.tail_bytes :]
        return data.decode("utf-8", errors="replace")


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def kill_group(pgid: int) -> bool:
    """SIGKILL the process group; ``False`` once nothing is left in it."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def live_members(pgid: int) -> bool:
    """Whether a process other than a zombie is still in the group (from ``/proc/<pid>/stat``)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False
