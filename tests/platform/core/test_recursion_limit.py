"""No import may raise the interpreter's recursion limit (py_ecc does: issue 12, item 1)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.portable

_IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
import eth_account  # a component's first import: py_ecc comes before the kernel
import chainless.platform.app
for component in ("platform", "oauth", "chain", "deployer", "sandbox"):
    package = importlib.import_module(f"chainless.{component}")
    for module in pkgutil.walk_packages(package.__path__, f"chainless.{component}."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
import chainless_sdk
print(sys.getrecursionlimit())
"""


def test_the_recursion_limit_stays_at_its_default_after_every_import() -> None:
    default = subprocess.run(
        [sys.executable, "-c", "import sys; print(sys.getrecursionlimit())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    imported = subprocess.run(
        [sys.executable, "-c", _IMPORT_EVERYTHING], capture_output=True, text=True, check=False
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == default
