"""Storage keys and public URLs of published releases (all immutable once written).

- ``public/blobs/sha256/<ab>/<sha256>``: each file once (``deployments.artifacts``);
- ``public/sites/<app_id>/<bundle_hash>/index.json``: path → sha256, content type, size; the
  site a bundle hash names never changes;
- ``public/releases/<app_id>/<env>/<version>/<sha256 of the JWS>.jws``: the signed manifest,
  named by its own digest;
- ``private/build-cache/frontend/<key>.json``: a finished frontend build, for reuse.
"""

from __future__ import annotations

import hashlib
import re

HEX64 = re.compile(r"^[0-9a-f]{64}$")
MANIFEST_NAME = re.compile(r"^([0-9a-f]{64})\.jws$")
MANIFEST_CONTENT_TYPE = "application/jose"
INDEX_CONTENT_TYPE = "application/json"


def site_index_key(app_id: str, bundle_hash: str) -> str:
    return f"public/sites/{app_id}/{bundle_hash}/index.json"


def manifest_key(app_id: str, environment: str, version: str, token: str) -> str:
    digest = hashlib.sha256(token.encode()).hexdigest()
    return f"public/releases/{app_id}/{environment}/{version}/{digest}.jws"


def build_cache_key(cache_id: str) -> str:
    return f"private/build-cache/frontend/{cache_id}.json"


def site_path(app_id: str, bundle_hash: str, path: str = "") -> str:
    """Where the CDN serves a file of a published site (relative to the public URL)."""
    return f"/cdn/sites/{app_id}/{bundle_hash}/{path}"


def manifest_path(key: str) -> str:
    """``public/releases/<app>/<env>/<version>/<digest>.jws`` → its CDN path."""
    return "/cdn/" + key.removeprefix("public/")
