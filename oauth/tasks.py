"""Background jobs of the wallet login (declared to the assembly by ``oauth.component``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from chainless.oauth import keys, tokens
from chainless.platform.audit import service as audit
from chainless.platform.core.jobs import job
from chainless.platform.core.services import JobScope

ROTATE_SIGNING_KEY = "oauth.rotate_signing_key"

log = logging.getLogger("chainless.oauth.tasks")


@job(ROTATE_SIGNING_KEY, every=timedelta(hours=1))
def rotate_signing_key(scope: JobScope) -> None:
    """Sign with the next key once the current one has signed for ``signing_key_rotation_days``,
    and publish a new next key (``keys.rotate_when_due``; idempotent: a rerun finds a young
    key). The retired key stays in the JWKS until every token it signed has expired."""
    settings = scope.services.settings
    rotation = keys.rotate_when_due(
        scope.session,
        keys.KeyCipher(settings.secret_key),
        rotate_after=timedelta(days=settings.oauth.signing_key_rotation_days),
        token_lifetime=timedelta(seconds=settings.oauth.access_token_ttl_seconds),
    )
    if rotation is None:
        return
    retired, signing = rotation.retired.kid, rotation.signing.kid
    audit.record(
        scope.session,
        audit.SYSTEM,
        "oauth.signing_key_rotated",
        target_type="signing_key",
        target_id=signing,
        summary=f"key {retired} retired after {settings.oauth.signing_key_rotation_days} days",
    )
    tokens.keyring(scope.services).invalidate()
    log.info("signing key rotated", extra={"kid": signing, "retired": retired})
