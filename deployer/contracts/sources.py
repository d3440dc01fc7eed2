"""The standard-JSON input of a repository's contracts, built from the fetched tree.

The input holds the content of every source the manifest's contracts import, followed through
their ``import`` statements, so its sha256 changes whenever any of them does: that hash is the
build cache's key. ``@openzeppelin/...`` imports are left to the toolchain's import callback,
which reads the pinned package under the same portable names (toolchain/README.md); its version
is part of the key instead. Compiler settings are fixed here, and recorded with every build.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from chainless.deployer.manifest import ContractSpec
from chainless.platform.core.errors import Unprocessable

# Solidity docs, "Importing other Source Files": import "x"; import * as a from "x";
# import {a} from "x"; import "x" as a;
_IMPORT = re.compile(r"""^\s*import\s+(?:[^;'"]*?\bfrom\s+)?["']([^"']+)["']""", re.MULTILINE)
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
IMPLICIT_PREFIXES = ("@openzeppelin/",)
MAX_SOURCES = 500

# cancun: the newest fork most production EVM chains run (chain/contracts/compiler.py).
EVM_VERSION = "cancun"
OPTIMIZER = {"enabled": True, "runs": 200}
OUTPUT_SELECTION = [
    "abi",
    "metadata",
    "evm.bytecode.object",
    "evm.deployedBytecode.object",
    "evm.deployedBytecode.immutableReferences",
]


def compiler_settings() -> dict[str, Any]:
    """The settings every app contract is compiled with (the same for every build)."""
    return {
        "optimizer": dict(OPTIMIZER),
        "evmVersion": EVM_VERSION,
        "metadata": {"bytecodeHash": "ipfs"},
        "outputSelection": {"*": {"*": list(OUTPUT_SELECTION)}},
    }


def _resolve(importer: str, path: str) -> str:
    """The source unit name solc gives an import: ``./`` and ``../`` relative to the importer."""
    if not path.startswith(("./", "../")):
        return PurePosixPath(path).as_posix()
    parts: list[str] = list(PurePosixPath(importer).parent.parts)
    for part in PurePosixPath(path).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def imports_of(text: str) -> list[str]:
    return _IMPORT.findall(_COMMENT.sub("", text))


def collect_sources(root: Path, contracts: list[ContractSpec]) -> dict[str, str]:
    """Every source unit the contracts need, by name, read from the tree ``root``.

    A missing import is left out: solc then reports it as an error of the compile stage.
    """
    sources: dict[str, str] = {}
    pending = [spec.source for spec in contracts]
    resolved_root = root.resolve()
    while pending:
        unit = pending.pop()
        if unit in sources or unit.startswith(IMPLICIT_PREFIXES):
            continue
        path = (root / unit).resolve()
        if not path.is_relative_to(resolved_root) or not path.is_file():
            continue
        if len(sources) >= MAX_SOURCES:
            raise Unprocessable(
                f"the contracts import more than {MAX_SOURCES} source files",
                code="compile_failed",
            )
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise Unprocessable(f"{unit} is not UTF-8", code="compile_failed") from None
        sources[unit] = text
        pending.extend(_resolve(unit, target) for target in imports_of(text))
    return dict(sorted(sources.items()))


def standard_input(sources: dict[str, str]) -> dict[str, Any]:
    return {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": compiler_settings(),
    }


def canonical_json(data: object) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(input_json: dict[str, Any], compiler_version: str, libraries: str) -> str:
    """sha256 over the standard-JSON input, the compiler version and the implicit libraries."""
    digest = hashlib.sha256(canonical_json(input_json))
    digest.update(f"\0solc={compiler_version}\0libraries={libraries}".encode())
    return digest.hexdigest()
