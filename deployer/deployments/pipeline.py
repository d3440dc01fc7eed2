"""The deployment pipeline: one stage per job run, each in its own transaction.

A job run claims the deployment (one running per app and environment: a later one waits, retried
with backoff), runs the next stage, records its outcome as an event, and either sends the job
again for the following stage (so each stage's progress is committed and visible) or finishes the
deployment. Stages are idempotent: a retried stage starts over from its inputs (the commit SHA is
fixed once resolved, so a re-fetch yields the same tree), and nothing is kept on a worker's disk
between stages. A stage may also end a run early (``StageContinues``) so that a step is
committed before the next one: the contracts stage records a signed transaction before it is
broadcast.

Stages so far: ``source`` (resolve, fetch, check the manifest against the tree) and ``frontend``
(``npm ci`` and the build in the sandbox, the output stored content-addressed, every step's log
attached to the deployment; an unchanged commit and ``[frontend]`` section reuse the earlier build);
between source and frontend ``compile``, ``audit`` and ``contracts``
(``chainless.deployer.contracts.stages``); last ``release`` (``releases/publish.py``: the signed
manifest, the version published to the environment).

A deployment can be cancelled (``cancellation.py``): at once while it waits, else at the next stage
or step boundary; a stage that has started runs to its end, so what it produced stays consistent.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from chainless.deployer.contracts.deploy_stage import contracts_stage
from chainless.deployer.contracts.stages import audit_stage, compile_stage
from chainless.deployer.deployments import artifacts, repository
from chainless.deployer.deployments.progress import StageContinues
from chainless.deployer.frontend import build_frontend
from chainless.deployer.isolation import sandbox_for
from chainless.deployer.manifest import Manifest, load_manifest
from chainless.deployer.models import Deployment, DeploymentEvent, DeploymentStatus
from chainless.deployer.models.deployments import FINISHED_STATUSES
from chainless.deployer.releases import buildcache, publish
from chainless.deployer.sources import SourceTree, SourceUnavailable, check_ref, source_for
from chainless.platform.core import jobs
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import AppError, Unprocessable
from chainless.platform.core.jobs import RetryJob
from chainless.platform.core.services import Services

RUN_DEPLOYMENT = "deployer.run_deployment"
# A deployment still "running" this long after it started lost its worker for good (its job ran
# out of retries): it no longer holds up the app's queue and is marked failed.
STALE_AFTER = timedelta(hours=2)
# A deployment first in its queue but still "queued" this long after anything moved (its own
# events, or the queue's last finished deployment, which wakes it) lost its job: the embedded
# runner's queue is in memory and gone after a restart, and a job that keeps failing before its
# first event runs out of retries. It no longer holds up the queue either.
QUEUED_STALE_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class StageContext:
    session: Session
    services: Services
    deployment: Deployment
    logs: list[dict[str, object]] = field(default_factory=list)  # step logs stored by the stage


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[StageContext], str]  # returns the event's message


def _source(context: StageContext) -> str:
    """Resolve the ref once, fetch that commit, and check its manifest and README."""
    deployment = context.deployment
    backend = source_for(deployment.repo_url, context.services.settings)
    if deployment.commit_sha is None:
        deployment.commit_sha = backend.resolve(deployment.repo_url, check_ref(deployment.ref))
    with fetched(context) as tree:
        manifest = load_manifest(tree.root)
    if not manifest.deploy.allows(deployment.environment):
        raise Unprocessable(
            f"the manifest targets {manifest.deploy.environment}; this version may not be "
            f"deployed to {deployment.environment} (raise [deploy] environment in chainless.toml)",
            code="environment_not_targeted",
        )
    deployment.manifest = manifest.model_dump(mode="json")
    return (
        f"{manifest.app.name} {manifest.app.version} at {deployment.commit_sha[:12]}: "
        f"{tree.tree.files} files, {tree.tree.total_bytes} bytes"
    )


@contextmanager
def fetched(context: StageContext) -> Iterator[SourceTree]:
    """The deployment's commit, extracted in a scratch folder for the length of the block."""
    deployment = context.deployment
    assert deployment.commit_sha is not None
    backend = source_for(deployment.repo_url, context.services.settings)
    with tempfile.TemporaryDirectory(prefix="chainless-source-") as scratch:
        tree = backend.fetch(deployment.repo_url, deployment.commit_sha, Path(scratch) / "src")
        yield SourceTree(deployment.repo_url, deployment.ref, deployment.commit_sha, tree)


def _frontend(context: StageContext) -> str:
    """Install and build in the sandbox; store the output content-addressed, attach the logs."""
    deployment = context.deployment
    manifest = Manifest.model_validate(deployment.manifest)
    if manifest.frontend is None:
        return "no frontend in the manifest"
    storage = context.services.storage
    reused = buildcache.reusable(storage, deployment, manifest.frontend)
    if reused is not None:
        deployment.artifacts = {**(deployment.artifacts or {}), "frontend": reused}
        return f"reused the build of deployment {reused['reused_from']} (same commit and section)"
    with fetched(context) as tree, sandbox_for(context.services.settings) as sandbox:
        try:
            built = build_frontend(tree.root, manifest.frontend, sandbox)
            artifacts.store_files(storage, built)
        finally:
            context.logs.extend(artifacts.store_logs(storage, deployment.id, sandbox.logs))
    described = artifacts.describe(built)
    buildcache.remember(storage, deployment, manifest.frontend, described)
    deployment.artifacts = {**(deployment.artifacts or {}), "frontend": described}
    return (
        f"built {len(built.files)} files ({built.total_bytes} bytes), site {built.digest[:12]}, "
        f"{'offline' if built.offline_install else 'online'} install"
    )


STAGES: tuple[Stage, ...] = (
    Stage("source", _source),
    Stage("compile", compile_stage),
    Stage("audit", audit_stage),
    Stage("contracts", contracts_stage),
    Stage("frontend", _frontend),
    Stage("release", publish.run),  # last: signs the manifest, publishes the version
)


def _claim(session: Session, deployment: Deployment) -> None:
    """Start a queued deployment unless another of the same app and environment is ahead."""
    repository.lock_app(session, deployment.app_id)
    blocking = repository.ahead_of(session, deployment)
    while blocking is not None:
        stale = _stale(session, blocking)
        if stale is None:
            break
        error = AppError(f"{stale}; deployment {deployment.id} went ahead", code="deployment_stale")
        _fail(session, blocking, blocking.stage or "queue", error, logs=[])
        blocking = repository.ahead_of(session, deployment)
    if blocking is not None:
        if deployment.stage != "waiting":
            deployment.stage = "waiting"
            repository.add_event(
                session, deployment, "queue", "waiting", f"waiting for deployment {blocking.id}"
            )
        raise RetryJob(f"deployment {deployment.id} waits for {blocking.id}")
    deployment.status = DeploymentStatus.RUNNING
    deployment.started_at = utcnow()
    deployment.stage = _resumed_stage(deployment) or STAGES[0].name
    deployment.resume_stage = None


def _resumed_stage(deployment: Deployment) -> str | None:
    """A retried deployment starts again at the stage that failed (POST .../retry)."""
    names = {stage.name for stage in STAGES}
    return deployment.resume_stage if deployment.resume_stage in names else None


def _stale(session: Session, deployment: Deployment) -> str | None:
    """Why a deployment ahead no longer holds up the queue, or ``None`` while it may."""
    started = deployment.started_at
    if deployment.status == DeploymentStatus.RUNNING:
        if started is not None and utcnow() - started > STALE_AFTER:
            return f"no progress since {started:%Y-%m-%d %H:%M} UTC"
        return None
    moved = repository.last_activity(session, deployment)
    if utcnow() - moved > QUEUED_STALE_AFTER:
        return (
            f"queued with no progress since {moved:%Y-%m-%d %H:%M} UTC (its job was lost: the "
            "platform restarted, or the job kept failing before it could start)"
        )
    return None


def _finished(session: Session, deployment: Deployment) -> None:
    """Wake the next queued deployment of the same app and environment at once."""
    deployment.finished_at = utcnow()
    waiting = repository.next_queued(session, deployment)
    if waiting is not None:
        jobs.enqueue(session, RUN_DEPLOYMENT, deployment_id=waiting.id)


def _fail(
    session: Session,
    deployment: Deployment,
    stage: str,
    error: AppError,
    *,
    logs: list[dict[str, object]],
) -> None:
    deployment.status = DeploymentStatus.FAILED
    deployment.error_code = error.code
    deployment.error_detail = error.detail[:4000]
    _finished(session, deployment)
    data = {
        "code": error.code,
        **{k: v for k, v in error.extra.items() if _plain(v)},
        "logs": logs,
    }
    repository.add_event(session, deployment, stage, "failed", error.detail[:4000], data)


def cancel(session: Session, deployment: Deployment, request: DeploymentEvent | None) -> None:
    """End the deployment as cancelled before its next stage (``deployment.stage``), which a
    retry resumes from."""
    by = (request.data.get("by") if request is not None else None) or "a developer"
    detail = (
        f"cancelled by {by} before the {deployment.stage} stage"
        if deployment.status == DeploymentStatus.RUNNING
        else f"cancelled by {by} while queued"
    )
    deployment.status = DeploymentStatus.CANCELLED
    deployment.error_code = "deployment_cancelled"
    deployment.error_detail = detail
    _finished(session, deployment)
    repository.add_event(session, deployment, "deployment", "cancelled", detail)


def _plain(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list)


def _gave_up(error: SourceUnavailable, attempts: int) -> SourceUnavailable:
    """The failure of a stage whose host stayed away for all its attempts: the queue must not
    wait on it for hours, and the developer must hear why."""
    return SourceUnavailable(
        f"{error.detail}; gave up after {attempts} attempts. Check that the repository's host "
        "answers, then retry the deployment",
        attempts=attempts,
    )


def advance(session: Session, services: Services, deployment_id: str) -> None:
    """Run the deployment's next stage; does nothing for a finished or unknown deployment."""
    deployment = repository.for_job(session, deployment_id)
    if deployment is None or deployment.status in FINISHED_STATUSES:
        return
    request = repository.cancel_request(session, deployment)
    if request is not None:
        cancel(session, deployment, request)
        return
    if deployment.status == DeploymentStatus.QUEUED:
        _claim(session, deployment)
    index = next((i for i, s in enumerate(STAGES) if s.name == deployment.stage), 0)
    stage = STAGES[index]
    repository.add_event(session, deployment, stage.name, "started")
    context = StageContext(session, services, deployment)
    try:
        message = stage.run(context)
    except StageContinues as step:
        repository.add_event(session, deployment, stage.name, "progress", step.message)
        jobs.enqueue(session, RUN_DEPLOYMENT, deployment_id=deployment.id)
        return
    except SourceUnavailable as error:
        attempt = repository.retries_of(session, deployment, stage.name) + 1
        budget = services.settings.deployer.source_attempts
        if error.budgeted and attempt >= budget:
            _fail(session, deployment, stage.name, _gave_up(error, attempt), logs=context.logs)
            return
        data = {"code": error.code, "attempt": attempt}
        if error.budgeted:
            data["attempts"] = budget
        repository.add_event(session, deployment, stage.name, "retrying", error.detail, data)
        raise RetryJob(error.detail) from None
    except AppError as error:
        _fail(session, deployment, stage.name, error, logs=context.logs)
        return
    repository.add_event(
        session, deployment, stage.name, "succeeded", message, {"logs": context.logs}
    )
    if index + 1 < len(STAGES):
        deployment.stage = STAGES[index + 1].name
        request = repository.cancel_request(session, deployment)  # asked while the stage ran
        if request is not None:
            cancel(session, deployment, request)
            return
        jobs.enqueue(session, RUN_DEPLOYMENT, deployment_id=deployment.id)
        return
    deployment.status = DeploymentStatus.SUCCEEDED
    _finished(session, deployment)
    repository.add_event(session, deployment, "deployment", "succeeded")
