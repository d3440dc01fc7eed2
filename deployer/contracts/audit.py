"""Static analysis of a build with slither (all default detectors), and its A-E rating.

slither compiles again through crytic-compile, with the toolchain's ``solc`` command (never the
solc-select one on ``PATH``), on the build's stored input written to a scratch folder (it is
self-contained, OpenZeppelin's files included), so the audit sees exactly what was compiled.
Findings in the pinned OpenZeppelin package are left out (they are the library's, the same for
every app); the rest are recorded with check, impact, confidence, description and location.
The rating rule is in docs/deployer.md ("Audit").
"""

from __future__ import annotations

import inspect
import tempfile
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

from chainless.deployer.contracts.compiler import toolchain_errors
from chainless.deployer.contracts.sources import IMPLICIT_PREFIXES
from chainless.platform.core.errors import Unprocessable
from chainless.platform.toolchain import solc_path

IMPACTS = ("High", "Medium", "Low", "Informational", "Optimization")
MAX_DESCRIPTION = 2000


class AuditFailed(Unprocessable):
    code = "audit_failed"
    title = "The contracts could not be analysed"


def tool() -> str:
    """The analyser and its version: a cached audit by another version is run again."""
    return f"slither {version('slither-analyzer')}"


def rating(findings: list[dict[str, Any]]) -> str:
    """A: nothing above informational; B: low at most; C: medium; D: one high; E: several high,
    or a high finding slither is highly confident about."""
    impacts = Counter(f["impact"] for f in findings)
    confident_high = any(f["impact"] == "High" and f["confidence"] == "High" for f in findings)
    if impacts["High"] > 1 or confident_high:
        return "E"
    if impacts["High"] == 1:
        return "D"
    if impacts["Medium"]:
        return "C"
    if impacts["Low"]:
        return "B"
    return "A"


def blocking(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings that keep a build out of production without an operator's override."""
    return [f for f in findings if f["impact"] == "High"]


def _detectors() -> list[type]:
    from slither.detectors import all_detectors
    from slither.detectors.abstract_detector import AbstractDetector

    return [
        member
        for _, member in inspect.getmembers(all_detectors, inspect.isclass)
        if issubclass(member, AbstractDetector) and member is not AbstractDetector
    ]


def _finding(raw: dict[str, Any], root: Path) -> dict[str, Any] | None:
    """One slither result as recorded, or None if it lies outside the repository's sources."""
    elements = raw.get("elements") or []
    mapping = elements[0].get("source_mapping", {}) if elements else {}
    absolute = mapping.get("filename_absolute") or ""
    try:
        file = Path(absolute).resolve().relative_to(root).as_posix()
    except ValueError:
        return None
    if file.startswith(IMPLICIT_PREFIXES):
        return None
    lines = [int(n) for n in mapping.get("lines", [])]
    return {
        "id": raw.get("id", ""),
        "check": raw["check"],
        "impact": raw["impact"],
        "confidence": raw["confidence"],
        "description": str(raw.get("description", "")).strip()[:MAX_DESCRIPTION],
        "file": file,
        "lines": [lines[0], lines[-1]] if lines else [],
    }


def analyse(input_json: dict[str, Any], targets: list[str]) -> list[dict[str, Any]]:
    """Findings of every default detector on ``targets`` (source unit names of the input)."""
    from slither import Slither

    with toolchain_errors():
        solc = str(solc_path())
    with tempfile.TemporaryDirectory(prefix="chainless-audit-") as scratch:
        root = Path(scratch).resolve()
        for name, source in input_json["sources"].items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source["content"], encoding="utf-8")
        found: dict[str, dict[str, Any]] = {}
        for target in sorted(set(targets)):
            try:
                slither = Slither(str(root / target), solc=solc, solc_working_dir=str(root))
            except Exception as error:  # crytic-compile and slither raise many types
                raise AuditFailed(f"slither could not analyse {target}: {error}") from None
            for detector in _detectors():
                slither.register_detector(detector)
            for per_detector in slither.run_detectors():
                for raw in per_detector:
                    finding = _finding(raw, root)
                    if finding is not None:
                        found.setdefault(finding["id"] or repr(finding), finding)
    order = {impact: index for index, impact in enumerate(IMPACTS)}
    return sorted(
        found.values(), key=lambda f: (order.get(f["impact"], 9), f["check"], f["file"], f["lines"])
    )
