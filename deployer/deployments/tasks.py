"""Background jobs of the deployer: the pipeline, one stage per run."""

from __future__ import annotations

from chainless.deployer.deployments import pipeline
from chainless.platform.core.jobs import job
from chainless.platform.core.services import JobScope


@job(pipeline.RUN_DEPLOYMENT, max_retries=20, backoff_seconds=5.0)
def run_deployment(scope: JobScope, deployment_id: str) -> None:
    """Idempotent: a finished deployment is left alone, a running one resumes at its stage."""
    pipeline.advance(scope.session, scope.services, deployment_id)
