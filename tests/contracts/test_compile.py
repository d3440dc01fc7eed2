"""compile_contracts compiles contracts/src with the pinned solc-js, reproducibly, and caches."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import solcx

from chainless.chain.contracts import (
    EVM_VERSION,
    CompilationError,
    CompiledContract,
    compile_contracts,
)
from chainless.chain.contracts import cache as contract_cache
from chainless.platform.toolchain import pinned_versions, solc_path
from tests.contracts.support import EXPECTED_FUNCTIONS as EXPECTED

pytestmark = pytest.mark.slow  # solc-js runs in node

EIP170_LIMIT = 24_576
IPFS_METADATA_MARKER = "a264697066735822"  # CBOR map(2), text(4) "ipfs", bytes(34)
TINY = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

contract Tiny {
    uint256 public value = VALUE;
}
"""


def _functions(contract: CompiledContract) -> set[str]:
    return {item["name"] for item in contract.abi if item["type"] == "function"}


def _tiny_tree(root: Path, value: int = 1) -> Path:
    source_dir = root / "contracts" / "src"
    source_dir.mkdir(parents=True, exist_ok=True)
    (source_dir / "Tiny.sol").write_text(TINY.replace("VALUE", str(value)))
    return source_dir


def test_every_contract_compiles_with_the_pinned_settings(
    compiled: dict[str, CompiledContract],
) -> None:
    assert set(compiled) == set(EXPECTED)
    for name, functions in EXPECTED.items():
        contract = compiled[name]
        assert functions <= _functions(contract), name
        assert contract.source_unit == f"src/{name}.sol"
        assert contract.deployed_bytecode.startswith("0x6080")  # PUSH1 0x80 PUSH1 0x40 MSTORE
        assert IPFS_METADATA_MARKER in contract.deployed_bytecode  # CBOR {"ipfs": ..., "solc": ..}
        assert contract.bytecode.endswith(contract.deployed_bytecode[-100:])
        assert len(contract.deployed_bytecode) // 2 - 1 < EIP170_LIMIT
        metadata = contract.metadata_json
        assert metadata["compiler"]["version"] == contract.compiler_version
        assert contract.compiler_version.startswith(pinned_versions()["solc"] + "+commit.")
        assert metadata["settings"]["optimizer"] == {"enabled": True, "runs": 200}
        assert metadata["settings"]["evmVersion"] == EVM_VERSION == "cancun"
        assert metadata["settings"]["compilationTarget"] == {contract.source_unit: name}


def test_inputs_are_self_contained_with_portable_names(
    compiled: dict[str, CompiledContract],
) -> None:
    for contract in compiled.values():
        sources = contract.standard_json_input["sources"]
        assert set(sources) == set(contract.metadata_json["sources"])
        assert all("content" in entry for entry in sources.values())
        assert not any(name.startswith("/") for name in sources)
    token_sources = compiled["CRC20"].standard_json_input["sources"]
    assert "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol" in token_sources
    assert "src/CRC721.sol" not in token_sources  # only what CRC20 imports


def test_the_stored_input_reproduces_the_bytecode(
    compiled: dict[str, CompiledContract], tmp_path: Path
) -> None:
    """What an explorer's verification gets: no import callback, no files, the same bytes."""
    contract = compiled["CRC20"]
    done = subprocess.run(
        [str(solc_path()), "--standard-json", "--no-import-callback"],
        input=json.dumps(contract.standard_json_input),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    output = json.loads(done.stdout)
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"]
    artefact = output["contracts"][contract.source_unit][contract.name]
    assert "0x" + artefact["evm"]["bytecode"]["object"] == contract.bytecode
    assert artefact["metadata"] == contract.metadata


def test_results_are_cached_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path / "cache"
    source_dir = _tiny_tree(tmp_path)
    first = compile_contracts(source_dir, cache_dir=cache_dir)
    assert set(first) == {"Tiny"}
    assert len(list(cache_dir.glob("*.json"))) == 1

    def no_compiler(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the cache should have answered")

    with monkeypatch.context() as patched:
        patched.setattr(solcx, "compile_standard", no_compiler)
        assert compile_contracts(source_dir, cache_dir=cache_dir) == first

    _tiny_tree(tmp_path, value=2)  # a changed source is a new key
    second = compile_contracts(source_dir, cache_dir=cache_dir)
    assert second["Tiny"].bytecode != first["Tiny"].bytecode
    assert len(list(cache_dir.glob("*.json"))) == 2


def test_an_unreadable_cache_entry_is_recompiled(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    source_dir = _tiny_tree(tmp_path)
    first = compile_contracts(source_dir, cache_dir=cache_dir)
    (entry,) = cache_dir.glob("*.json")
    entry.write_text("{truncated")
    assert compile_contracts(source_dir, cache_dir=cache_dir) == first
    assert json.loads(entry.read_text())["key"] == entry.stem  # rewritten
    assert contract_cache.load(cache_dir, "0" * 64) is None


def test_without_a_cache_directory_nothing_is_written(tmp_path: Path) -> None:
    source_dir = _tiny_tree(tmp_path)
    assert set(compile_contracts(source_dir, cache_dir=None)) == {"Tiny"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contracts"]


def test_compile_errors_are_reported(tmp_path: Path) -> None:
    source_dir = _tiny_tree(tmp_path)
    (source_dir / "Broken.sol").write_text(
        "pragma solidity ^0.8.27;\ncontract Broken { function }\n"
    )
    with pytest.raises(CompilationError, match="ParserError"):
        compile_contracts(source_dir, cache_dir=None)
    with pytest.raises(CompilationError, match="no Solidity sources"):
        compile_contracts(tmp_path / "empty", cache_dir=None)
