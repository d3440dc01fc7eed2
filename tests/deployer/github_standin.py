"""A local stand-in for the GitHub REST API, served over real HTTP on 127.0.0.1.

It answers the routes the deployer's PyGithub calls use, with GitHub's shapes and status codes,
from local git repositories: ``GET /api/v3/repos/{owner}/{repo}``, ``GET .../commits/{ref}``
(branch, tag or SHA; 422 "No commit found" otherwise) and ``GET .../tarball/{ref}``, which, as on
github.com, redirects (302) to a separate "codeload" origin serving ``git archive`` output under an
``<owner>-<repo>-<sha7>/`` folder. A private repository is 404 without a token, as on GitHub.
A repository may also serve a hand-made tarball, to test hostile archives end to end.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote


@dataclass
class HostedRepo:
    path: Path
    private: bool = False
    tarball: bytes | None = None  # served instead of ``git archive`` when set


@dataclass
class Request:
    origin: str  # "api" or "codeload"
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class GitHubStandIn:
    repos: dict[str, HostedRepo] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    token: str = "ghp_standin"

    def __post_init__(self) -> None:
        self.api = _server(self, "api")
        self.codeload = _server(self, "codeload")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api.server_port}/api/v3"

    @property
    def codeload_url(self) -> str:
        return f"http://127.0.0.1:{self.codeload.server_port}"

    def host(self, full_name: str, path: Path, **options: Any) -> str:
        """Serve the git repository at ``path`` as ``full_name``; returns its github.com URL."""
        self.repos[full_name] = HostedRepo(path=path, **options)
        return f"https://github.com/{full_name}"

    def start(self) -> GitHubStandIn:
        for server in (self.api, self.codeload):
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        for server in (self.api, self.codeload):
            server.shutdown()
            server.server_close()


def _server(standin: GitHubStandIn, origin: str) -> ThreadingHTTPServer:
    class Handler(_Handler):
        pass

    Handler.standin, Handler.origin = standin, origin
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


_REPO = re.compile(r"^/api/v3/repos/([^/]+)/([^/]+)(?:/(commits|tarball)/(.+))?$")
_CODELOAD = re.compile(r"^/([^/]+)/([^/]+)/legacy\.tar\.gz/([0-9a-f]{40})$")


class _Handler(BaseHTTPRequestHandler):
    standin: GitHubStandIn
    origin: str
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.standin.requests.append(
            Request(
                self.origin,
                "GET",
                self.path.split("?", 1)[0],
                {k.lower(): v for k, v in self.headers.items()},
            )
        )
        if self.origin == "codeload":
            self._codeload()
            return
        match = _REPO.match(self.path.split("?", 1)[0])
        if match is None:
            self._json(404, {"message": "Not Found"})
            return
        owner, name, action, ref = match.groups()
        full_name = f"{owner}/{name}"
        hosted = self.standin.repos.get(full_name)
        authorised = self.headers.get("Authorization") == f"token {self.standin.token}"
        if hosted is None or (hosted.private and not authorised):
            self._json(404, {"message": "Not Found"})
            return
        if action is None:
            self._json(200, self._repo_json(full_name, hosted))
            return
        sha = _rev_parse(hosted.path, unquote(ref))
        if sha is None:
            self._json(422, {"message": f"No commit found for SHA: {unquote(ref)}"})
        elif action == "commits":
            self._json(200, self._commit_json(full_name, hosted, sha))
        else:
            location = f"{self.standin.codeload_url}/{owner}/{name}/legacy.tar.gz/{sha}"
            self._send(302, b"", "text/html", {"Location": location})

    # -- payloads shaped like GitHub's --------------------------------------------------------

    def _api(self, full_name: str) -> str:
        return f"{self.standin.base_url}/repos/{full_name}"

    def _repo_json(self, full_name: str, hosted: HostedRepo) -> dict[str, Any]:
        owner, name = full_name.split("/")
        head = _git(hosted.path, "symbolic-ref", "--short", "HEAD") or "main"
        return {
            "id": abs(hash(full_name)) % 10**8,
            "node_id": "R_standin",
            "name": name,
            "full_name": full_name,
            "private": hosted.private,
            "visibility": "private" if hosted.private else "public",
            "owner": {
                "login": owner,
                "id": 1,
                "type": "User",
                "url": f"{self.standin.base_url}/users/{owner}",
            },
            "html_url": f"https://github.com/{full_name}",
            "url": self._api(full_name),
            "clone_url": f"https://github.com/{full_name}.git",
            "default_branch": head,
            "archived": False,
            "disabled": False,
        }

    def _commit_json(self, full_name: str, hosted: HostedRepo, sha: str) -> dict[str, Any]:
        message = _git(hosted.path, "log", "-1", "--format=%B", sha) or ""
        return {
            "sha": sha,
            "node_id": "C_standin",
            "url": f"{self._api(full_name)}/commits/{sha}",
            "html_url": f"https://github.com/{full_name}/commit/{sha}",
            "commit": {
                "message": message.strip(),
                "tree": {"sha": _git(hosted.path, "rev-parse", f"{sha}^{{tree}}")},
            },
            "parents": [],
        }

    def _codeload(self) -> None:
        match = _CODELOAD.match(self.path)
        hosted = self.standin.repos.get("/".join(match.groups()[:2])) if match else None
        if match is None or hosted is None:
            self._send(404, b"Not Found", "text/plain")
            return
        owner, name, sha = match.groups()
        if hosted.tarball is not None:
            body = hosted.tarball
        else:
            body = subprocess.run(
                [
                    "git",
                    "-C",
                    str(hosted.path),
                    "archive",
                    "--format=tar.gz",
                    f"--prefix={owner}-{name}-{sha[:7]}/",
                    sha,
                ],
                capture_output=True,
                check=True,
            ).stdout
        self._send(200, body, "application/x-gzip")

    # -- plumbing ---------------------------------------------------------------------------

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        payload.setdefault("documentation_url", "https://docs.github.com/rest")
        if status >= 400:
            payload = {
                "message": payload["message"],
                "documentation_url": payload["documentation_url"],
            }
        self._send(status, json.dumps(payload).encode(), "application/json; charset=utf-8")

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-GitHub-Media-Type", "github.v3")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


def _git(repo: Path, *args: str) -> str | None:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else None


def _rev_parse(repo: Path, ref: str) -> str | None:
    if ref.startswith("-"):
        return None
    return _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
