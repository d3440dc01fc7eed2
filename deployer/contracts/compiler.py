"""Compile a standard-JSON input with the pinned solc-js, through py-solc-x.

Always the toolchain's ``solc`` command (``platform/toolchain.py``), never one on ``PATH``:
slither-analyzer installs a solc-select ``solc`` there that tries to download compilers. A
compilation with errors fails the stage with ``compile_failed`` and solc's messages.

solc runs with an empty scratch folder as its base path: its import callback reads only there
and in the pinned ``@openzeppelin/`` package, never the worker's working directory (an
``import "settings.env";`` would otherwise put a platform file's first line in the error shown
to the developer).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import solcx
from solcx.exceptions import SolcError

from chainless.deployer.contracts.sources import IMPLICIT_PREFIXES
from chainless.deployer.manifest import ContractSpec
from chainless.platform.core.errors import AppError, Unprocessable
from chainless.platform.toolchain import SETUP_FIX, ToolchainMissing, node_modules, solc_path

MAX_MESSAGES = 20


class CompileFailed(Unprocessable):
    code = "compile_failed"
    title = "The contracts do not compile"


class ToolchainUnavailable(AppError):
    """The worker's pinned solc-js (or OpenZeppelin) is missing or broken: no retry can help,
    so the stage fails at once and says what to install."""

    status, code, title = 503, "toolchain_unavailable", "The Solidity toolchain is unavailable"


def toolchain_unavailable(error: ToolchainMissing) -> ToolchainUnavailable:
    return ToolchainUnavailable(
        f"the worker's Solidity toolchain is unavailable: {error}. Install the pinned toolchain "
        "(solc-js, OpenZeppelin Contracts) on the worker with `make setup`",
        missing=error.name,
        fix=error.fix if error.fix != SETUP_FIX else "make setup",
    )


@contextmanager
def toolchain_errors() -> Iterator[None]:
    """``ToolchainMissing`` from the toolchain module as the stage's ``toolchain_unavailable``."""
    try:
        yield
    except ToolchainMissing as error:
        raise toolchain_unavailable(error) from None


@dataclass(frozen=True)
class ContractOutput:
    """What a deployment needs of one compiled contract (kept as one JSON artifact)."""

    name: str
    source: str
    abi: list[dict[str, Any]] = field(hash=False)
    bytecode: str  # 0x-hex creation code
    deployed_bytecode: str  # 0x-hex runtime code, immutables zeroed
    immutable_references: dict[str, list[dict[str, int]]] = field(hash=False)
    metadata: str  # solc's metadata JSON string, byte for byte (its hash ends the bytecode)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "abi": self.abi,
            "bytecode": self.bytecode,
            "deployedBytecode": self.deployed_bytecode,
            "immutableReferences": self.immutable_references,
            "metadata": self.metadata,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ContractOutput:
        return cls(
            name=data["name"],
            source=data["source"],
            abi=data["abi"],
            bytecode=data["bytecode"],
            deployed_bytecode=data["deployedBytecode"],
            immutable_references=data["immutableReferences"],
            metadata=data["metadata"],
        )


def _messages(problems: list[dict[str, Any]]) -> list[str]:
    return [
        str(p.get("formattedMessage") or p.get("message") or p).strip()
        for p in problems
        if p.get("severity") == "error"
    ][:MAX_MESSAGES]


def run_solc(input_json: dict[str, Any]) -> dict[str, Any]:
    """solc's standard-JSON output; errors raise :class:`CompileFailed` with the messages."""
    with toolchain_errors():
        solc = solc_path()
    try:
        with tempfile.TemporaryDirectory(prefix="chainless-solc-") as nowhere:
            output: dict[str, Any] = solcx.compile_standard(
                input_json, solc_binary=solc, base_path=nowhere, allow_empty=True
            )
    except (OSError, json.JSONDecodeError) as error:  # it would not start, or printed garbage
        broken = ToolchainMissing("solc", SETUP_FIX, f"{solc} is broken: {error}")
        raise toolchain_unavailable(broken) from None
    except SolcError as error:
        messages = _messages(list(error.error_dict or [])) or [error.message]
        raise CompileFailed(
            "solc refused the contracts: " + (messages[0].splitlines() or [""])[0],
            messages=messages,
        ) from None
    return output


def contracts_of(output: dict[str, Any], specs: list[ContractSpec]) -> list[ContractOutput]:
    """The manifest's contracts in the compiler output (missing or abstract ones fail)."""
    found = []
    for spec in specs:
        artefact = output.get("contracts", {}).get(spec.source, {}).get(spec.name)
        if artefact is None:
            raise CompileFailed(
                f"{spec.source} declares no contract {spec.name}",
                messages=[f"{spec.source}: no contract named {spec.name}"],
            )
        evm = artefact["evm"]
        if not evm["bytecode"]["object"]:
            raise CompileFailed(
                f"{spec.name} is abstract or an interface: it cannot be deployed",
                messages=[f"{spec.source}: {spec.name} has no creation code"],
            )
        found.append(
            ContractOutput(
                name=spec.name,
                source=spec.source,
                abi=list(artefact["abi"]),
                bytecode="0x" + evm["bytecode"]["object"],
                deployed_bytecode="0x" + evm["deployedBytecode"]["object"],
                immutable_references=dict(evm["deployedBytecode"].get("immutableReferences", {})),
                metadata=artefact["metadata"],
            )
        )
    return found


def self_contained(input_json: dict[str, Any], output: dict[str, Any]) -> dict[str, Any]:
    """The input plus the content of every source the import callback supplied (the pinned
    OpenZeppelin files): it compiles anywhere, with no callback, to the same bytecode."""
    sources = dict(input_json["sources"])
    for unit in sorted(output.get("sources", {})):
        if unit not in sources and unit.startswith(IMPLICIT_PREFIXES):
            path = node_modules() / unit
            sources[unit] = {"content": path.read_text(encoding="utf-8")}
    return {**input_json, "sources": sources}
