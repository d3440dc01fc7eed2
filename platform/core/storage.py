"""Object storage behind one interface: a local folder (embedded default) or S3-compatible.

Keys are relative POSIX paths; ``private/`` objects (qualification documents, audit certificates)
are never served by the CDN route, ``public/`` objects are.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from chainless.platform.core.settings import StorageSettings


class InvalidKey(ValueError):
    pass


def _checked(key: str) -> str:
    path = PurePosixPath(key)
    if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in key:
        raise InvalidKey(f"invalid storage key {key!r}")
    return str(path)


class ObjectStorage(Protocol):
    def put(self, key: str, data: bytes, *, content_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)  # readers never see a half-written object

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    def __init__(self, settings: StorageSettings) -> None:
        import boto3

        self.bucket = settings.s3_bucket
        self._client: Any = boto3.client(
            "s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region
        )

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        self._client.put_object(
            Bucket=self.bucket, Key=_checked(key), Body=data, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        return bytes(self._client.get_object(Bucket=self.bucket, Key=_checked(key))["Body"].read())

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=_checked(key))
        except ClientError:
            return False
        return True

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=_checked(key))


def make_storage(settings: StorageSettings) -> ObjectStorage:
    return S3Storage(settings) if settings.backend == "s3" else LocalStorage(settings.local_path)
