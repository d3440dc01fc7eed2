"""Compile the platform's Solidity contracts (``contracts/src``) with the pinned solc-js.

One standard-JSON compilation through py-solc-x and the toolchain's ``solc`` command; imports of
``@openzeppelin/contracts/...`` resolve to the pinned package under their portable names, so the
metadata (and the bytecode that hashes it) does not depend on where the toolchain is installed.

Every contract also carries a *self-contained* standard-JSON input: the settings plus the content of
every source its metadata lists (ours and OpenZeppelin's, checked against the metadata's keccak256).
Compiling that input again, anywhere, reproduces the bytecode: it is what an explorer's "verify
source" form and the deployer's audit trail need (Solidity docs, "Contract Metadata").
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import solcx
from eth_utils import keccak
from solcx.exceptions import SolcError

from chainless.chain.contracts import cache
from chainless.platform.core.settings import PROJECT_ROOT
from chainless.platform.toolchain import (
    OPENZEPPELIN_PACKAGE,
    installed_version,
    node_modules,
    solc_long_version,
    solc_path,
)

log = logging.getLogger(__name__)

CONTRACTS_ROOT = PROJECT_ROOT / "contracts"
DEFAULT_SOURCE_DIR = CONTRACTS_ROOT / "src"
DEFAULT_CACHE_DIR = PROJECT_ROOT / "data" / "cache" / "contracts"

# cancun: the newest fork most production EVM chains run. anvil 1.7.1 defaults to a later fork
# (it reports "Bpo1", after Osaka), which executes cancun code unchanged; solc 0.8.30 defaults to
# prague, whose code generation is the same, so nothing is lost by targeting the older fork.
EVM_VERSION = "cancun"
OPTIMIZER_RUNS = 200

OUTPUT_SELECTION = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"]


def compiler_settings() -> dict[str, Any]:
    """The standard-JSON ``settings`` every platform contract is compiled with."""
    return {
        "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
        "evmVersion": EVM_VERSION,
        "metadata": {"bytecodeHash": "ipfs"},
        "outputSelection": {"*": {"*": list(OUTPUT_SELECTION)}},
    }


class CompilationError(RuntimeError):
    """solc refused the sources (the message carries its formatted errors)."""


@dataclass(frozen=True)
class CompiledContract:
    """One contract of ``contracts/src`` as solc produced it.

    ``metadata`` is solc's metadata JSON *string*, kept byte for byte: its IPFS hash is embedded at
    the end of the bytecode, so re-serialising it would break source verification (Sourcify).
    ``standard_json_input`` compiles on its own (no import callback) to the same bytecode.
    """

    name: str
    source_unit: str
    compiler_version: str
    abi: list[dict[str, Any]] = field(hash=False)
    bytecode: str
    deployed_bytecode: str
    metadata: str
    standard_json_input: dict[str, Any] = field(hash=False, repr=False)

    @property
    def metadata_json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.metadata)
        return parsed

    @property
    def fully_qualified_name(self) -> str:
        """``src/CRC20.sol:CRC20``: how explorers and Foundry name a contract."""
        return f"{self.source_unit}:{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source_unit": self.source_unit,
            "compiler_version": self.compiler_version,
            "abi": self.abi,
            "bytecode": self.bytecode,
            "deployed_bytecode": self.deployed_bytecode,
            "metadata": self.metadata,
            "standard_json_input": self.standard_json_input,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CompiledContract:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def compile_contracts(
    source_dir: Path = DEFAULT_SOURCE_DIR,
    *,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
) -> dict[str, CompiledContract]:
    """Compile every ``*.sol`` under ``source_dir``; contracts by name (``"CRC20"``, ...).

    Source unit names are relative to the parent of ``source_dir`` (``src/CRC20.sol``), which is
    also the base path for non-relative imports. Results are cached in ``cache_dir`` (None: no
    cache) under the sha256 of the sources, the compiler version, the OpenZeppelin version and the
    settings, so an unchanged tree compiles once.
    """
    source_dir = source_dir.resolve()
    base_path = source_dir.parent
    sources = _read_sources(source_dir, base_path)
    if not sources:
        raise CompilationError(f"no Solidity sources under {source_dir}")
    settings = compiler_settings()
    version = solc_long_version()
    key = cache.cache_key(
        sources,
        {
            "solc": version,
            "openzeppelin": installed_version(OPENZEPPELIN_PACKAGE),
            "settings": settings,
        },
    )
    if cache_dir is not None:
        cached = cache.load(cache_dir, key)
        if cached is not None:
            return {name: CompiledContract.from_json(data) for name, data in cached.items()}
    compiled = _compile(sources, settings, version, base_path)
    if cache_dir is not None:
        cache.store(cache_dir, key, {name: c.to_json() for name, c in compiled.items()})
    return compiled


def _read_sources(source_dir: Path, base_path: Path) -> dict[str, str]:
    return {
        path.relative_to(base_path).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(source_dir.rglob("*.sol"))
    }


def _compile(
    sources: dict[str, str], settings: dict[str, Any], version: str, base_path: Path
) -> dict[str, CompiledContract]:
    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": settings,
    }
    try:
        output = solcx.compile_standard(
            standard_input,
            solc_binary=solc_path(),
            base_path=base_path,
            allow_paths=[base_path],
        )
    except SolcError as error:
        raise CompilationError(
            f"solc {version} refused contracts in {base_path}:\n{error}"
        ) from error
    for problem in output.get("errors", []):
        log.warning("solc: %s", problem.get("formattedMessage") or problem.get("message"))
    resolver = _SourceResolver(sources, base_path)
    return {
        name: _compiled_contract(name, unit, artefact, settings, version, resolver)
        for unit, contracts in sorted(output.get("contracts", {}).items())
        if unit in sources
        for name, artefact in sorted(contracts.items())
    }


def _compiled_contract(
    name: str,
    unit: str,
    artefact: Mapping[str, Any],
    settings: dict[str, Any],
    version: str,
    resolver: _SourceResolver,
) -> CompiledContract:
    metadata: str = artefact["metadata"]
    return CompiledContract(
        name=name,
        source_unit=unit,
        compiler_version=version,
        abi=list(artefact["abi"]),
        bytecode="0x" + artefact["evm"]["bytecode"]["object"],
        deployed_bytecode="0x" + artefact["evm"]["deployedBytecode"]["object"],
        metadata=metadata,
        standard_json_input=_self_contained_input(json.loads(metadata), settings, resolver),
    )


def _self_contained_input(
    metadata: Mapping[str, Any], settings: dict[str, Any], resolver: _SourceResolver
) -> dict[str, Any]:
    """The standard-JSON input holding exactly the sources the metadata lists, with content."""
    sources = {}
    for unit, entry in sorted(metadata["sources"].items()):
        text = resolver.content(unit)
        if "0x" + keccak(text=text).hex() != entry["keccak256"]:
            raise CompilationError(f"{unit} changed on disk while compiling (keccak256 differs)")
        sources[unit] = {"content": text}
    return {"language": "Solidity", "sources": sources, "settings": settings}


class _SourceResolver:
    """Reads a source unit the way the toolchain's import callback found it: our sources, the base
    path, then the pinned ``@openzeppelin/`` package."""

    def __init__(self, sources: Mapping[str, str], base_path: Path) -> None:
        self._sources = sources
        self._roots = (base_path, node_modules())
        self._read: dict[str, str] = {}

    def content(self, unit: str) -> str:
        if unit in self._sources:
            return self._sources[unit]
        if unit not in self._read:
            self._read[unit] = self._from_disk(unit)
        return self._read[unit]

    def _from_disk(self, unit: str) -> str:
        for root in self._roots:
            candidate = root / unit
            if candidate.is_file():
                return candidate.read_text(encoding="utf-8")
        raise CompilationError(f"cannot find the imported source {unit!r} again")
