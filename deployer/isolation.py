"""Run an untrusted build command (``npm ci``, the repository's build) without trusting it.

Every step gets: a throwaway folder owned by an unprivileged build user; an environment built from
nothing (no ``CHAINLESS_*`` or any other variable of the worker); resource limits (CPU seconds,
address space, file size, processes, open files); a wall-clock limit after which the whole step
is killed; and its output captured to a log with a bounded tail for error messages.

When the worker runs as root and ``unshare`` works (detected at run time), the step also runs in
new PID, mount, IPC, UTS and (unless the step needs it) network namespaces: its ``/proc`` shows
only its own processes, the platform's folders are covered by empty tmpfs mounts, it has no
network but an unconfigured loopback, and killing the namespace's first process kills every
process the build started, daemons and fork bombs included. Without namespaces the step still
runs in its own session and process group (killed as a group) under the build user when root;
``require_isolation`` refuses that weaker mode. docs/deployer.md, "Build isolation".
"""

from __future__ import annotations

import contextlib
import os
import resource
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path

from chainless.deployer.build_processes import LogCapture, children, kill_group, live_members
from chainless.deployer.build_steps import (
    BuildFailed,
    BuildLimits,
    Isolation,
    IsolationUnavailable,
    MiB,
    Outcome,
    StepResult,
    classify,
)
from chainless.platform.core.settings import PROJECT_ROOT, Settings

__all__ = [
    "BuildFailed",
    "BuildLimits",
    "Isolation",
    "IsolationUnavailable",
    "Outcome",
    "Sandbox",
    "StepResult",
    "namespaces_available",
    "platform_paths",
    "sandbox_for",
]

SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"


@cache
def namespaces_available() -> bool:
    """Root, ``unshare`` and ``setpriv`` present, and a probe with every namespace succeeds."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("setpriv"):
        return False
    probe = [*_unshare_prefix(network=False), "/bin/true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=10, check=False)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _unshare_prefix(*, network: bool) -> list[str]:
    unshare = shutil.which("unshare") or "unshare"
    spaces = ["--pid", "--fork", "--kill-child", "--mount-proc", "--ipc", "--uts"]
    return [unshare, *([] if network else ["--net"]), *spaces, "--"]


# Inside the namespaces, still root: cover each hidden folder with an empty read-only tmpfs, then
# run the step as the build user (no capabilities, no setuid gains). The shell stays PID 1 of the
# namespace: the kernel shields PID 1 from signals it does not handle, and the step must not get
# that shield against SIGXCPU or its own kill; the shell exits with the step's status (128 + the
# signal when it was killed).
_ENTER = (
    'n="$1"; shift; '
    'while [ "$n" -gt 0 ]; do '
    'mount -t tmpfs -o ro,size=4k,mode=0755,nosuid,nodev chainless-hidden "$1" || exit 125; '
    "shift; n=$((n-1)); done; "
    'uid="$1"; gid="$2"; shift 2; '
    'setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs '
    '--inh-caps=-all --bounding-set=-all -- "$@"'
)


class Sandbox:
    """A throwaway build folder and the steps run in it; use as a context manager.

    ``work`` is where the caller puts the sources; logs live beside it, out of the build's reach.
    """

    def __init__(
        self,
        *,
        base_dir: Path | None = None,
        limits: BuildLimits | None = None,
        isolation: Isolation | None = None,
        require_isolation: bool = False,
        uid: int = 65534,
        gid: int = 65534,
        hidden_paths: Iterable[Path] = (),
    ) -> None:
        self.limits = limits or BuildLimits()
        self.isolation = isolation or (
            Isolation.NAMESPACES if namespaces_available() else Isolation.PROCESS_GROUP
        )
        if self.isolation is Isolation.NAMESPACES and not namespaces_available():
            raise IsolationUnavailable("namespaces were asked for but are not available here")
        if require_isolation and self.isolation is not Isolation.NAMESPACES:
            raise IsolationUnavailable(
                "builds must run in namespaces (CHAINLESS_DEPLOYER__REQUIRE_ISOLATION) but this "
                "worker cannot create them: run it as root with util-linux unshare and setpriv"
            )
        self.drop_privileges = os.geteuid() == 0
        self.uid, self.gid = uid, gid
        self.root = Path(tempfile.mkdtemp(prefix="chainless-build-", dir=base_dir))
        self.root.chmod(0o711)  # the build user may pass through to work/, not list logs/
        self.work = self.root / "work"
        self.logs = self.root / "logs"
        self.work.mkdir()
        self.logs.mkdir(mode=0o700)
        self.hidden = self._hideable(hidden_paths)
        self._steps = 0

    def _hideable(self, paths: Iterable[Path]) -> list[str]:
        """The outermost of the existing folders: one tmpfs over a folder hides all below it.

        A folder inside another hidden one (the data folder inside the checkout, storage inside
        the data folder: the embedded default) is left out. Once the outer folder is covered the
        inner one no longer exists as a mount point, and mounting over it would fail the step.
        """
        folders = set()
        for path in paths:
            resolved = path.resolve()
            if self.root.resolve().is_relative_to(resolved):
                raise IsolationUnavailable(
                    f"the build folder {self.root} lies inside {resolved}, hidden from builds"
                )
            if resolved.is_dir():
                folders.add(resolved)
        outermost = (
            folder
            for folder in folders
            if not any(other != folder and folder.is_relative_to(other) for other in folders)
        )
        return sorted(str(folder) for folder in outermost)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # -- environment and command line -------------------------------------------------------

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """Built from nothing: the worker's variables (and so its secrets) never reach a build."""
        home, tmp = self.work / ".home", self.work / ".tmp"
        env = {
            "PATH": _build_path(),
            "HOME": str(home),
            "TMPDIR": str(tmp),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "CI": "true",
            "npm_config_cache": str(self.work / ".npm"),
            "npm_config_update_notifier": "false",
            "npm_config_fund": "false",
            "npm_config_audit": "false",
        }
        for key, value in (extra or {}).items():
            if key.upper().startswith("CHAINLESS_"):
                raise ValueError(f"{key} is a platform setting and never goes to a build")
            env[key] = value
        return env

    def _command(self, argv: Sequence[str], network: bool) -> list[str]:
        if self.isolation is not Isolation.NAMESPACES:
            return list(argv)
        return [
            *_unshare_prefix(network=network),
            "/bin/sh",
            "-c",
            _ENTER,
            "chainless-enter",
            str(len(self.hidden)),
            *self.hidden,
            str(self.uid),
            str(self.gid),
            *argv,
        ]

    def _prepare_tree(self) -> None:
        for name in (".home", ".tmp"):
            (self.work / name).mkdir(exist_ok=True)
        if not self.drop_privileges:
            return
        for path in [self.work, *self.work.rglob("*")]:
            os.lchown(path, self.uid, self.gid)
        self.work.chmod(0o700)  # another build (another uid) cannot enter it

    def _set_limits(self) -> None:
        """Runs in the child between fork and exec: only async-signal-safe-ish calls."""
        limits = self.limits
        pairs = {
            resource.RLIMIT_CPU: (limits.cpu_seconds, limits.cpu_seconds + 5),
            resource.RLIMIT_AS: (limits.memory_bytes, limits.memory_bytes),
            resource.RLIMIT_FSIZE: (limits.file_bytes, limits.file_bytes),
            resource.RLIMIT_NPROC: (limits.processes, limits.processes),
            resource.RLIMIT_NOFILE: (limits.open_files, limits.open_files),
            resource.RLIMIT_CORE: (0, 0),
        }
        for kind, pair in pairs.items():
            resource.setrlimit(kind, pair)

    # -- running a step ---------------------------------------------------------------------

    def run(
        self,
        step: str,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        network: bool = False,
    ) -> StepResult:
        """Run one step to completion or to its limit; never raises for the build's failures."""
        if network is False and self.isolation is not Isolation.NAMESPACES:
            network = True  # cannot be taken away without a network namespace; say so
        workdir = (cwd or self.work).resolve()
        if not workdir.is_relative_to(self.work.resolve()):
            raise ValueError(f"{workdir} is outside the build folder")
        self._prepare_tree()
        self._steps += 1
        log_path = self.logs / f"{self._steps:02d}-{_safe(step)}.log"
        # without namespaces, Popen itself switches to the build user (the shell does it inside)
        switch = self.isolation is Isolation.PROCESS_GROUP and self.drop_privileges
        switch_user, switch_group = (self.uid, self.gid) if switch else (None, None)
        started = time.monotonic()
        process = subprocess.Popen(  # noqa: S603 (the point: an untrusted command, confined)
            self._command(argv, network),
            cwd=workdir,
            env=self.environment(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=self._set_limits,
            user=switch_user,
            group=switch_group,
            extra_groups=[] if switch_user is not None else None,
            umask=0o077,  # what the build writes is its own
        )
        assert process.stdout is not None
        capture = LogCapture(process.stdout, log_path, self.limits)
        capture.start()
        timed_out = self._wait(process, started)
        self._kill_everything(process)
        capture.join(timeout=5)  # a process that left the group may still hold the pipe
        code = process.returncode
        return self._result(step, argv, code, timed_out, started, capture, log_path, network)

    def _wait(self, process: subprocess.Popen[bytes], started: float) -> bool:
        deadline = started + self.limits.wall_seconds
        while True:
            try:
                process.wait(timeout=max(0.0, min(0.2, deadline - time.monotonic())))
                return False
            except subprocess.TimeoutExpired:
                if time.monotonic() >= deadline:
                    return True

    def _kill_everything(self, process: subprocess.Popen[bytes]) -> None:
        """The namespace's first process (which takes the namespace with it), then the group."""
        if self.isolation is Isolation.NAMESPACES and process.poll() is None:
            for child in children(process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
        kill_group(process.pid)
        process.wait()
        for _ in range(50):  # children forked while the group was being killed need another round
            if not live_members(process.pid) or not kill_group(process.pid):
                break
            time.sleep(0.02)

    def _result(
        self,
        step: str,
        argv: Sequence[str],
        code: int,
        timed_out: bool,
        started: float,
        capture: LogCapture,
        log_path: Path,
        network: bool,
    ) -> StepResult:
        exit_code, signum = (None, -code) if code < 0 else (code, None)
        if signum is None and code > 128 and self.isolation is Isolation.NAMESPACES:
            signum = code - 128  # the namespace's shell reports a killed child as 128 + signal
        tail = capture.tail()
        outcome = classify(code, signum, timed_out, tail)
        return StepResult(
            step=step,
            argv=list(argv),
            outcome=outcome,
            exit_code=exit_code,
            signal=signum,
            duration_seconds=round(time.monotonic() - started, 3),
            log_path=log_path,
            log_bytes=capture.total,
            log_truncated=capture.total > self.limits.log_bytes,
            tail=tail,
            isolation=self.isolation,
            network=network,
            limits=self.limits,
        )


def _build_path() -> str:
    """The standard folders, plus node's when it lives elsewhere (never the platform's venv)."""
    node = shutil.which("node", path=SAFE_PATH) or shutil.which("node")
    folders = SAFE_PATH.split(":")
    if node and str(Path(node).parent) not in folders and ".venv" not in node:
        folders.append(str(Path(node).parent))
    return ":".join(folders)


def _safe(step: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in step)[:40] or "step"


def sandbox_for(settings: Settings, *, base_dir: Path | None = None) -> Sandbox:
    """A sandbox with the configured limits, hiding the platform's folders from the build."""
    config = settings.deployer
    limits = BuildLimits(
        wall_seconds=config.build_wall_seconds,
        cpu_seconds=config.build_cpu_seconds,
        memory_bytes=config.build_memory_mb * MiB,
        file_bytes=config.build_file_mb * MiB,
        processes=config.build_processes,
    )
    offset = secrets.randbelow(config.build_id_range)  # concurrent builds: distinct users
    return Sandbox(
        base_dir=base_dir,
        limits=limits,
        require_isolation=config.require_isolation,
        uid=config.build_uid + offset,
        gid=config.build_gid + offset,
        hidden_paths=platform_paths(settings),
    )


def platform_paths(settings: Settings) -> list[Path]:
    """Folders holding the platform's code, secrets or data: never visible to a build."""
    paths = [PROJECT_ROOT, settings.data_dir, Path.home()]
    if settings.storage.backend == "local":
        paths.append(settings.storage.local_path)  # private objects: documents, other apps' logs
    if settings.is_sqlite:
        paths.append(Path(settings.database_url.split("///", 1)[-1]).parent)
    if settings.signing_key_path is not None:
        paths.append(settings.signing_key_path.parent)
    return paths
