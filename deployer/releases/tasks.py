"""Background jobs of releases: keeping manifest signatures verifiable across key rotations."""

from __future__ import annotations

from chainless.deployer.releases import signatures
from chainless.platform.core.jobs import job
from chainless.platform.core.services import JobScope

RENEW_SIGNATURES = "deployer.renew_manifest_signatures"


def periodic_jobs() -> list[tuple[str, float]]:
    """Well within the minutes a retired key stays published (the access-token lifetime)."""
    return [(RENEW_SIGNATURES, 120.0)]


@job(RENEW_SIGNATURES, max_retries=3, backoff_seconds=10.0)
def renew_manifest_signatures(scope: JobScope) -> None:
    """Idempotent: a manifest already signed by the current key is left alone."""
    signatures.renew(scope.session, scope.services)
