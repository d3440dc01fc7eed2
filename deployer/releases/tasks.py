"""Background jobs of releases: keeping manifest signatures verifiable across key rotations."""

from __future__ import annotations

from datetime import timedelta

from chainless.deployer.releases import signatures
from chainless.platform.core.jobs import job
from chainless.platform.core.services import JobScope

RENEW_SIGNATURES = "deployer.renew_manifest_signatures"


# every two minutes: well within the minutes a retired key stays published (a token's lifetime)
@job(RENEW_SIGNATURES, max_retries=3, backoff_seconds=10.0, every=timedelta(minutes=2))
def renew_manifest_signatures(scope: JobScope) -> None:
    """Idempotent: a manifest already signed by the current key is left alone."""
    signatures.renew(scope.session, scope.services)
