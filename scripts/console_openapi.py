"""Write the API's OpenAPI document as JSON, for the console's generated client.

The document comes from ``create_app(...).openapi()`` with test-like settings on a throwaway
SQLite file: no server, no Redis, no chain. ``make console-client`` runs this and then
``openapi-typescript``; ``tests/platform/console/test_client_fresh.py`` checks the committed
``platform/web/console/src/api/schema.d.ts`` against a fresh one.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def openapi_document(scratch: Path) -> dict[str, Any]:
    from chainless.platform.app import create_app
    from chainless.platform.core.settings import Settings

    settings = Settings(
        mode="test",
        database_url=f"sqlite:///{scratch / 'openapi.db'}",
        redis_url=None,
        data_dir=scratch / "data",
        storage={"backend": "local", "local_path": scratch / "storage"},
        public_url="http://testserver",
        start_local_chain=False,
        log_json=False,
    )
    document: dict[str, Any] = create_app(settings).openapi()
    return document


CONSOLE = Path(__file__).resolve().parents[1] / "platform" / "web" / "console"
GENERATOR = CONSOLE / "node_modules" / ".bin" / "openapi-typescript"
SCHEMA = CONSOLE / "src" / "api" / "schema.d.ts"


def write_document(out: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        document = openapi_document(Path(scratch))
    out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", "utf-8")


def generate_schema(out: Path) -> None:
    """The TypeScript types of the API (openapi-typescript), for openapi-fetch.

    ``--default-non-nullable false``: a request member with a default stays optional, as the
    API treats it."""
    if not GENERATOR.exists():
        raise SystemExit(f"{GENERATOR} is missing: run `make setup` (npm ci in {CONSOLE})")
    with tempfile.TemporaryDirectory() as scratch:
        document = Path(scratch) / "openapi.json"
        write_document(document)
        command = [str(GENERATOR), str(document), "-o", str(out.resolve())]
        subprocess.run(  # noqa: S603 (our own generator on our own file)
            [*command, "--default-non-nullable", "false"],
            check=True,
            capture_output=True,
            cwd=CONSOLE,
        )


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--schema":
        generate_schema(Path(argv[2]))
        return 0
    if len(argv) == 2:
        write_document(Path(argv[1]))
        return 0
    print("usage: console_openapi.py OUT.json | --schema OUT.d.ts", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
