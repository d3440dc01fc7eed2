"""Where a deployment's products go in object storage.

Step logs are private (``private/deployments/<id>/logs/...``), read back through the API by
those who may read the app. Frontend files are public and content-addressed
(``public/blobs/sha256/<ab>/<sha256>``): identical files are stored once across versions and
apps, and a release (a later stage) maps paths to these hashes.
"""

from __future__ import annotations

from pathlib import Path

from chainless.deployer.frontend import FrontendBuild
from chainless.platform.core.storage import ObjectStorage

LOG_CONTENT_TYPE = "text/plain; charset=utf-8"


def log_key(deployment_id: str, name: str) -> str:
    return f"private/deployments/{deployment_id}/logs/{name}"


def blob_key(sha256: str) -> str:
    return f"public/blobs/sha256/{sha256[:2]}/{sha256}"


def store_logs(storage: ObjectStorage, deployment_id: str, folder: Path) -> list[dict[str, object]]:
    """Upload every step log of a sandbox; returns what the deployment's event records."""
    stored: list[dict[str, object]] = []
    for path in sorted(folder.glob("*.log")):
        data = path.read_bytes()
        storage.put(log_key(deployment_id, path.name), data, content_type=LOG_CONTENT_TYPE)
        stored.append({"name": path.name, "bytes": len(data)})
    return stored


def store_files(storage: ObjectStorage, built: FrontendBuild) -> None:
    for item in built.files:
        key = blob_key(item.sha256)
        if not storage.exists(key):
            data = (built.output / item.path).read_bytes()
            storage.put(key, data, content_type=item.content_type)


def describe(built: FrontendBuild) -> dict[str, object]:
    return {
        "digest": built.digest,
        "total_bytes": built.total_bytes,
        "offline_install": built.offline_install,
        "files": [
            {"path": f.path, "sha256": f.sha256, "size": f.size, "content_type": f.content_type}
            for f in built.files
        ],
        "steps": [
            {
                "step": s.step,
                "outcome": str(s.outcome),
                "duration_seconds": s.duration_seconds,
                "isolation": str(s.isolation),
                "network": s.network,
            }
            for s in built.steps
        ],
    }
