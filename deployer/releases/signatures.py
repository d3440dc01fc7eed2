"""Renew the signatures of release manifests after the platform key rotated.

A retired key leaves the JWKS once the last access token it signed has expired (minutes after
the rotation, ``oauth/keys.py``), but a release is loaded for as long as it is current or
within the rollback window. So every few minutes the manifests signed by any other key than the
current one are signed again with it: the payload is the very same bytes (same files, same
hashes, same ``created_at``), stored as a new immutable object named by its own digest, and the
release points at it. The old object is kept: anything that fetched it had verified it then.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chainless.deployer.releases import keys, repository
from chainless.deployer.releases import manifest as release_manifest
from chainless.oauth.tokens import keyring
from chainless.platform.core.services import Services

BATCH = 200


def renew(session: Session, services: Services, *, batch: int = BATCH) -> int:
    """Sign again up to ``batch`` manifests signed by an older key; returns how many."""
    signing = keyring(services).signing_key(session)
    storage = services.storage
    stale = repository.signed_by_other_key(session, signing.kid, batch)
    for release in stale:
        payload = release_manifest.payload_of(storage.get(release.manifest_key).decode())
        token = release_manifest.sign_payload(payload, signing.key, signing.kid)
        key = keys.manifest_key(release.app_id, release.environment, release.version, token)
        if not storage.exists(key):
            storage.put(key, token.encode(), content_type=keys.MANIFEST_CONTENT_TYPE)
        release.manifest_key, release.manifest_kid = key, signing.kid
    return len(stale)
