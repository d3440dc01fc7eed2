"""Reuse of a finished frontend build: the same commit and the same ``[frontend]`` section.

A commit fixes the whole tree, and the section fixes what is built from it (root, build command,
output), so an unchanged redeploy can take the earlier build's stored output instead of running
``npm ci`` and the build again. The entry is written only after every file is stored, and reused
only while every file is still there.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from chainless.deployer.deployments.artifacts import blob_key
from chainless.deployer.manifest import FrontendSection
from chainless.deployer.models import Deployment
from chainless.deployer.releases.keys import INDEX_CONTENT_TYPE, build_cache_key
from chainless.deployer.releases.manifest import canonical
from chainless.platform.core.storage import ObjectStorage


def cache_id(repo_url: str, commit_sha: str, section: FrontendSection) -> str:
    material = canonical([repo_url, commit_sha, section.model_dump(mode="json")])
    return hashlib.sha256(material).hexdigest()


def reusable(
    storage: ObjectStorage, deployment: Deployment, section: FrontendSection
) -> dict[str, Any] | None:
    """The earlier build's ``artifacts.frontend`` (marked ``reused_from``), or None."""
    assert deployment.commit_sha is not None
    key = build_cache_key(cache_id(deployment.repo_url, deployment.commit_sha, section))
    if not storage.exists(key):
        return None
    entry = json.loads(storage.get(key))
    frontend = entry.get("frontend")
    if not isinstance(frontend, dict):
        return None
    if not all(storage.exists(blob_key(f["sha256"])) for f in frontend.get("files", [])):
        return None
    return {**frontend, "reused_from": entry.get("deployment_id")}


def remember(
    storage: ObjectStorage,
    deployment: Deployment,
    section: FrontendSection,
    frontend: dict[str, Any],
) -> None:
    assert deployment.commit_sha is not None
    key = build_cache_key(cache_id(deployment.repo_url, deployment.commit_sha, section))
    entry = {"deployment_id": deployment.id, "frontend": frontend}
    storage.put(key, json.dumps(entry).encode(), content_type=INDEX_CONTENT_TYPE)
