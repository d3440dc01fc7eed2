"""On-disk cache of compiled contracts, keyed by everything that determines the compiler output.

A compilation of ``contracts/src`` takes seconds (solc-js in node); tests, the sandbox and
``chainless run`` ask for it often. Entries are JSON files named by the key, written atomically
(temporary file + rename) so parallel test workers never read half a file; an unreadable entry is
treated as absent and rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FORMAT = 1  # bump when the stored layout changes


def cache_key(sources: Mapping[str, str], compiler: Mapping[str, Any]) -> str:
    """sha256 over the sources (names and contents), the compiler identity and its settings."""
    document = {
        "format": FORMAT,
        "sources": {
            name: hashlib.sha256(text.encode()).hexdigest() for name, text in sources.items()
        },
        "compiler": compiler,
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def entry_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"{key}.json"


def load(cache_dir: Path, key: str) -> dict[str, Any] | None:
    """The stored contracts for ``key``, or None when absent or unreadable."""
    try:
        data = json.loads(entry_path(cache_dir, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    contracts = data.get("contracts")
    return contracts if isinstance(contracts, dict) else None


def store(cache_dir: Path, key: str, contracts: Mapping[str, Any]) -> Path:
    """Write the entry for ``key`` atomically; returns its path."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = entry_path(cache_dir, key)
    fd, temporary = tempfile.mkstemp(prefix=f".{key[:16]}-", suffix=".tmp", dir=cache_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"key": key, "contracts": contracts}, handle)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target
