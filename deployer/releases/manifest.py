"""The release manifest: every published file with its SHA-256, signed by the platform key.

The payload is canonical JSON (keys sorted, no spaces, UTF-8) signed as a JWS in compact
serialisation (RFC 7515 §7.1) with ES256 (RFC 7518 §3.4) by the platform's current signing key,
the one whose public half is in the JWKS at ``/oauth/jwks`` (RFC 7517). The wallet fetches the
JWKS, verifies the signature by ``kid``, then checks each file it loads against the manifest's
``sha256``: a file changed anywhere between the build and the webview fails the check.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

FORMAT = "chainless-release/1"
JWS_TYPE = "chainless-release+jws"
ALGORITHM = "ES256"


class InvalidManifest(ValueError):
    pass


def canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def bundle_hash(files: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 over the file list sorted by path: one line ``path NUL sha256 NUL size LF`` each.

    The same files at the same paths give the same hash (it equals the frontend build's digest),
    so it names the published site.
    """
    lines = "".join(
        f"{f['path']}\0{f['sha256']}\0{f['size']}\n" for f in sorted(files, key=lambda f: f["path"])
    )
    return hashlib.sha256(lines.encode()).hexdigest()


EMPTY_BUNDLE = bundle_hash([])  # the site of a release without a frontend: no file at all


def has_frontend(bundle: str) -> bool:
    """Whether a release's bundle names any file: a contracts-only release's names none."""
    return bundle != EMPTY_BUNDLE


def build(
    *,
    app_id: str,
    environment: str,
    version: str,
    commit: str,
    deployment_id: str,
    files: Sequence[Mapping[str, Any]],
    contracts: object | None,
    base_url: str,
    created_at: datetime,
) -> dict[str, Any]:
    listed = [
        {
            "path": f["path"],
            "sha256": f["sha256"],
            "size": f["size"],
            "content_type": f["content_type"],
        }
        for f in sorted(files, key=lambda f: f["path"])
    ]
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "app_id": app_id,
        "environment": environment,
        "version": version,
        "commit": commit,
        "deployment_id": deployment_id,
        "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "bundle_hash": bundle_hash(listed),
        "base_url": base_url,
        "files": listed,
    }
    addresses = contract_addresses(contracts)
    if addresses:
        manifest["contracts"] = addresses
    return manifest


ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
CONTRACT_FIELDS = (
    "name",
    "address",
    "chain_id",
    "environment",
    "transaction_hash",
    "tx_hash",
    "source_verified",
    "code_hash",
)


def contract_addresses(contracts: object) -> list[dict[str, Any]] | None:
    """The deployed contracts' names and addresses from ``artifacts.contracts``, nothing else.

    The contracts stages record far more (ABI, bytecode, metadata, audit); the manifest names
    only what the wallet checks calls against. Accepts a list of entries or a mapping of name
    to entry (or of name to address), or a mapping holding such a list under ``deployed`` or
    ``contracts``; entries without a 0x-address are left out.
    """
    if isinstance(contracts, Mapping):
        for nested in ("deployed", "contracts"):
            inner = contracts.get(nested)
            if isinstance(inner, list) and "chain_id" in contracts:  # the contracts stage's shape
                inner = [
                    {"chain_id": contracts["chain_id"], **entry}
                    for entry in inner
                    if isinstance(entry, Mapping)
                ]
            if isinstance(inner, list | Mapping):
                return contract_addresses(inner)
        entries: list[object] = [
            {"name": name, "address": value} if isinstance(value, str) else {"name": name, **value}
            for name, value in contracts.items()
            if isinstance(value, str | Mapping)
        ]
    elif isinstance(contracts, list):
        entries = list(contracts)
    else:
        return None
    found = [
        {key: entry[key] for key in CONTRACT_FIELDS if key in entry}
        for entry in entries
        if isinstance(entry, Mapping) and ADDRESS.match(str(entry.get("address", "")))
    ]
    return found or None


def sign(manifest: Mapping[str, Any], key: ECKey, kid: str) -> str:
    return sign_payload(canonical(manifest), key, kid)


def sign_payload(payload: bytes, key: ECKey, kid: str) -> str:
    header = {"alg": ALGORITHM, "kid": kid, "typ": JWS_TYPE, "cty": "json"}
    return jws.serialize_compact(header, payload, key, algorithms=[ALGORITHM])


def payload_of(token: str) -> bytes:
    """The signed bytes of a compact JWS, unverified (to sign the very same bytes again)."""
    encoded = token.split(".")[1]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def verify(token: str, jwks: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest if the signature verifies against a key of ``jwks``; else InvalidManifest."""
    try:
        keys = KeySet.import_key_set(dict(jwks))  # type: ignore[arg-type]
        signed = jws.deserialize_compact(token, keys, algorithms=[ALGORITHM])
    except (JoseError, ValueError) as error:
        raise InvalidManifest(f"the manifest's signature does not verify: {error}") from None
    if signed.protected.get("typ") != JWS_TYPE:
        raise InvalidManifest("not a release manifest (typ)")
    payload = json.loads(signed.payload)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise InvalidManifest("unknown manifest format")
    return payload


def check_file(manifest: Mapping[str, Any], path: str, data: bytes) -> None:
    """Raise InvalidManifest unless ``data`` is the file the manifest lists at ``path``."""
    listed = {f["path"]: f for f in manifest["files"]}
    entry = listed.get(path)
    if entry is None:
        raise InvalidManifest(f"{path} is not in the manifest")
    if hashlib.sha256(data).hexdigest() != entry["sha256"] or len(data) != entry["size"]:
        raise InvalidManifest(f"{path} does not match its SHA-256 in the manifest")
