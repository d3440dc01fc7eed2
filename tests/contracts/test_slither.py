"""slither finds nothing of high (or medium) impact in our own contracts.

OpenZeppelin's files are analysed too (they are part of every compilation), and slither reports
known false positives there (e.g. ``incorrect-exp`` on the deliberate XOR in ``Math.mulDiv``);
those are audited upstream, so only findings that touch ``contracts/src`` count.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
from crytic_compile import compile_all
from slither import Slither
from slither.detectors import all_detectors
from slither.detectors.abstract_detector import AbstractDetector

from chainless.chain.contracts import DEFAULT_SOURCE_DIR
from chainless.platform.toolchain import openzeppelin_dir, solc_path
from tests.contracts.support import EXPECTED_FUNCTIONS

pytestmark = pytest.mark.slow  # slither runs the compiler (node)


def _in_our_sources(finding: dict[str, Any], source_dir: Path) -> bool:
    files = {
        element["source_mapping"]["filename_absolute"]
        for element in finding.get("elements", [])
        if element.get("source_mapping")
    }
    return any(Path(name).is_relative_to(source_dir) for name in files)


@pytest.fixture(scope="module")
def analysis() -> tuple[list[Slither], list[dict[str, Any]]]:
    source_dir = DEFAULT_SOURCE_DIR.resolve()
    options: dict[str, Any] = {
        "solc": str(solc_path()),  # never solc-select's downloading `solc` from PATH
        "solc_remaps": f"@openzeppelin/contracts/={openzeppelin_dir()}/",
        "solc_standard_json": True,  # one compilation of every file instead of one per file
    }
    compilations = compile_all(str(source_dir), **options)
    detectors = [
        obj
        for _, obj in inspect.getmembers(all_detectors, inspect.isclass)
        if issubclass(obj, AbstractDetector)
    ]
    runs, findings = [], []
    for compilation in compilations:
        slither = Slither(compilation)
        for detector in detectors:
            slither.register_detector(detector)
        findings += [f for per_detector in slither.run_detectors() for f in per_detector]
        runs.append(slither)
    return runs, findings


def test_every_contract_was_analysed(analysis: tuple[list[Slither], list[dict[str, Any]]]) -> None:
    runs, findings = analysis
    analysed = {contract.name for slither in runs for contract in slither.contracts}
    assert set(EXPECTED_FUNCTIONS) <= analysed
    assert findings  # the detectors did run (OpenZeppelin always yields informational ones)


def test_no_high_or_medium_impact_findings_in_our_contracts(
    analysis: tuple[list[Slither], list[dict[str, Any]]],
) -> None:
    _, findings = analysis
    ours = [f for f in findings if _in_our_sources(f, DEFAULT_SOURCE_DIR.resolve())]
    serious = [
        f"{f['impact']} {f['check']}: {f['description'].strip()}"
        for f in ours
        if f["impact"] in {"High", "Medium"}
    ]
    assert serious == []
