"""The pipeline's ``release`` stage: sign the manifest, publish the version, maybe go live.

Runs last, after the frontend (and, when the manifest has them, the contracts). The version is
the manifest's ``[app] version`` and must be greater than every version published to the
environment before (semver precedence), except a redeploy of the very same release (same
version, commit and files), which changes nothing. With the deployment's ``rollout`` at
``immediate`` the new release becomes current in the same transaction (a blue-green switch);
``staged`` leaves it for a canary or a promotion.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from chainless.deployer.manifest import Manifest
from chainless.deployer.models import Deployment, Release, ReleaseChannel
from chainless.deployer.releases import keys, repository
from chainless.deployer.releases import manifest as release_manifest
from chainless.oauth.tokens import keyring
from chainless.platform.apps.semver import Version
from chainless.platform.audit import service as audit
from chainless.platform.core.clock import utcnow
from chainless.platform.core.errors import Conflict
from chainless.platform.core.security import new_hex_id
from chainless.platform.core.storage import ObjectStorage

if TYPE_CHECKING:
    from chainless.deployer.deployments.pipeline import StageContext

IMMEDIATE = "immediate"


def run(context: StageContext) -> str:
    deployment = context.deployment
    session = context.session
    assert deployment.commit_sha is not None
    assert deployment.manifest is not None
    version = Manifest.model_validate(deployment.manifest).app.version
    artifacts = deployment.artifacts or {}
    files: list[dict[str, Any]] = list((artifacts.get("frontend") or {}).get("files", []))
    bundle = release_manifest.bundle_hash(files)
    channel = repository.channel_for_update(session, deployment.app_id, deployment.environment)
    same = repository.release_by_version(
        session, deployment.app_id, deployment.environment, version
    )
    if same is not None and (same.commit_sha, same.bundle_hash) == (deployment.commit_sha, bundle):
        return f"release {version} is already published from this commit and files: unchanged"
    _check_increasing(session, deployment, version)
    release = _publish(context, deployment, version, files, artifacts.get("contracts"))
    if deployment.rollout == IMMEDIATE:
        previous = repository.release_by_id(session, channel.current_release_id)
        switch(channel, release, actor=deployment.requested_by)
        repository.add_event(
            session, release, "released", actor=deployment.requested_by, previous=previous
        )
        action, note = "release.released", "published and live"
    else:
        repository.add_event(session, release, "published", actor=deployment.requested_by)
        action, note = "release.published", "published, waiting for a canary or a promotion"
    audit.record(
        session,
        deployment.requested_by,
        action,
        target_type="release",
        target_id=release.id,
        app_id=deployment.app_id,
        summary=f"{version} to {deployment.environment} from {deployment.commit_sha[:12]}, "
        f"deployment {deployment.id} requested by {deployment.requested_by}",
    )
    return f"release {version} {note}, site {bundle[:12]}"


def _check_increasing(session: Session, deployment: Deployment, version: str) -> None:
    highest = repository.highest_version(session, deployment.app_id, deployment.environment)
    if highest is not None and not Version.parse(version) > highest:
        raise Conflict(
            f"version {version} is not greater than {highest}, the highest published to "
            f"{deployment.environment}; raise [app] version in chainless.toml",
            code="version_not_increasing",
            highest=str(highest),
        )


def _publish(
    context: StageContext,
    deployment: Deployment,
    version: str,
    files: list[dict[str, Any]],
    contracts: object,
) -> Release:
    """Store the site's index and the signed manifest (both immutable), then the release row."""
    assert deployment.commit_sha is not None
    storage = context.services.storage
    bundle = release_manifest.bundle_hash(files)
    base_url = context.services.settings.public_url + keys.site_path(deployment.app_id, bundle)
    payload = release_manifest.build(
        app_id=deployment.app_id,
        environment=deployment.environment,
        version=version,
        commit=deployment.commit_sha,
        deployment_id=deployment.id,
        files=files,
        contracts=contracts,
        base_url=base_url,
        created_at=utcnow(),
    )
    signing = keyring(context.services).signing_key(context.session)
    token = release_manifest.sign(payload, signing.key, signing.kid)
    store_site_index(storage, deployment.app_id, bundle, files)
    manifest_key = keys.manifest_key(deployment.app_id, deployment.environment, version, token)
    if not storage.exists(manifest_key):
        storage.put(manifest_key, token.encode(), content_type=keys.MANIFEST_CONTENT_TYPE)
    return repository.add_release(
        context.session,
        Release(
            id=new_hex_id(),
            app_id=deployment.app_id,
            environment=deployment.environment,
            version=version,
            deployment_id=deployment.id,
            commit_sha=deployment.commit_sha,
            bundle_hash=bundle,
            manifest_key=manifest_key,
            manifest_kid=signing.kid,
            created_by=deployment.requested_by,
            created_at=utcnow(),
        ),
    )


def store_site_index(
    storage: ObjectStorage, app_id: str, bundle: str, files: list[dict[str, Any]]
) -> None:
    key = keys.site_index_key(app_id, bundle)
    if storage.exists(key):
        return  # the same bundle hash is the same site: written once
    index = {f["path"]: [f["sha256"], f["content_type"], f["size"]] for f in files}
    storage.put(key, json.dumps(index, sort_keys=True).encode(), content_type="application/json")


def switch(channel: ReleaseChannel, release: Release, *, actor: str) -> None:
    """Make ``release`` current and drop any canary: one row update under the channel's lock."""
    channel.current_release_id = release.id
    channel.canary_release_id = None
    channel.canary_percent = 0
    channel.updated_at = utcnow()
    channel.updated_by = actor[:64]


def clear_canary(channel: ReleaseChannel, actor: str) -> None:
    channel.canary_release_id = None
    channel.canary_percent = 0
    channel.updated_at = utcnow()
    channel.updated_by = actor[:64]
