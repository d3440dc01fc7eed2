"""The console's typed client is generated from the API's OpenAPI; a change to the API that is
not regenerated (`make console-client`) fails here, in CI, before the console calls a route
that is gone or sends a body the API refuses."""

from __future__ import annotations

import difflib
from pathlib import Path

from scripts.console_openapi import SCHEMA, generate_schema


def test_the_committed_client_schema_matches_the_api(tmp_path: Path) -> None:
    fresh = tmp_path / "schema.d.ts"
    generate_schema(fresh)
    committed = SCHEMA.read_text(encoding="utf-8")
    generated = fresh.read_text(encoding="utf-8")
    if committed != generated:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(True), generated.splitlines(True), "committed", "fresh"
                )
            )[:60]
        )
        raise AssertionError(f"{SCHEMA} is stale: run `make console-client`\n{diff}")


# Two models of one name in different modules get their module path as their OpenAPI name
# (`chainless__platform__apps__schemas__SubmitIn`): the console's types then change name whenever
# a third module adds the same class name. These two predate the check; no new ones.
KNOWN_CLASHES = {"SubmitIn", "SignInRequest"}


def test_no_two_api_models_share_a_name() -> None:
    import re

    names = re.findall(r"^ {8}(chainless__\w+):", SCHEMA.read_text(encoding="utf-8"), re.M)
    clashing = {name.rsplit("__", 1)[1] for name in names}
    assert clashing <= KNOWN_CLASHES, f"rename one of each: {sorted(clashing - KNOWN_CLASHES)}"
