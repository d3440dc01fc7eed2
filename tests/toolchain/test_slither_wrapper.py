"""slither (through crytic-compile's solc platform) runs on the project's solc command.

slither-analyzer installs solc-select's `solc` on the venv PATH, which tries to download
compilers; these tests always pass the toolchain's path and never rely on PATH.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from slither import Slither
from slither.detectors.reentrancy.reentrancy_eth import ReentrancyEth
from slither.detectors.statements.tx_origin import TxOrigin

pytestmark = pytest.mark.slow  # slither runs the compiler (node)


def _findings(target: Path, solc: Path) -> list[dict[str, Any]]:
    slither = Slither(str(target), solc=str(solc))
    slither.register_detector(TxOrigin)
    slither.register_detector(ReentrancyEth)
    return [finding for per_detector in slither.run_detectors() for finding in per_detector]


def test_tx_origin_is_reported(solc: Path, sources: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sources)
    findings = _findings(sources / "Vault.sol", solc)
    assert [f["check"] for f in findings] == ["tx-origin"]
    assert "Vault.sweep(address)" in findings[0]["description"]
    assert findings[0]["elements"][0]["source_mapping"]["filename_short"].endswith("Vault.sol")


def test_reentrancy_is_reported(solc: Path, sources: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sources)
    findings = _findings(sources / "Bank.sol", solc)
    assert [f["check"] for f in findings] == ["reentrancy-eth"]
    assert "Bank.withdraw()" in findings[0]["description"]
    assert findings[0]["impact"] == "High"


def test_clean_contract_has_no_such_findings(
    solc: Path, sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sources)
    assert _findings(sources / "Counter.sol", solc) == []


def test_cli_analyses_an_openzeppelin_contract(solc: Path, sources: Path) -> None:
    """The CLI on a contract importing OpenZeppelin: every import resolves through the toolchain."""
    slither = Path(sys.executable).parent / "slither"
    done = subprocess.run(
        [
            str(slither),
            "Token.sol",
            "--solc",
            str(solc),
            "--json",
            "-",
            "--detect",
            "tx-origin,reentrancy-eth,arbitrary-send-eth",
        ],
        capture_output=True,
        text=True,
        cwd=sources,
        timeout=300,
        check=False,
    )
    report = json.loads(done.stdout)
    assert report["success"], report.get("error") or done.stderr
    assert report["results"].get("detectors", []) == []


def test_openzeppelin_contract_is_fully_parsed(
    solc: Path, sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sources)
    slither = Slither(str(sources / "Token.sol"), solc=str(solc))
    (token,) = slither.get_contract_from_name("ChainlessToken")
    assert {"ERC20", "Ownable"} <= {parent.name for parent in token.inheritance}
    assert {"transfer", "approve", "mint"} <= {f.name for f in token.functions_entry_points}
    erc20_file = token.inheritance[0].source_mapping.filename.absolute
    assert "node_modules/@openzeppelin/contracts/" in erc20_file


def test_cli_reports_tx_origin_in_json(solc: Path, sources: Path) -> None:
    slither = Path(sys.executable).parent / "slither"
    done = subprocess.run(
        [str(slither), "Vault.sol", "--solc", str(solc), "--json", "-", "--detect", "tx-origin"],
        capture_output=True,
        text=True,
        cwd=sources,
        timeout=300,
        check=False,
    )
    report = json.loads(done.stdout)
    assert report["success"], report.get("error")
    checks = [d["check"] for d in report["results"]["detectors"]]
    assert checks == ["tx-origin"]
