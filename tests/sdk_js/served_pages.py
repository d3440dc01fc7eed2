"""The test wallet host and mini-program of ``pages/``, bundled (``build.mjs``) and served from
loopback origins: for the browser tests and ``bench/sdk_bridge.py``."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


def build_pages(out: Path) -> Path:
    """The host and mini-program pages bundled into ``out`` (about a second)."""
    node = shutil.which("node")
    assert node, "node is needed to bundle the test pages (make setup installs it)"
    subprocess.run([node, str(HERE / "build.mjs"), str(out)], check=True, cwd=ROOT)
    return out


@contextmanager
def serve_folder(folder: Path, headers: dict[str, str] | None = None) -> Iterator[str]:
    """``folder`` over HTTP on a free loopback port (one origin), with extra ``headers``."""
    extra = headers or {}

    class Handler(http.server.SimpleHTTPRequestHandler):
        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")
            for name, value in extra.items():
                self.send_header(name, value)
            super().end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
