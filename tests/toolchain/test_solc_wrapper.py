"""toolchain/bin/solc behaves like the native solc for py-solc-x and crytic-compile."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import solcx
from eth_utils import keccak
from solcx.exceptions import SolcError, UnknownOption, UnknownValue
from solcx.wrapper import VERSION_REGEX

from chainless.platform.toolchain import node_modules, pinned_versions

pytestmark = pytest.mark.slow  # every call starts node

CRYTIC_OUTPUTS = "abi,ast,bin,bin-runtime,srcmap,srcmap-runtime,userdoc,devdoc,hashes"


def _selector(signature: str) -> str:
    return keccak(text=signature)[:4].hex()


def _standard_input(sources: dict[str, str], outputs: list[str]) -> dict[str, Any]:
    return {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": {"outputSelection": {"*": {"*": outputs, "": ["ast"]}}},
    }


def test_version_is_printed_like_native_solc(solc: Path) -> None:
    done = subprocess.run([str(solc), "--version"], capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert lines[0] == "solc, the solidity compiler commandline interface"
    assert re.fullmatch(r"Version: \d+\.\d+\.\d+\+commit\.[0-9a-f]{8}\.\S+", lines[1])
    # exactly what py-solc-x parses
    assert re.search(VERSION_REGEX, done.stdout)
    assert str(solcx.wrapper.get_solc_version(solc)) == pinned_versions()["solc"]


def test_compile_standard_counter(solc: Path, sources: Path) -> None:
    source = (sources / "Counter.sol").read_text()
    output = solcx.compile_standard(
        _standard_input(
            {"Counter.sol": source},
            ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"],
        ),
        solc_binary=solc,
    )
    contract = output["contracts"]["Counter.sol"]["Counter"]
    names = {item.get("name") for item in contract["abi"]}
    assert {"count", "bump", "Bumped"} <= names
    assert contract["evm"]["methodIdentifiers"]["bump(uint256)"] == _selector("bump(uint256)")
    bytecode = contract["evm"]["bytecode"]["object"]
    assert bytecode.startswith("6080604052")  # PUSH1 0x80 PUSH1 0x40 MSTORE
    assert len(contract["evm"]["deployedBytecode"]["object"]) < len(bytecode)
    assert output["sources"]["Counter.sol"]["ast"]["nodeType"] == "SourceUnit"


def test_compile_standard_openzeppelin_erc20(solc: Path, sources: Path) -> None:
    output = solcx.compile_standard(
        _standard_input(
            {"Token.sol": (sources / "Token.sol").read_text()}, ["abi", "evm.bytecode"]
        ),
        solc_binary=solc,
    )
    token = output["contracts"]["Token.sol"]["ChainlessToken"]
    functions = {item["name"] for item in token["abi"] if item["type"] == "function"}
    assert {"transfer", "approve", "balanceOf", "mint", "owner", "transferOwnership"} <= functions
    assert len(token["evm"]["bytecode"]["object"]) > 2000
    # imports keep their portable names (metadata does not depend on the install location)
    assert "@openzeppelin/contracts/token/ERC20/ERC20.sol" in output["sources"]
    assert not any(name.startswith("/") for name in output["sources"])


def test_standard_json_reads_sources_from_the_base_path(solc: Path, sources: Path) -> None:
    (sources / "Uses.sol").write_text(
        '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport "./Counter.sol";\n'
        "contract Uses is Counter {}\n"
    )
    output = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": {"Uses.sol": {"urls": ["Uses.sol"]}},
            "settings": {"outputSelection": {"*": {"*": ["abi"]}}},
        },
        solc_binary=solc,
        base_path=sources,
        allow_paths=[sources],
    )
    assert set(output["contracts"]) == {"Uses.sol", "Counter.sol"}


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../../../../etc/passwd"])
def test_imports_outside_the_allowed_paths_are_refused(
    solc: Path, tmp_path: Path, target: str
) -> None:
    source = f'// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport "{target}";\n'
    with pytest.raises(SolcError) as caught:
        solcx.compile_standard(
            _standard_input({"contracts/X.sol": source + "contract X {}\n"}, ["abi"]),
            solc_binary=solc,
            base_path=tmp_path,
        )
    assert "root:" not in str(caught.value)  # the file's content never reaches the output
    assert "not found" in str(caught.value)


def test_symlink_escaping_the_allowed_paths_is_refused(solc: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    secret = tmp_path / "secret.sol"
    secret.write_text("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract S {}\n")
    (project / "Link.sol").symlink_to(secret)
    source = '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\nimport "./Link.sol";\n'
    with pytest.raises(SolcError, match="outside of allowed directories"):
        solcx.compile_standard(
            _standard_input({"X.sol": source + "contract X {}\n"}, ["abi"]),
            solc_binary=solc,
            base_path=project,
        )


def test_invalid_standard_json_answers_with_a_json_error(solc: Path) -> None:
    done = subprocess.run(
        [str(solc), "--standard-json"],
        input="{not json",
        capture_output=True,
        text=True,
        check=True,
    )
    errors = json.loads(done.stdout)["errors"]
    assert errors[0]["type"] == "JSONError"
    assert errors[0]["severity"] == "error"


def test_large_output_is_not_truncated(solc: Path, sources: Path) -> None:
    """The OpenZeppelin AST is hundreds of KiB: piping it must not stop at 64 KiB."""
    done = subprocess.run(
        [str(solc), "Token.sol", "--combined-json", CRYTIC_OUTPUTS],
        capture_output=True,
        cwd=sources,
        check=True,
    )
    assert len(done.stdout) > 4 * 65_536
    combined = json.loads(done.stdout)
    assert "Token.sol:ChainlessToken" in combined["contracts"]


def test_combined_json_as_crytic_compile_calls_it(solc: Path, sources: Path) -> None:
    done = subprocess.run(
        [
            str(solc),
            "Counter.sol",
            "--combined-json",
            CRYTIC_OUTPUTS + ",compact-format",
            "--allow-paths",
            f".,{sources}",
        ],
        capture_output=True,
        text=True,
        cwd=sources,
        check=True,
    )
    combined = json.loads(done.stdout)
    assert combined["sourceList"] == ["Counter.sol"]
    assert combined["sources"]["Counter.sol"]["AST"]["absolutePath"] == "Counter.sol"
    counter = combined["contracts"]["Counter.sol:Counter"]
    assert set(counter) == set(CRYTIC_OUTPUTS.split(",")) - {"ast"}
    assert isinstance(counter["abi"], list)  # 0.8.x: objects, not JSON strings
    assert counter["hashes"] == {s: _selector(s) for s in ("bump(uint256)", "count()")}
    assert counter["userdoc"]["methods"]["bump(uint256)"]["notice"] == "Add `by` to the count"
    assert counter["bin"].startswith("6080")
    assert counter["bin-runtime"].startswith("6080")
    assert counter["srcmap"]
    assert counter["srcmap-runtime"]


def test_combined_json_remaps_openzeppelin_to_the_toolchain(solc: Path, sources: Path) -> None:
    done = subprocess.run(
        [str(solc), str(sources / "Token.sol"), "--combined-json", "abi,bin"],
        capture_output=True,
        text=True,
        cwd="/",
        check=True,
    )
    combined = json.loads(done.stdout)
    openzeppelin = str(node_modules() / "@openzeppelin" / "contracts")
    assert any(name.startswith(openzeppelin + "/") for name in combined["sourceList"])
    assert all(Path(name).is_file() for name in combined["sourceList"])  # crytic-compile needs this


def test_explicit_remapping_wins(solc: Path, sources: Path, tmp_path: Path) -> None:
    vendored = tmp_path / "vendor" / "oz"
    (vendored / "token" / "ERC20").mkdir(parents=True)
    (vendored / "token" / "ERC20" / "ERC20.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract ERC20 {}\n"
    )
    (sources / "Mine.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n"
        'import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";\n'
        "contract Mine is ERC20 {}\n"
    )
    result = solcx.compile_files(
        [sources / "Mine.sol"],
        output_values=["abi"],
        import_remappings={"@openzeppelin/contracts/": f"{vendored}/"},
        allow_paths=[tmp_path],
        solc_binary=solc,
    )
    assert f"{vendored}/token/ERC20/ERC20.sol:ERC20" in result


def test_compile_source_and_optimizer_flags(solc: Path, sources: Path) -> None:
    text = (sources / "Counter.sol").read_text()
    plain = solcx.compile_source(text, output_values=["bin"], solc_binary=solc)
    optimized = solcx.compile_source(
        text, output_values=["bin"], optimize=True, optimize_runs=200, solc_binary=solc
    )
    assert set(plain) == {"<stdin>:Counter"}
    assert len(optimized["<stdin>:Counter"]["bin"]) < len(plain["<stdin>:Counter"]["bin"])
    # without output_values py-solc-x reads the output list from `solc --help`
    everything = solcx.compile_source(text, solc_binary=solc)["<stdin>:Counter"]
    assert {"abi", "bin", "bin-runtime", "ast", "storage-layout"} <= set(everything)


def test_compile_errors_fail_with_the_message(solc: Path) -> None:
    with pytest.raises(SolcError, match="ParserError"):
        solcx.compile_source(
            "contract Broken { function }", output_values=["abi"], solc_binary=solc
        )


def test_unknown_options_and_values_are_reported_like_solc(solc: Path) -> None:
    with pytest.raises(UnknownOption, match="--frobnicate"):
        solcx.compile_source("contract A {}", solc_binary=solc, frobnicate=True)
    with pytest.raises(UnknownValue):
        solcx.compile_source("contract A {}", solc_binary=solc, metadata_hash="sha1")


def test_link_code(solc: Path, tmp_path: Path) -> None:
    (tmp_path / "Lib.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n"
        "library Math2 { function inc(uint a) external pure returns (uint) { return a + 1; } }\n"
        "contract UsesLib {\n"
        "    function f(uint a) external pure returns (uint) { return Math2.inc(a); }\n"
        "}\n"
    )
    compiled = solcx.compile_files([tmp_path / "Lib.sol"], output_values=["bin"], solc_binary=solc)
    key = next(k for k in compiled if k.endswith(":UsesLib"))
    unlinked = compiled[key]["bin"]
    assert "__$" in unlinked
    address = "0x" + "42" * 20
    linked = solcx.link_code(
        unlinked, {f"{key.rsplit(':', 1)[0]}:Math2": address}, solc_binary=solc
    )
    assert "__$" not in linked
    assert "42" * 20 in linked
    assert len(linked) == len(unlinked)
