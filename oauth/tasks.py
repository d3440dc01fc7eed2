"""Background jobs of the wallet login (declared to the assembly by ``oauth.component``)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from chainless.oauth import keys, tokens
from chainless.oauth.models import SigningKey
from chainless.platform.audit import service as audit
from chainless.platform.core.clock import utcnow
from chainless.platform.core.jobs import job
from chainless.platform.core.services import JobScope

ROTATE_SIGNING_KEY = "oauth.rotate_signing_key"

log = logging.getLogger("chainless.oauth.tasks")


@job(ROTATE_SIGNING_KEY, every=timedelta(hours=1))
def rotate_signing_key(scope: JobScope) -> None:
    """Start signing with a fresh key once the current one is ``signing_key_rotation_days`` old.

    Idempotent: a rerun finds a young key and does nothing. The retired key stays in the JWKS
    until every token it signed has expired (``keys.rotate``).
    """
    settings = scope.services.settings
    current = scope.session.scalars(
        select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc())
        .limit(1)
        .with_for_update()
    ).first()
    if current is None:
        return  # the first token creates the first key
    if utcnow() - current.created_at < timedelta(days=settings.oauth.signing_key_rotation_days):
        return
    created = keys.rotate(
        scope.session,
        keys.KeyCipher(settings.secret_key),
        token_lifetime=timedelta(seconds=settings.oauth.access_token_ttl_seconds),
    )
    audit.record(
        scope.session,
        audit.SYSTEM,
        "oauth.signing_key_rotated",
        target_type="signing_key",
        target_id=created.kid,
        summary=f"key {current.kid} retired after {settings.oauth.signing_key_rotation_days} days",
    )
    tokens.keyring(scope.services).invalidate()
    log.info("signing key rotated", extra={"kid": created.kid, "retired": current.kid})
