"""Keep the interpreter's recursion limit at its default, whatever a dependency does at import.

``py_ecc`` (imported through ``eth_account``) raises the limit to 100000 when it is imported
(``py_ecc/__init__.py``). With such a limit, C code that recurses — the ``json`` decoder first
of all — overflows the C stack long before it raises ``RecursionError``: one JSON body nested
70,000 levels deep ended the server with a segmentation fault (issue 12, item 1). ``py_ecc``
needs no deep recursion for what the platform uses of it (secp256k1 signatures go through
coincurve). Importing it here, before anything else can, and putting the limit back is enough:
a module runs once, so no later import raises it again.
"""

from __future__ import annotations

import sys

DEFAULT_RECURSION_LIMIT = 1000  # CPython's default (``sys.getrecursionlimit``)
_RAISED_BY_PY_ECC = 100_000


def keep_default_recursion_limit() -> None:
    """Import ``py_ecc`` and undo the limit it sets (idempotent)."""
    before = sys.getrecursionlimit()
    import py_ecc  # noqa: F401  (sets the limit at import)

    if sys.getrecursionlimit() >= _RAISED_BY_PY_ECC:
        # imported before this guard ran, the limit seen was already py_ecc's
        sys.setrecursionlimit(before if before < _RAISED_BY_PY_ECC else DEFAULT_RECURSION_LIMIT)
